// The fid table of one 9P session: what each fid number the guest chose stands for.
//
// A fid is a path in the share (checked components, see names.ts), the qid it had when walked
// to, and once opened either an open host file or a directory listing. Open files are host
// resources: they cannot be part of a snapshot, and a restored VM finds its session gone (the
// guest's 9p mount then answers errors until remounted). The table is bounded (MAX_FIDS) so that
// a guest cannot exhaust host memory or file descriptors by walking without clunking.
//
// Requests complete asynchronously; a request that finishes after its session ended (Tversion
// or a device reset) must leave nothing behind: `closed` tells it so, and `adopt` closes a
// file opened too late instead of storing it.

import { EBADF, EINVAL, EMFILE, P9Error } from "./errno.js";
import type { FsFile } from "./fsBackend.js";
import { isAtOrUnder } from "./names.js";
import type { Qid } from "./protocol.js";

export const MAX_FIDS = 4096;

export type FidOpen =
  | { kind: "file"; file: FsFile }
  /** A directory: its listing is taken at Treaddir offset 0 and served from here by index. */
  | { kind: "dir"; entries: { name: string; qid: Qid; type: number }[] | null };

export interface Fid {
  path: string;
  qid: Qid;
  open: FidOpen | null;
}

export class FidTable {
  private readonly fids = new Map<number, Fid>();
  private ended = false;

  constructor(readonly limit = MAX_FIDS) {}

  get closed(): boolean {
    return this.ended;
  }

  get size(): number {
    return this.fids.size;
  }

  /** The fid, or EBADF (QEMU answers ENOENT; EBADF says the handle, not the file, is bad). */
  get(n: number): Fid {
    const f = this.fids.get(n);
    if (!f) throw new P9Error(EBADF, `unknown fid ${n}`);
    return f;
  }

  /** Whether `fid` is still what number `n` stands for (it may be clunked while a request waits). */
  holds(n: number, fid: Fid): boolean {
    return !this.ended && this.fids.get(n) === fid;
  }

  /** Checks that a new fid may take number `n`: not in use (EINVAL, as QEMU), room left (EMFILE). */
  checkFree(n: number): void {
    if (this.ended) throw new P9Error(EBADF, "session ended");
    if (this.fids.has(n)) throw new P9Error(EINVAL, `fid ${n} is in use`);
    if (this.fids.size >= this.limit) throw new P9Error(EMFILE, "too many fids");
  }

  add(n: number, fid: Fid): void {
    this.checkFree(n);
    this.fids.set(n, fid);
  }

  /** Stores an opened file in `fid`, or closes it if the fid or the session went away meanwhile. */
  adopt(n: number, fid: Fid, open: FidOpen): boolean {
    if (!this.holds(n, fid)) {
      if (open.kind === "file") void open.file.close().catch(() => {});
      return false;
    }
    fid.open = open;
    return true;
  }

  /** Forgets fid `n` and closes what it had open. */
  clunk(n: number): void {
    const f = this.get(n);
    this.fids.delete(n);
    closeOpen(f);
  }

  /** After a rename: every fid at or under `from` now lives under `to` (fids name files, not paths). */
  renamed(from: string, to: string): void {
    if (from === "") return; // the root is never renamed (the backend refuses)
    for (const f of this.fids.values()) {
      if (isAtOrUnder(f.path, from)) f.path = to + f.path.slice(from.length);
    }
  }

  /** Ends the session: every fid is clunked. Resolves when their files are closed. */
  end(): Promise<void> {
    this.ended = true;
    const closing = [...this.fids.values()].map(closeOpen);
    this.fids.clear();
    return Promise.all(closing).then(() => {});
  }
}

function closeOpen(f: Fid): Promise<void> {
  const open = f.open;
  f.open = null;
  return open?.kind === "file" ? open.file.close().catch(() => {}) : Promise.resolve();
}
