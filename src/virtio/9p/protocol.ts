// 9P2000.L wire format: message type numbers, and a bounds-checked little-endian reader and
// writer. A message is size[4] type[1] tag[2] followed by the type's fields; strings are
// len[2] followed by len bytes of UTF-8 (no NUL terminator), a qid is type[1] version[4] path[8].
//
// Everything the reader returns comes from the guest: every read checks that the bytes are
// there and throws P9Error(EINVAL) otherwise, so a handler never sees a truncated field.

import { EINVAL, P9Error } from "./errno.js";

/** T-message numbers; the answer to T is T + 1, Rlerror (7) for every failure. */
export const T = {
  lerror: 6,
  statfs: 8,
  lopen: 12,
  lcreate: 14,
  symlink: 16,
  mknod: 18,
  rename: 20,
  readlink: 22,
  getattr: 24,
  setattr: 26,
  xattrwalk: 30,
  xattrcreate: 32,
  readdir: 40,
  fsync: 50,
  lock: 52,
  getlock: 54,
  link: 70,
  mkdir: 72,
  renameat: 74,
  unlinkat: 76,
  version: 100,
  auth: 102,
  attach: 104,
  flush: 108,
  walk: 110,
  read: 116,
  write: 118,
  clunk: 120,
  remove: 122,
} as const;
export const RLERROR = 7;

/** size[4] type[1] tag[2]. */
export const HEADER_SIZE = 7;
/** The smallest reply: Rlerror is a header and ecode[4]. */
export const RLERROR_SIZE = HEADER_SIZE + 4;
/** Rread and Rreaddir: a header and count[4] before the data. */
export const IO_HEADER_SIZE = HEADER_SIZE + 4;
export const NOTAG = 0xffff;
export const NOFID = 0xffffffff;
/** Names per Twalk (the protocol's limit, and Linux's P9_MAXWELEM). */
export const MAX_WALK_NAMES = 16;
export const VERSION_9P2000_L = "9P2000.L";

export const QT = { DIR: 0x80, SYMLINK: 0x02, FILE: 0x00 } as const;

/** Rgetattr's valid mask: the basic fields (mode … blocks). */
export const GETATTR_BASIC = 0x7ff;

/** Tsetattr's valid bits. */
export const SETATTR = {
  MODE: 0x1,
  UID: 0x2,
  GID: 0x4,
  SIZE: 0x8,
  ATIME: 0x10,
  MTIME: 0x20,
  CTIME: 0x40,
  ATIME_SET: 0x80,
  MTIME_SET: 0x100,
} as const;

/** Linux open flags as Tlopen/Tlcreate carry them (the protocol's P9_DOTL_* values). */
export const OPEN = {
  ACCMODE: 0o3,
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  DIRECTORY: 0o200000,
} as const;

export const AT_REMOVEDIR = 0x200;
export const LOCK_SUCCESS = 0;
export const F_UNLCK = 2;

/** d_type values in Rreaddir entries. */
export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

export interface Qid {
  type: number;
  version: number;
  path: bigint;
}
export const QID_SIZE = 13;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

export class Reader {
  private readonly view: DataView;
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private take(n: number): number {
    if (n > this.remaining) throw new P9Error(EINVAL, "message ends inside a field");
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }

  bytesOf(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }

  /** A string: u16 length and UTF-8 bytes; invalid UTF-8 is EINVAL (names are compared as text). */
  str(): string {
    const n = this.u16();
    const b = this.bytesOf(n);
    try {
      return utf8.decode(b);
    } catch {
      throw new P9Error(EINVAL, "string is not UTF-8");
    }
  }
}

/** A growable little-endian buffer for replies. */
export class Writer {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  // room() may replace buf and view: call it before touching either.
  u8(v: number): this {
    const at = this.room(1);
    this.view.setUint8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.view.setUint16(at, v, true);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  u64(v: bigint | number): this {
    const at = this.room(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }
  str(s: string): this {
    const b = encoder.encode(s);
    if (b.length > 0xffff) throw new P9Error(EINVAL, "string longer than 65535 bytes");
    return this.u16(b.length).bytes(b);
  }
  qid(q: Qid): this {
    return this.u8(q.type).u32(q.version).u64(q.path);
  }
  /** Overwrites a u32 written earlier (a count known only after the data). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** A whole message: header and body. */
export function message(type: number, tag: number, body: Uint8Array): Uint8Array {
  const w = new Writer();
  w.u32(HEADER_SIZE + body.length)
    .u8(type)
    .u16(tag)
    .bytes(body);
  return w.result();
}

export function rlerror(tag: number, errno: number): Uint8Array {
  return message(RLERROR, tag, new Writer().u32(errno).result());
}
