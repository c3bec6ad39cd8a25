// Open fids: Tlopen, Tlcreate, Tread, Twrite, Treaddir, Tfsync, Tlock, Tgetlock.

import { EBADF, EFBIG, EINVAL, EISDIR, ELOOP, ENOTDIR, EROFS, P9Error } from "./errno.js";
import type { FsOpenMode } from "./fsBackend.js";
import type { Fid } from "./fidTable.js";
import { childPath, parentPath } from "./names.js";
import { F_UNLCK, LOCK_SUCCESS, OPEN, QID_SIZE, QT, type Reader, utf8Length } from "./protocol.js";
import { direntType, qidOf, type Handler, type Request } from "./request.js";

/**
 * Linux open flags as an FsOpenMode. O_APPEND is dropped: every Twrite carries its offset, which
 * the guest computed, and a host O_APPEND would make pwrite ignore it. O_CREAT/O_EXCL mean
 * nothing to Tlopen; the rest (O_SYNC, O_DIRECT, O_NONBLOCK …) are hints the host file ignores.
 */
function openMode(flags: number): FsOpenMode {
  const acc = flags & OPEN.ACCMODE;
  return {
    read: acc !== OPEN.WRONLY,
    write: acc === OPEN.WRONLY || acc === OPEN.RDWR,
    truncate: (flags & OPEN.TRUNC) !== 0,
  };
}

function unopened(req: Request, n: number): Fid {
  const fid = req.fids.get(n);
  if (fid.open) throw new P9Error(EINVAL, `fid ${n} is already open`);
  return fid;
}

/** Tlopen fid[4] flags[4] → Rlopen qid[13] iounit[4]. A symbolic link is never opened (ELOOP). */
export const lopen: Handler = async (req, r, w) => {
  const n = r.u32();
  const flags = r.u32();
  const fid = unopened(req, n);
  const mode = openMode(flags);
  if (req.backend.readOnly && (mode.write || mode.truncate)) throw new P9Error(EROFS, "read-only share");
  if (fid.qid.type === QT.SYMLINK) throw new P9Error(ELOOP, "open of a symbolic link");
  if (fid.qid.type === QT.DIR) {
    if (mode.write || mode.truncate) throw new P9Error(EISDIR, "directory opened for writing");
    const attr = await req.backend.lstat(fid.path);
    if (attr.kind !== "dir") throw new P9Error(attr.kind === "symlink" ? ELOOP : ENOTDIR, "no longer a directory");
    if (!req.fids.adopt(n, fid, { kind: "dir", entries: null })) throw new P9Error(EBADF, "fid clunked");
    w.qid(qidOf(attr)).u32(0);
    return;
  }
  if (flags & OPEN.DIRECTORY) throw new P9Error(ENOTDIR, "O_DIRECTORY on a file");
  const file = await req.backend.open(fid.path, mode);
  const attr = await file.stat().catch(async (e) => {
    await file.close().catch(() => {});
    throw e;
  });
  if (!req.fids.adopt(n, fid, { kind: "file", file })) throw new P9Error(EBADF, "fid clunked");
  fid.qid = qidOf(attr);
  w.qid(fid.qid).u32(0); // iounit 0: the client uses msize
};

/** Tlcreate fid[4] name[s] flags[4] mode[4] gid[4] → Rlcreate qid iounit; fid becomes the new file, open. */
export const lcreate: Handler = async (req, r, w) => {
  const n = r.u32();
  const name = r.str();
  const flags = r.u32();
  const perm = r.u32();
  r.u32(); // gid: files belong to the user paravm runs as (see hostFsBackend.ts)
  const dir = unopened(req, n);
  if (dir.qid.type !== QT.DIR) throw new P9Error(ENOTDIR, "create in a non-directory");
  if (req.backend.readOnly) throw new P9Error(EROFS, "read-only share");
  const path = childPath(dir.path, name);
  const file = await req.backend.create(path, openMode(flags), perm, (flags & OPEN.EXCL) !== 0);
  const attr = await file.stat().catch(() => null);
  if (!attr || !req.fids.adopt(n, dir, { kind: "file", file })) {
    await file.close().catch(() => {});
    throw new P9Error(EBADF, "fid clunked");
  }
  dir.path = path;
  dir.qid = qidOf(attr);
  w.qid(dir.qid).u32(0);
};

function openFile(req: Request, n: number) {
  const open = req.fids.get(n).open;
  if (!open) throw new P9Error(EBADF, `fid ${n} is not open`);
  if (open.kind !== "file") throw new P9Error(EISDIR, "a directory");
  return open.file;
}

/** Tread fid[4] offset[8] count[4] → Rread count[4] data; count shrinks to what msize and the buffers hold. */
export const read: Handler = async (req, r, w) => {
  const n = r.u32();
  const offset = r.u64();
  const count = Math.min(r.u32(), req.room - 4);
  const file = openFile(req, n);
  // Past 2^53 nothing can be stored: the end of any file.
  const data = offset > BigInt(Number.MAX_SAFE_INTEGER) ? new Uint8Array(0) : await file.read(Number(offset), count);
  w.u32(data.length).bytes(data);
};

/** Twrite fid[4] offset[8] count[4] data[count] → Rwrite count[4]. */
export const write: Handler = async (req, r, w) => {
  const n = r.u32();
  const offset = r.u64();
  const data = r.bytesOf(r.u32());
  const file = openFile(req, n);
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new P9Error(EFBIG, "offset past 2^53");
  if (!file.writable) throw new P9Error(EBADF, "fid not open for writing");
  w.u32(await file.write(Number(offset), data));
};

interface Entry {
  name: string;
  qid: { type: number; version: number; path: bigint };
  type: number;
}

/** The directory's entries, "." and ".." first, as Treaddir offsets index them. */
async function listing(req: Request, fid: Fid): Promise<Entry[]> {
  const b = req.backend;
  const [self, parent, entries] = await Promise.all([
    b.lstat(fid.path),
    b.lstat(parentPath(fid.path)),
    b.readdir(fid.path),
  ]);
  const entry = (name: string, attr: typeof self) => ({ name, qid: qidOf(attr), type: direntType(attr) });
  return [entry(".", self), entry("..", parent), ...entries.map((e) => entry(e.name, e.attr))];
}

/**
 * Treaddir fid[4] offset[8] count[4] → Rreaddir count[4] entries, each qid[13] offset[8]
 * type[1] name[s]. An offset is the index of the next entry; offset 0 takes a new listing,
 * later offsets read the listing taken then (a directory changing meanwhile is seen at the next
 * rewind, as with any readdir).
 */
export const readdir: Handler = async (req, r, w) => {
  const n = r.u32();
  const offset = r.u64();
  const limit = Math.min(r.u32(), req.room - 4);
  const fid = req.fids.get(n);
  const open = fid.open;
  if (!open) throw new P9Error(EBADF, `fid ${n} is not open`);
  if (open.kind !== "dir") throw new P9Error(ENOTDIR, "readdir of a file");
  if (offset === 0n || !open.entries) {
    const entries = await listing(req, fid);
    if (!req.fids.holds(n, fid)) throw new P9Error(EBADF, "fid clunked");
    open.entries = entries;
  }
  const entries = open.entries;
  const countAt = w.length;
  w.u32(0);
  let used = 0;
  for (let i = offset; i < BigInt(entries.length); i++) {
    const e = entries[Number(i)];
    const size = QID_SIZE + 8 + 1 + 2 + utf8Length(e.name);
    if (used + size > limit) break;
    w.qid(e.qid)
      .u64(i + 1n)
      .u8(e.type)
      .str(e.name);
    used += size;
  }
  w.patchU32(countAt, used);
};

/** Tfsync fid[4] datasync[4] → Rfsync. A fid without an open file has nothing to flush. */
export const fsync: Handler = async (req, r) => {
  const n = r.u32();
  const dataOnly = r.remaining >= 4 ? r.u32() !== 0 : false;
  const open = req.fids.get(n).open;
  if (open?.kind === "file") await open.file.sync(dataOnly);
};

function lockFields(r: Reader, withFlags: boolean) {
  const fid = r.u32();
  const type = r.u8();
  if (withFlags) r.u32();
  return { fid, type, start: r.u64(), length: r.u64(), procId: r.u32(), clientId: r.str() };
}

/**
 * Tlock fid[4] type[1] flags[4] start[8] length[8] proc_id[4] client_id[s] → Rlock status[1].
 * Every lock is granted: POSIX locks are advisory, and the processes that take them all live in
 * the one guest, whose own kernel already arbitrates between them. So locks are per VM; host
 * processes and other VMs do not see them (nor QEMU's, which takes no host lock either).
 */
export const lock: Handler = (req, r, w) => {
  req.fids.get(lockFields(r, true).fid);
  w.u8(LOCK_SUCCESS);
};

/** Tgetlock fid[4] type[1] start[8] length[8] proc_id[4] client_id[s] → Rgetlock: always unlocked. */
export const getlock: Handler = (req, r, w) => {
  const l = lockFields(r, false);
  req.fids.get(l.fid);
  w.u8(F_UNLCK).u64(l.start).u64(l.length).u32(l.procId).str(l.clientId);
};
