// Changing names: Tmkdir, Tsymlink, Tmknod, Tlink, Trename, Trenameat, Tunlinkat, Tremove.
// Each reads all its fields first (a message cut short is EINVAL whatever its fids), then
// checks its fids, and is refused with EROFS on a read-only share.

import { ENOTDIR, EROFS, P9Error } from "./errno.js";
import type { Fid } from "./fidTable.js";
import { childPath } from "./names.js";
import { AT_REMOVEDIR, QT } from "./protocol.js";
import { qidOf, type Handler, type Request } from "./request.js";

/** A fid that must be a directory, on a share that may change. */
function dirFid(req: Request, n: number): Fid {
  const fid = req.fids.get(n);
  if (fid.qid.type !== QT.DIR) throw new P9Error(ENOTDIR, `fid ${n} is not a directory`);
  return fid;
}

function writable(req: Request): void {
  if (req.backend.readOnly) throw new P9Error(EROFS, "read-only share");
}

/** Tmkdir dfid[4] name[s] mode[4] gid[4] → Rmkdir qid. */
export const mkdir: Handler = async (req, r, w) => {
  const dfid = r.u32();
  const name = r.str();
  const mode = r.u32();
  r.u32(); // gid
  const dir = dirFid(req, dfid);
  writable(req);
  const path = childPath(dir.path, name);
  await req.backend.mkdir(path, mode);
  w.qid(qidOf(await req.backend.lstat(path)));
};

/** Tsymlink fid[4] name[s] symtgt[s] gid[4] → Rsymlink qid. The target is stored as text. */
export const symlink: Handler = async (req, r, w) => {
  const dfid = r.u32();
  const name = r.str();
  const target = r.str();
  r.u32(); // gid
  const dir = dirFid(req, dfid);
  writable(req);
  const path = childPath(dir.path, name);
  await req.backend.symlink(path, target);
  w.qid(qidOf(await req.backend.lstat(path)));
};

/**
 * Tmknod dfid[4] name[s] mode[4] major[4] minor[4] gid[4] → Rmknod qid. Only regular files
 * (the backend says EPERM to devices, FIFOs and sockets, as an unprivileged mknod would).
 */
export const mknod: Handler = async (req, r, w) => {
  const dfid = r.u32();
  const name = r.str();
  const mode = r.u32();
  r.u32(); // major
  r.u32(); // minor
  r.u32(); // gid
  const dir = dirFid(req, dfid);
  writable(req);
  const path = childPath(dir.path, name);
  await req.backend.mknod(path, mode);
  w.qid(qidOf(await req.backend.lstat(path)));
};

/** Tlink dfid[4] fid[4] name[s] → Rlink: a new name in dfid for fid's file. */
export const link: Handler = async (req, r) => {
  const dfid = r.u32();
  const fid = r.u32();
  const name = r.str();
  const dir = dirFid(req, dfid);
  const target = req.fids.get(fid);
  writable(req);
  await req.backend.link(target.path, childPath(dir.path, name));
};

async function rename(req: Request, from: string, to: string): Promise<void> {
  writable(req);
  await req.backend.rename(from, to);
  req.fids.renamed(from, to);
}

/** Trename fid[4] dfid[4] name[s] → Rrename: fid's file moves into dfid as name. */
export const renameFid: Handler = async (req, r) => {
  const fidN = r.u32();
  const dfid = r.u32();
  const name = r.str();
  const fid = req.fids.get(fidN);
  const dir = dirFid(req, dfid);
  await rename(req, fid.path, childPath(dir.path, name));
};

/** Trenameat olddirfid[4] oldname[s] newdirfid[4] newname[s] → Rrenameat. */
export const renameat: Handler = async (req, r) => {
  const oldDfid = r.u32();
  const oldName = r.str();
  const newDfid = r.u32();
  const newName = r.str();
  const oldDir = dirFid(req, oldDfid);
  const newDir = dirFid(req, newDfid);
  await rename(req, childPath(oldDir.path, oldName), childPath(newDir.path, newName));
};

/** Tunlinkat dirfd[4] name[s] flags[4] → Runlinkat; flags AT_REMOVEDIR (0x200) removes a directory. */
export const unlinkat: Handler = async (req, r) => {
  const dfid = r.u32();
  const name = r.str();
  const flags = r.u32();
  const dir = dirFid(req, dfid);
  writable(req);
  await req.backend.remove(childPath(dir.path, name), (flags & AT_REMOVEDIR) !== 0);
};

/** Tremove fid[4] → Rremove. The fid is clunked whether or not the removal succeeds (9P's rule). */
export const remove: Handler = async (req, r) => {
  const n = r.u32();
  const fid = req.fids.get(n);
  req.fids.clunk(n);
  writable(req);
  await req.backend.remove(fid.path, fid.qid.type === QT.DIR);
};
