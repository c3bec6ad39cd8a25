// Attributes: Tgetattr, Tsetattr, Tstatfs, Treadlink.

import { EFBIG, EINVAL, EROFS, P9Error } from "./errno.js";
import type { FsSetAttr } from "./fsBackend.js";
import { GETATTR_BASIC, QT, SETATTR } from "./protocol.js";
import { joinNs, qidOf, splitNs, type Handler } from "./request.js";

const GETATTR_BTIME = 0x800;
/** Tsetattr bits that change something (CTIME alone only asks for a ctime update, which the host does anyway). */
const CHANGES = SETATTR.MODE | SETATTR.UID | SETATTR.GID | SETATTR.SIZE | SETATTR.ATIME | SETATTR.MTIME;
const UNCHANGED_ID = 0xffffffff;

/**
 * Tgetattr fid[4] request_mask[8] → Rgetattr valid[8] qid mode[4] uid[4] gid[4] nlink[8] rdev[8]
 * size[8] blksize[8] blocks[8] atime mtime ctime btime (sec[8] nsec[8] each) gen[8]
 * data_version[8]. The basic fields and btime are always given, whatever was asked.
 */
export const getattr: Handler = async (req, r, w) => {
  const n = r.u32();
  r.u64(); // request_mask
  const fid = req.fids.get(n);
  const a = fid.open?.kind === "file" ? await fid.open.file.stat() : await req.backend.lstat(fid.path);
  if (req.fids.holds(n, fid)) fid.qid = qidOf(a);
  w.u64(GETATTR_BASIC | GETATTR_BTIME).qid(qidOf(a));
  w.u32(a.mode).u32(a.uid).u32(a.gid).u64(a.nlink).u64(a.rdev).u64(a.size).u64(a.blksize).u64(a.blocks);
  for (const t of [a.atimeNs, a.mtimeNs, a.ctimeNs, a.btimeNs]) {
    const [s, ns] = splitNs(t);
    w.u64(s).u64(ns);
  }
  w.u64(0).u64(0); // gen, data_version: not tracked
};

/**
 * Tsetattr fid[4] valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8] atime_nsec[8]
 * mtime_sec[8] mtime_nsec[8] → Rsetattr. ATIME/MTIME without their _SET bit mean "now".
 * Changing owners is answered honestly: EPERM unless paravm runs with the right to chown.
 */
export const setattr: Handler = async (req, r) => {
  const n = r.u32();
  const valid = r.u32();
  const mode = r.u32();
  const uid = r.u32();
  const gid = r.u32();
  const size = r.u64();
  const atime = [r.u64(), r.u64()] as const;
  const mtime = [r.u64(), r.u64()] as const;
  const fid = req.fids.get(n);
  if (!(valid & CHANGES)) return;
  if (req.backend.readOnly) throw new P9Error(EROFS, "read-only share");
  const change: FsSetAttr = {};
  if (valid & SETATTR.MODE) change.mode = mode & 0o7777;
  if (valid & SETATTR.UID && uid !== UNCHANGED_ID) change.uid = uid;
  if (valid & SETATTR.GID && gid !== UNCHANGED_ID) change.gid = gid;
  if (valid & SETATTR.SIZE) {
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new P9Error(EFBIG, "size past 2^53");
    change.size = Number(size);
  }
  const time = (set: boolean, [s, ns]: readonly [bigint, bigint]) => {
    if (!set) return "now" as const;
    if (ns >= 1_000_000_000n) throw new P9Error(EINVAL, "nanoseconds out of range");
    return joinNs(s, ns);
  };
  if (valid & SETATTR.ATIME) change.atime = time((valid & SETATTR.ATIME_SET) !== 0, atime);
  if (valid & SETATTR.MTIME) change.mtime = time((valid & SETATTR.MTIME_SET) !== 0, mtime);
  // An open file is changed through its handle (right even once unlinked), except a size
  // change through a handle not open for writing, which goes by the path.
  const open = fid.open;
  if (open?.kind === "file" && (change.size === undefined || open.file.writable)) await open.file.setattr(change);
  else await req.backend.setattr(fid.path, change);
};

/**
 * Tstatfs fid[4] → Rstatfs type[4] bsize[4] blocks[8] bfree[8] bavail[8] files[8] ffree[8]
 * fsid[8] namelen[4], of the file system that holds the share.
 */
export const statfs: Handler = async (req, r, w) => {
  const fid = req.fids.get(r.u32());
  const s = await req.backend.statfs(fid.path);
  w.u32(s.type).u32(s.bsize).u64(s.blocks).u64(s.bfree).u64(s.bavail).u64(s.files).u64(s.ffree);
  w.u64(s.fsid).u32(s.namelen);
};

/**
 * Treadlink fid[4] → Rreadlink target[s]: the link's text as stored. The server never resolves
 * it; the guest resolves it in its own namespace, so a link to /etc/passwd reaches the guest's.
 */
export const readlink: Handler = async (req, r, w) => {
  const fid = req.fids.get(r.u32());
  if (fid.qid.type !== QT.SYMLINK) throw new P9Error(EINVAL, "not a symbolic link");
  w.str(await req.backend.readlink(fid.path));
};
