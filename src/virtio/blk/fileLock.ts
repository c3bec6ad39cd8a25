// One writer or any number of readers per disk image, never both (QEMU's shared 'write'
// lock): a writer holds IMAGE.lock, each reader IMAGE.rlock.PID, both created with O_EXCL and
// holding the holder's pid (a reader's is in its name, too). Node has no flock(), and lock files also work across machines
// sharing a folder and tell the user who holds them. A lock whose pid no longer runs (a crash,
// a kill) is stale and taken over; an empty or unreadable writer lock may be a writer between
// create and write, so it counts as held. Each side first announces itself, then looks for the
// other, so two that start together cannot both succeed. A reader that may not create files
// beside the image (a read-only folder) only checks for a writer.

import { open, readdir, readFile, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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

/** The pid in a lock file; NaN when it is empty, garbled or unreadable; null when there is none. */
async function lockHolder(lockPath: string): Promise<number | null> {
  let text = "";
  try {
    text = await readFile(lockPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
  }
  return /^\d+\n?$/.test(text) ? Number.parseInt(text, 10) : NaN;
}

function holderName(pid: number): string {
  if (pid === process.pid) return "this paravm";
  return pid > 0 ? `process ${pid}` : "another process";
}

/** The pid of a live writer, NaN for a writer not yet known, null for none (or a dead one). */
async function liveWriter(lockPath: string): Promise<number | null> {
  const pid = await lockHolder(lockPath);
  if (pid === null || (pid > 0 && pid !== process.pid && !isRunning(pid))) return null;
  return pid;
}

/** Takes the write lock of `imagePath`; returns the lock file's path for `releaseLock`. */
export async function acquireLock(imagePath: string): Promise<string> {
  const lockPath = `${imagePath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await create(lockPath)) {
      const reader = await liveReader(imagePath);
      if (reader !== null) {
        await releaseLock(lockPath);
        throw new Error(`${imagePath} is open read-only in ${holderName(reader)}; it cannot be written meanwhile`);
      }
      return lockPath;
    }
    const pid = await liveWriter(lockPath);
    if (pid !== null) {
      const hint = pid === process.pid ? "" : ` (remove ${lockPath} if it is not)`;
      throw new Error(`${imagePath} is in use by ${holderName(pid)}${hint}`);
    }
    await unlink(lockPath).catch(() => {}); // stale: its writer is gone
  }
  throw new Error(`cannot lock ${imagePath}: ${lockPath} keeps coming back`);
}

/**
 * Takes a read lock of `imagePath`: refused while another paravm writes it. Returns the lock
 * file's path for `releaseLock`, or null where none could be created.
 */
export async function acquireReadLock(imagePath: string): Promise<string | null> {
  const lockPath = `${imagePath}.rlock.${process.pid}`;
  let held: string | null = lockPath;
  try {
    await unlink(lockPath).catch(() => {}); // a pid reused from a reader that died
    if (!(await create(lockPath))) held = null;
  } catch {
    held = null; // no right to create files here: check only
  }
  const pid = await liveWriter(`${imagePath}.lock`);
  if (pid !== null) {
    if (held) await releaseLock(held);
    throw new Error(`${imagePath} is being written by ${holderName(pid)} (QEMU: Failed to get shared "write" lock)`);
  }
  return held;
}

/** The pid of a running reader of `imagePath` other than this process; stale reader locks go. */
async function liveReader(imagePath: string): Promise<number | null> {
  const prefix = `${basename(imagePath)}.rlock.`;
  const names = await readdir(dirname(imagePath)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) continue;
    const pid = Number(name.slice(prefix.length)); // from the name: the file may not be written yet
    if (pid === process.pid) continue;
    if (isRunning(pid)) return pid;
    await unlink(join(dirname(imagePath), name)).catch(() => {});
  }
  return null;
}

export async function releaseLock(lockPath: string): Promise<void> {
  await unlink(lockPath).catch(() => {});
}
