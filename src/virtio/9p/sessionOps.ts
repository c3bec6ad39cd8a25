// Tattach, Twalk, Tclunk and Tflush: making and dropping fids. (Tversion is the device's own.)

import { EBADF, EINVAL, EMSGSIZE, ENOTDIR, errnoOf, P9Error } from "./errno.js";
import { nameError, walkStep } from "./names.js";
import { MAX_WALK_NAMES, QID_SIZE, QT, type Qid } from "./protocol.js";
import { qidOf, type Handler } from "./request.js";

/**
 * Tattach fid[4] afid[4] uname[s] aname[s] n_uname[4] → Rattach qid. Authentication is not
 * offered (afid is ignored; Linux sends NOFID) and aname is ignored: a device has one share.
 */
export const attach: Handler = async (req, r, w) => {
  const fid = r.u32();
  r.u32(); // afid
  r.str(); // uname
  r.str(); // aname
  if (r.remaining >= 4) r.u32(); // n_uname, absent in plain 9P2000
  // A fid is made only when its answer can be delivered (else it would leak until Tversion).
  if (req.room < QID_SIZE) throw new P9Error(EMSGSIZE, "no room for Rattach");
  req.fids.checkFree(fid);
  const attr = await req.backend.lstat("");
  const qid = qidOf(attr);
  req.fids.add(fid, { path: "", qid, open: null });
  w.qid(qid);
};

/**
 * Twalk fid[4] newfid[4] nwname[2] nwname*(wname[s]) → Rwalk nwqid[2] nwqid*(qid[13]).
 * Names are taken one by one with lstat, so a symbolic link is a place to stop, never a way
 * through: walking on from a link (or a file) is ENOTDIR. When the first name fails the answer
 * is its error; when a later one fails, the qids walked so far, and newfid is not made. Zero
 * names clone fid. ".." is resolved on the path string and stays at the root (names.ts).
 */
export const walk: Handler = async (req, r, w) => {
  const fidN = r.u32();
  const newN = r.u32();
  const count = r.u16();
  if (count > MAX_WALK_NAMES) throw new P9Error(EINVAL, `${count} names in one walk`);
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(r.str());
  if (2 + count * QID_SIZE > req.room) throw new P9Error(EMSGSIZE, "no room for Rwalk");
  const fid = req.fids.get(fidN);
  if (newN !== fidN) req.fids.checkFree(newN);
  // Walking an open fid in place would leave its open file under another name (9P forbids it).
  else if (fid.open && count > 0) throw new P9Error(EINVAL, "walk of an open fid onto itself");
  let path = fid.path;
  let qid: Qid = fid.qid;
  const qids: Qid[] = [];
  let error = 0;
  for (const name of names) {
    if (qid.type !== QT.DIR) error = ENOTDIR;
    else if (name !== "..") error = nameError(name);
    if (error) break;
    const next = walkStep(path, name);
    try {
      qid = qidOf(await req.backend.lstat(next));
    } catch (e) {
      error = errnoOf(e);
      break;
    }
    path = next;
    qids.push(qid);
  }
  if (qids.length === 0 && count > 0) throw new P9Error(error, "walk failed at the first name");
  if (qids.length === count) {
    if (!req.fids.holds(fidN, fid)) throw new P9Error(EBADF, "fid clunked during the walk");
    if (newN === fidN) {
      fid.path = path;
      fid.qid = qid;
    } else {
      req.fids.add(newN, { path, qid, open: null });
    }
  }
  w.u16(qids.length);
  for (const q of qids) w.qid(q);
};

/** Tclunk fid[4] → Rclunk. */
export const clunk: Handler = (req, r) => {
  req.fids.clunk(r.u32());
};

/**
 * Tflush oldtag[2] → Rflush, at once. Every request is answered in its own chain anyway (the
 * transport matches answers by chain, not tag), so there is nothing to cancel: the flushed
 * request still completes, or has already, which the protocol allows.
 */
export const flush: Handler = (_req, r) => {
  r.u16();
};
