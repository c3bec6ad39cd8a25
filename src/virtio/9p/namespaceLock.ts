// A readers-writer lock over the share's namespace, in the promise world.
//
// The host backend checks that no component of a path is a symbolic link, then uses the path.
// Between the check and the use, a request that changes names (rename, unlink, symlink …)
// could swap a checked directory for a link pointing out of the share. Such requests take the
// lock exclusively; every request that resolves a path takes it shared. So the guest can never
// race its own checks. Requests on open files (read, write) need no lock. Waiters are served
// in arrival order, so a stream of readers cannot starve a writer.

interface Waiter {
  exclusive: boolean;
  start: () => void;
}

export class NamespaceLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: Waiter[] = [];

  shared<T>(body: () => Promise<T>): Promise<T> {
    return this.run(false, body);
  }

  exclusive<T>(body: () => Promise<T>): Promise<T> {
    return this.run(true, body);
  }

  private async run<T>(exclusive: boolean, body: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.waiting.push({ exclusive, start });
      this.pump();
    });
    try {
      return await body();
    } finally {
      if (exclusive) this.writer = false;
      else this.readers--;
      this.pump();
    }
  }

  private pump(): void {
    while (this.waiting.length && !this.writer) {
      const next = this.waiting[0];
      if (next.exclusive && this.readers > 0) return;
      this.waiting.shift();
      if (next.exclusive) this.writer = true;
      else this.readers++;
      next.start();
    }
  }
}
