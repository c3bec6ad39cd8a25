// What a message handler works with, and the small conversions several handlers share.

import type { FidTable } from "./fidTable.js";
import type { FsAttr, FsBackend } from "./fsBackend.js";
import { DT, QT, type Qid, type Reader, type Writer } from "./protocol.js";

export interface Request {
  readonly fids: FidTable;
  readonly backend: FsBackend;
  /** Bytes the reply may take after its 7-byte header: the writable bytes and msize, less the header. */
  readonly room: number;
}

/**
 * Reads the T-message's fields from `r` and writes the R-message's body into `w`; a failure
 * is thrown (P9Error or a host error) and becomes Rlerror.
 */
export type Handler = (req: Request, r: Reader, w: Writer) => void | Promise<void>;

/** The qid of a file: its kind, and its file id as path. The version stays 0: the server does not
 * track changes, and a changing version makes Linux treat one file as several inodes. */
export function qidOf(attr: FsAttr): Qid {
  const type = attr.kind === "dir" ? QT.DIR : attr.kind === "symlink" ? QT.SYMLINK : QT.FILE;
  return { type, version: 0, path: attr.fileId };
}

/** The d_type of a directory entry. */
export function direntType(attr: FsAttr): number {
  switch (attr.mode & 0o170000) {
    case 0o040000:
      return DT.DIR;
    case 0o100000:
      return DT.REG;
    case 0o120000:
      return DT.LNK;
    case 0o010000:
      return DT.FIFO;
    case 0o020000:
      return DT.CHR;
    case 0o060000:
      return DT.BLK;
    case 0o140000:
      return DT.SOCK;
    default:
      return DT.UNKNOWN;
  }
}

const NS = 1_000_000_000n;

/** Nanoseconds since the epoch as seconds and nanoseconds (0 ≤ ns < 10^9, also before 1970). */
export function splitNs(ns: bigint): [bigint, bigint] {
  let s = ns / NS;
  let n = ns % NS;
  if (n < 0n) {
    s -= 1n;
    n += NS;
  }
  return [s, n];
}

export function joinNs(sec: bigint, nsec: bigint): bigint {
  return BigInt.asIntN(64, sec) * NS + nsec;
}
