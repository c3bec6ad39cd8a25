// The host side of open files and of stat results, for HostFsBackend.

import type { BigIntStats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { EINVAL, EOVERFLOW, P9Error } from "./errno.js";
import type { FsAttr, FsFile, FsKind, FsSetAttr, FsTime } from "./fsBackend.js";

const NS_PER_S = 1_000_000_000n;
const INO_BITS = 48n;

/**
 * An lstat result as FsAttr. The file id is the inode number, with the device number mixed
 * into the top bits when the file is on another file system than the root (a mount inside the
 * share), so that two files never share a qid path unless their inodes are above 2^48.
 */
export function toAttr(st: BigIntStats, rootDev: bigint): FsAttr {
  const kind: FsKind = st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";
  const fileId = st.dev === rootDev ? st.ino : st.ino ^ (BigInt.asUintN(16, st.dev) << INO_BITS);
  return {
    kind,
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    nlink: st.nlink,
    rdev: st.rdev,
    size: st.size,
    blksize: st.blksize,
    blocks: st.blocks,
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    btimeNs: st.birthtimeNs,
    fileId: BigInt.asUintN(64, fileId),
  };
}

/** Seconds as Node's utimes wants them (a double: sub-microsecond digits are lost). */
function seconds(t: FsTime): number {
  const ns = t === "now" ? BigInt(Date.now()) * 1_000_000n : t;
  return Number(ns / NS_PER_S) + Number(ns % NS_PER_S) / 1e9;
}

/** The utimes pair for a change that sets one or both times; the other keeps its value. */
export function timesFor(change: FsSetAttr, attr: FsAttr): [number, number] {
  return [
    change.atime === undefined ? Number(attr.atimeNs) / 1e9 : seconds(change.atime),
    change.mtime === undefined ? Number(attr.mtimeNs) / 1e9 : seconds(change.mtime),
  ];
}

export function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new P9Error(EINVAL, "bad size");
}

export class HostFile implements FsFile {
  constructor(
    private readonly handle: FileHandle,
    readonly writable: boolean,
    private readonly rootDev: bigint,
  ) {}

  async read(position: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    // Node takes a bigint position as "no position" (the file's own offset): numbers only.
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return out.subarray(0, done);
  }

  async write(position: number, data: Uint8Array): Promise<number> {
    if (position + data.length > Number.MAX_SAFE_INTEGER) throw new P9Error(EOVERFLOW, "write past 2^53");
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      if (bytesWritten === 0) break;
      done += bytesWritten;
    }
    return done;
  }

  async sync(dataOnly: boolean): Promise<void> {
    await (dataOnly ? this.handle.datasync() : this.handle.sync());
  }

  async stat(): Promise<FsAttr> {
    return toAttr(await this.handle.stat({ bigint: true }), this.rootDev);
  }

  /** The order of setattr: owner first (it may clear set-id bits), then mode, size, times last. */
  async setattr(change: FsSetAttr): Promise<void> {
    const h = this.handle;
    if (change.uid !== undefined || change.gid !== undefined) await h.chown(change.uid ?? -1, change.gid ?? -1);
    if (change.mode !== undefined) await h.chmod(change.mode & 0o7777);
    if (change.size !== undefined) {
      checkSize(change.size);
      await h.truncate(change.size);
    }
    if (change.atime !== undefined || change.mtime !== undefined) {
      const [a, m] = timesFor(change, await this.stat());
      await h.utimes(a, m);
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
