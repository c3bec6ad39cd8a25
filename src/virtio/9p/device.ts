// virtio-9p (ID 9): a 9P2000.L server on one request queue, in front of an FsBackend.
//
// Each chain is one exchange: the readable bytes hold a T-message, the writable bytes receive
// the R-message (Rlerror for every failure), and the used length is the answer's size. Requests
// run asynchronously on the backend and complete out of order; a completion that arrives after
// a reset finds its chain stale and is dropped without touching guest RAM, and its session
// (fid table) is ended, so it cannot leave a fid or an open file behind either.
//
// The guest is hostile: the header's size must lie within the readable bytes and msize, every
// field is read through a bounds-checked Reader, an answer that would not fit the writable bytes
// (or msize) becomes Rlerror EMSGSIZE, and Tread/Treaddir counts shrink to fit. Nothing is
// thrown out of notify(). A chain with no room even for an Rlerror cannot be answered: the
// device goes DEVICE_NEEDS_RESET, as virtio-blk does for a request without a status byte
// (Linux always gives room for an Rlerror).
//
// Where this server answers differently from QEMU's virtio-9p, on purpose:
// - an unknown fid is EBADF (QEMU: ENOENT, which reads as "the file is gone");
// - at most MAX_FIDS fids per session, then EMFILE (QEMU has no limit);
// - msize below 4096 is Rlerror EINVAL; msize is capped at MAX_MSIZE;
// - qid.version is always 0 (QEMU derives it from mtime and size);
// - Tflush is answered at once, the flushed request still completes into its own chain;
// - no xattrs (EOPNOTSUPP), Tmknod makes regular files only, special files are never opened,
//   and created files are not chowned to the guest's uid/gid (QEMU's passthrough model would);
// - Treaddir offsets are entry indices of a listing taken at offset 0, with "." and "..".

import { gather, scatter } from "../chainBuffers.js";
import { InFlight } from "../inFlight.js";
import { featureBit, type VirtioDevice, type VirtioHost } from "../virtioDevice.js";
import type { Chain, Virtqueue } from "../virtqueue.js";
import * as attrOps from "./attrOps.js";
import { EINVAL, EMSGSIZE, EOPNOTSUPP, errnoOf, P9Error } from "./errno.js";
import { FidTable } from "./fidTable.js";
import * as fileOps from "./fileOps.js";
import type { FsBackend } from "./fsBackend.js";
import * as nsOps from "./namespaceOps.js";
import * as P from "./protocol.js";
import type { Handler, Request } from "./request.js";
import * as sessionOps from "./sessionOps.js";

export const VIRTIO_9P_MOUNT_TAG = 0;
const QUEUE_SIZE = 128;
/**
 * The largest msize granted. Linux's virtio transport caps its own at about 500 KiB (125 pages
 * of scatter-gather list), and every request's copy is bounded by msize, so a guest cannot make
 * the device allocate more than this per request.
 */
export const MAX_MSIZE = 512 * 1024;
/** Linux refuses msize below 4096; so does this server (Rlerror EINVAL). */
export const MIN_MSIZE = 4096;
/** The msize before any Tversion: the classic 9P default. */
const DEFAULT_MSIZE = 8192;
/** Mount tags: at most this many UTF-8 bytes (a Linux mount source, read from a u16-length config field). */
export const MAX_TAG_BYTES = 255;

const HANDLERS: Partial<Record<number, Handler>> = {
  [P.T.attach]: sessionOps.attach,
  [P.T.walk]: sessionOps.walk,
  [P.T.clunk]: sessionOps.clunk,
  [P.T.flush]: sessionOps.flush,
  [P.T.lopen]: fileOps.lopen,
  [P.T.lcreate]: fileOps.lcreate,
  [P.T.read]: fileOps.read,
  [P.T.write]: fileOps.write,
  [P.T.readdir]: fileOps.readdir,
  [P.T.fsync]: fileOps.fsync,
  [P.T.lock]: fileOps.lock,
  [P.T.getlock]: fileOps.getlock,
  [P.T.getattr]: attrOps.getattr,
  [P.T.setattr]: attrOps.setattr,
  [P.T.statfs]: attrOps.statfs,
  [P.T.readlink]: attrOps.readlink,
  [P.T.mkdir]: nsOps.mkdir,
  [P.T.symlink]: nsOps.symlink,
  [P.T.mknod]: nsOps.mknod,
  [P.T.link]: nsOps.link,
  [P.T.rename]: nsOps.renameFid,
  [P.T.renameat]: nsOps.renameat,
  [P.T.unlinkat]: nsOps.unlinkat,
  [P.T.remove]: nsOps.remove,
  // Txattrwalk, Txattrcreate, Tauth and the 9P2000/.u messages: EOPNOTSUPP, as anything unknown.
};

export interface P9Options {
  /** Fids per session (MAX_FIDS by default); past it, new fids are refused with EMFILE. */
  maxFids?: number;
}

export interface P9State {
  /** The negotiated msize. */
  msize: number;
}

/** Throws unless `tag` can be a mount tag: non-empty, at most MAX_TAG_BYTES bytes, no NUL. */
export function checkMountTag(tag: string): void {
  const n = Buffer.byteLength(tag);
  if (n === 0 || n > MAX_TAG_BYTES || tag.includes("\0")) {
    throw new Error(`mount tag must be 1 to ${MAX_TAG_BYTES} bytes without NUL: ${JSON.stringify(tag)}`);
  }
}

export class VirtioP9 implements VirtioDevice {
  readonly name = "virtio-9p";
  readonly deviceId = 9;
  readonly features = featureBit(VIRTIO_9P_MOUNT_TAG);
  readonly queueSizes = [QUEUE_SIZE];
  /**
   * Only msize is plain state. The fid table holds open host files, which are host resources
   * and cannot be snapshotted: a snapshot is taken once `idle()` resolves, and after a restore
   * the guest's mount finds its fids unknown (EBADF) until it mounts again.
   */
  readonly state: P9State = { msize: DEFAULT_MSIZE };
  private host: VirtioHost | null = null;
  private fids: FidTable;
  private readonly configBytes: Uint8Array;
  private readonly inFlight = new InFlight();

  constructor(
    readonly backend: FsBackend,
    readonly tag: string,
    private readonly options: P9Options = {},
  ) {
    checkMountTag(tag);
    this.fids = new FidTable(options.maxFids);
    const t = new TextEncoder().encode(tag);
    this.configBytes = new Uint8Array(2 + t.length);
    new DataView(this.configBytes.buffer).setUint16(0, t.length, true);
    this.configBytes.set(t, 2);
  }

  attach(host: VirtioHost): void {
    this.host = host;
  }

  /** struct virtio_9p_config: tag_len[2] and the tag's bytes (no NUL). */
  config(): Uint8Array {
    return this.configBytes;
  }

  reset(): void {
    void this.endSession();
    this.state.msize = DEFAULT_MSIZE;
  }

  /** Resolves when no request is in flight (before a snapshot, or in tests). */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  /** Open fids of the current session (for tests and stats). */
  get fidCount(): number {
    return this.fids.size;
  }

  /** At the VM's end: waits for requests in flight, then closes every open host file. */
  async close(): Promise<void> {
    await this.idle();
    await this.endSession();
  }

  private endSession(): Promise<void> {
    const old = this.fids;
    this.fids = new FidTable(this.options.maxFids);
    return old.end();
  }

  notify(queue: number): void {
    const host = this.host;
    if (!host || queue !== 0) return;
    const q = host.queue(0);
    let used = false;
    for (let chain = q.pop(); chain; chain = q.pop()) {
      if (chain.writableLength < P.RLERROR_SIZE) {
        host.needsReset("virtio-9p: a request without room for an answer");
        break;
      }
      const answer = this.serve(chain);
      if (answer instanceof Promise) this.track(q, chain, answer);
      else used = this.complete(q, chain, answer) || used;
    }
    if (used) host.usedBuffers(0);
  }

  private track(q: Virtqueue, chain: Chain, pending: Promise<Uint8Array>): void {
    // serve() answers every failure with Rlerror itself; a rejection would be a bug, left unanswered.
    this.inFlight.track<Uint8Array | null>(
      pending,
      () => null,
      (answer) => {
        if (answer && this.complete(q, chain, answer)) this.host?.usedBuffers(0);
      },
    );
  }

  private complete(q: Virtqueue, chain: Chain, answer: Uint8Array): boolean {
    if (!q.isLive(chain)) return false;
    return q.push(chain, scatter(chain.writable, 0, answer));
  }

  /** The answer to one chain's message, now or later; never throws, never rejects. */
  private serve(chain: Chain): Uint8Array | Promise<Uint8Array> {
    const head = gather(chain.readable, 0, P.HEADER_SIZE);
    if (head.length < P.HEADER_SIZE) return P.rlerror(P.NOTAG, EINVAL);
    const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const size = hv.getUint32(0, true);
    const type = hv.getUint8(4);
    const tag = hv.getUint16(5, true);
    const msize = type === P.T.version ? MAX_MSIZE : this.state.msize;
    if (size < P.HEADER_SIZE || size > chain.readableLength) return P.rlerror(tag, EINVAL);
    if (size > msize) return P.rlerror(tag, EMSGSIZE);
    const r = new P.Reader(gather(chain.readable, 0, size), P.HEADER_SIZE);
    const room = Math.min(chain.writableLength, msize) - P.HEADER_SIZE;
    const w = new P.Writer();
    const answer = () => (w.length > room ? P.rlerror(tag, EMSGSIZE) : P.message(type + 1, tag, w.result()));
    const failed = (e: unknown) => P.rlerror(tag, errnoOf(e));
    try {
      if (type === P.T.version) {
        this.version(r, w);
        return answer();
      }
      const handler = HANDLERS[type];
      if (!handler) return P.rlerror(tag, EOPNOTSUPP);
      const req: Request = { fids: this.fids, backend: this.backend, room };
      const done = handler(req, r, w);
      return done instanceof Promise ? done.then(answer, failed) : answer();
    } catch (e) {
      return failed(e);
    }
  }

  /**
   * Tversion msize[4] version[s] → Rversion msize[4] version[s]. Grants min(msize, MAX_MSIZE),
   * answers "9P2000.L" to any 9P2000.L* version and "unknown" otherwise, and starts a new
   * session: every fid of the old one is clunked.
   */
  private version(r: P.Reader, w: P.Writer): void {
    const requested = r.u32();
    const version = r.str();
    if (requested < MIN_MSIZE) throw new P9Error(EINVAL, `msize ${requested} below ${MIN_MSIZE}`);
    void this.endSession();
    this.state.msize = Math.min(requested, MAX_MSIZE);
    w.u32(this.state.msize).str(version.startsWith(P.VERSION_9P2000_L) ? P.VERSION_9P2000_L : "unknown");
  }
}
