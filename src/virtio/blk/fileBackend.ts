// A raw disk image in a host file, through fs.promises so that host I/O never blocks the
// guest. Opens hold a lock (see fileLock.ts): one VM writes an image, or any number read it.
// The disk's size is the file's size when opened.

import { open, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import type { BlockBackend } from "./backend.js";
import { acquireLock, acquireReadLock, releaseLock } from "./fileLock.js";

export interface FileBackendOptions {
  readOnly?: boolean;
  /** GET_ID serial; the file's name (first 20 bytes) by default. */
  id?: string;
}

const ZERO_CHUNK = 1 << 20;

export class FileBackend implements BlockBackend {
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    readonly size: number,
    readonly readOnly: boolean,
    readonly id: string,
    private readonly lockPath: string | null,
  ) {}

  static async open(path: string, options: FileBackendOptions = {}): Promise<FileBackend> {
    const readOnly = options.readOnly ?? false;
    const lockPath = readOnly ? await acquireReadLock(path) : await acquireLock(path);
    let file: FileHandle | null = null;
    try {
      file = await open(path, readOnly ? "r" : "r+");
      const st = await file.stat();
      if (!st.isFile()) throw new Error(`${path} is not a regular file`);
      return new FileBackend(file, st.size, readOnly, options.id ?? basename(path), lockPath);
    } catch (e) {
      await file?.close().catch(() => {});
      if (lockPath) await releaseLock(lockPath);
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file.read(out, done, length - done, offset + done);
      if (bytesRead === 0) break; // the file shrank under us: the rest reads as zeroes
      done += bytesRead;
    }
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new Error("read-only disk");
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  async flush(): Promise<void> {
    if (!this.readOnly) await this.file.sync();
  }

  /** Advisory, and Node cannot punch holes: the bytes simply stay. */
  async discard(): Promise<void> {}

  async writeZeroes(offset: number, length: number): Promise<void> {
    const zeroes = new Uint8Array(Math.min(length, ZERO_CHUNK));
    for (let at = 0; at < length; at += zeroes.length) {
      await this.write(offset + at, zeroes.subarray(0, Math.min(zeroes.length, length - at)));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
    if (this.lockPath) await releaseLock(this.lockPath);
  }
}
