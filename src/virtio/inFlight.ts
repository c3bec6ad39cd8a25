// Requests a device runs on the host asynchronously (file reads, fsyncs …): each one completes
// when its promise settles, in any order, and `idle()` tells when none is left, which is when
// a device can be snapshotted or its host resources closed.

export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  /**
   * Runs `done` with the request's result, or with `failed()` if its promise rejects; `done`
   * must not throw (it writes into guest memory and pushes a used entry at most).
   */
  track<T>(pending: Promise<T>, failed: () => T, done: (result: T) => void): void {
    this.count++;
    pending
      .catch(failed)
      .then(done)
      .catch(() => {}) // keeps a bug in `done` from becoming an unhandled rejection that ends paravm
      .finally(() => {
        if (--this.count === 0) for (const w of this.waiters.splice(0)) w();
      });
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
