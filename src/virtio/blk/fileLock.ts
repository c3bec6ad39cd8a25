// One writer per disk image: a lock file IMAGE.lock, created with O_EXCL and holding the
// writer's pid. Node has no flock(), and a lock file also works across machines sharing a
// folder and tells the user who holds it. A lock whose pid no longer runs (a crash) is stale
// and taken over; an empty or unreadable one may be a writer between create and write, so it
// counts as held. Read-only opens take no lock.

import { open, readFile, unlink } from "node:fs/promises";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function create(lockPath: string): Promise<boolean> {
  try {
    const f = await open(lockPath, "wx");
    try {
      await f.writeFile(`${process.pid}\n`);
    } finally {
      await f.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

/** Takes the write lock of `imagePath`; returns the lock file's path for `releaseLock`. */
export async function acquireLock(imagePath: string): Promise<string> {
  const lockPath = `${imagePath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await create(lockPath)) return lockPath;
    const text = await readFile(lockPath, "utf8").catch(() => "");
    const pid = /^\d+\n?$/.test(text) ? Number.parseInt(text, 10) : NaN;
    if (!(pid > 0) || pid === process.pid || isRunning(pid)) {
      const who = pid > 0 ? `process ${pid}` : "another process";
      throw new Error(`${imagePath} is in use by ${who} (remove ${lockPath} if it is not)`);
    }
    await unlink(lockPath).catch(() => {}); // stale: its writer is gone
  }
  throw new Error(`cannot lock ${imagePath}: ${lockPath} keeps coming back`);
}

export async function releaseLock(lockPath: string): Promise<void> {
  await unlink(lockPath).catch(() => {});
}
