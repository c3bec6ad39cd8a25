// The 9p backend on a host directory, through node:fs/promises.
//
// Nothing outside the directory is reachable, by three walls:
// 1. paths arrive as checked components (names.ts) and are joined under the root's realpath;
//    the result is checked again to lie under the root;
// 2. no symbolic link is ever followed: lstat, readlink, lutimes and lchown act on the link
//    itself, files are opened with O_NOFOLLOW, and before any use of a path the realpath of
//    its parent directory (of the path itself, for directories listed) must equal the path as
//    built, so no component above the last is a link either (ELOOP otherwise);
// 3. requests that change names take the namespace lock exclusively and path users take it
//    shared, so the guest cannot swap a checked directory for a link between check and use.
// What remains is a race with the *host*: another host process that replaces a directory of
// the share by a symbolic link between our realpath check and the use of the path. Node has no
// openat()/O_PATH, so only the last component is protected in the kernel (O_NOFOLLOW); the
// realpath re-check narrows the window to a few system calls. Do not share a directory that
// untrusted host users can write to.
//
// Files are created owned by the user paravm runs as; Tlcreate/Tmkdir's gid is not applied
// (QEMU's "passthrough" would chown; its "mapped" mode keeps owners in xattrs instead).
// Special files (devices, FIFOs, sockets) are never opened: Linux guests handle those inodes
// themselves, and opening a host device or a FIFO from the guest is neither needed nor safe.

import { constants, realpathSync, statSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { EBUSY, EEXIST, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, EOPNOTSUPP, EPERM, EROFS } from "./errno.js";
import { errnoOf, P9Error } from "./errno.js";
import type { FsAttr, FsBackend, FsDirEntry, FsFile, FsOpenMode, FsSetAttr, FsStatfs } from "./fsBackend.js";
import { checkSize, HostFile, timesFor, toAttr } from "./hostFile.js";
import { NamespaceLock } from "./namespaceLock.js";
import { isCleanPath } from "./names.js";

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_NONBLOCK } = constants;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const PATH_MAX = 4096;
/** lstat calls in flight at once while listing a directory. */
const LIST_BATCH = 64;

export interface HostFsOptions {
  readOnly?: boolean;
}

export class HostFsBackend implements FsBackend {
  /** The shared directory's realpath: every path is built on it. */
  readonly root: string;
  readonly readOnly: boolean;
  private readonly rootDev: bigint;
  private readonly lock = new NamespaceLock();

  /** Throws (a Node error) when `dir` does not exist or is not a directory. */
  constructor(dir: string, options: HostFsOptions = {}) {
    this.root = realpathSync(dir);
    const st = statSync(this.root, { bigint: true });
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    this.rootDev = st.dev;
    this.readOnly = options.readOnly ?? false;
  }

  private abs(rel: string): string {
    if (!isCleanPath(rel)) throw new P9Error(EINVAL, `unclean path ${JSON.stringify(rel)}`);
    const p = rel === "" ? this.root : join(this.root, rel);
    const prefix = this.root.endsWith(sep) ? this.root : this.root + sep;
    if (p !== this.root && !p.startsWith(prefix)) throw new P9Error(EINVAL, "path outside the share");
    return p;
  }

  /** Throws ELOOP unless the directory `dir` is reached without any symbolic link. */
  private async noLinks(dir: string): Promise<void> {
    if ((await fsp.realpath(dir)) !== dir) throw new P9Error(ELOOP, `a symbolic link on the way to ${dir}`);
  }

  /** The host path of `rel`, after checking that no component but the last is a link. */
  private async checked(rel: string): Promise<string> {
    const p = this.abs(rel);
    await this.noLinks(p === this.root ? p : dirname(p));
    return p;
  }

  /** For changes: refused on a read-only share, and never on the root itself. */
  private async changeable(rel: string): Promise<string> {
    if (this.readOnly) throw new P9Error(EROFS, "read-only share");
    if (rel === "") throw new P9Error(EBUSY, "the share's root cannot be removed or replaced");
    return this.checked(rel);
  }

  private attr(p: string): Promise<FsAttr> {
    return fsp.lstat(p, { bigint: true }).then((st) => toAttr(st, this.rootDev));
  }

  lstat(rel: string): Promise<FsAttr> {
    return this.lock.shared(async () => this.attr(await this.checked(rel)));
  }

  open(rel: string, mode: FsOpenMode): Promise<FsFile> {
    if (this.readOnly && (mode.write || mode.truncate)) return Promise.reject(new P9Error(EROFS, "read-only share"));
    return this.lock.shared(async () => this.openAt(await this.checked(rel), mode, 0));
  }

  create(rel: string, mode: FsOpenMode, perm: number, exclusive: boolean): Promise<FsFile> {
    return this.lock.exclusive(async () => {
      const p = await this.changeable(rel);
      try {
        const file = await this.openAt(p, mode, O_CREAT | O_EXCL, perm & 0o7777);
        await file.setattr({ mode: perm }); // the guest applied its umask; the host's must not apply again
        return file;
      } catch (e) {
        if (exclusive || errnoOf(e) !== EEXIST) throw e;
        return this.openAt(p, mode, 0);
      }
    });
  }

  /** Opens a regular file without following a link or blocking (FIFOs); anything else is refused. */
  private async openAt(p: string, mode: FsOpenMode, extra: number, perm = 0o600): Promise<HostFile> {
    const access = mode.write ? (mode.read ? O_RDWR : O_WRONLY) : O_RDONLY;
    const flags = access | (mode.truncate ? O_TRUNC : 0) | O_NOFOLLOW | O_NONBLOCK | extra;
    const handle = await fsp.open(p, flags, perm);
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile()) throw new P9Error(st.isDirectory() ? EISDIR : EPERM, "not a regular file");
      return new HostFile(handle, mode.write, this.rootDev);
    } catch (e) {
      await handle.close().catch(() => {});
      throw e;
    }
  }

  readdir(rel: string): Promise<FsDirEntry[]> {
    return this.lock.shared(async () => {
      const p = this.abs(rel);
      await this.noLinks(p);
      // Names that are not UTF-8 come back with U+FFFD and cannot be walked to: 9P names are UTF-8 here.
      const names = await fsp.readdir(p);
      const out: FsDirEntry[] = [];
      for (let i = 0; i < names.length; i += LIST_BATCH) {
        const batch = names.slice(i, i + LIST_BATCH);
        const attrs = await Promise.all(batch.map((n) => this.attr(join(p, n)).catch(() => null)));
        batch.forEach((name, k) => {
          const attr = attrs[k];
          if (attr) out.push({ name, attr }); // gone since the listing: left out
        });
      }
      return out;
    });
  }

  mkdir(rel: string, perm: number): Promise<void> {
    return this.lock.exclusive(async () => {
      const p = await this.changeable(rel);
      await fsp.mkdir(p, perm & 0o7777);
      await this.chmodChecked(p, perm);
    });
  }

  symlink(rel: string, target: string): Promise<void> {
    return this.lock.exclusive(async () => {
      const p = await this.changeable(rel);
      if (target === "" || target.includes("\0")) throw new P9Error(target ? EINVAL : ENOENT, "bad link target");
      if (Buffer.byteLength(target) >= PATH_MAX) throw new P9Error(ENAMETOOLONG, "link target too long");
      // The target is only text: it is stored, never resolved by this server.
      await fsp.symlink(target, p);
    });
  }

  link(existing: string, rel: string): Promise<void> {
    return this.lock.exclusive(async () => {
      const from = await this.changeable(existing);
      // link(2) without AT_SYMLINK_FOLLOW: a symbolic link gets a second name, its target is not touched.
      await fsp.link(from, await this.changeable(rel));
    });
  }

  mknod(rel: string, mode: number): Promise<void> {
    return this.lock.exclusive(async () => {
      const p = await this.changeable(rel);
      const type = mode & S_IFMT;
      if (type !== 0 && type !== S_IFREG) throw new P9Error(EPERM, "only regular files can be made with mknod");
      const h = await fsp.open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode & 0o7777);
      try {
        await h.chmod(mode & 0o7777);
      } finally {
        await h.close();
      }
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.lock.exclusive(async () => {
      await fsp.rename(await this.changeable(from), await this.changeable(to));
    });
  }

  remove(rel: string, dir: boolean): Promise<void> {
    return this.lock.exclusive(async () => {
      const p = await this.changeable(rel);
      await (dir ? fsp.rmdir(p) : fsp.unlink(p));
    });
  }

  readlink(rel: string): Promise<string> {
    return this.lock.shared(async () => fsp.readlink(await this.checked(rel)));
  }

  setattr(rel: string, change: FsSetAttr): Promise<void> {
    if (this.readOnly) return Promise.reject(new P9Error(EROFS, "read-only share"));
    return this.lock.shared(async () => {
      const p = await this.checked(rel);
      const attr = await this.attr(p);
      const link = attr.kind === "symlink";
      // A link's own mode and size mean nothing on Linux (fchmodat(AT_SYMLINK_NOFOLLOW) gives EOPNOTSUPP).
      if (link && (change.mode !== undefined || change.size !== undefined)) {
        throw new P9Error(EOPNOTSUPP, "mode or size of a symbolic link");
      }
      if (change.uid !== undefined || change.gid !== undefined) await fsp.lchown(p, change.uid ?? -1, change.gid ?? -1);
      if (change.mode !== undefined) await this.chmodChecked(p, change.mode);
      if (change.size !== undefined) {
        checkSize(change.size);
        if (attr.kind !== "file") throw new P9Error(attr.kind === "dir" ? EISDIR : EINVAL, "truncate a non-file");
        const h = await this.openAt(p, { read: false, write: true, truncate: false }, 0);
        await h.setattr({ size: change.size }).finally(() => h.close());
      }
      if (change.atime !== undefined || change.mtime !== undefined) {
        const [a, m] = timesFor(change, attr);
        await fsp.lutimes(p, a, m);
      }
    });
  }

  /** chmod follows links, so it is used only after lstat said this is no link (within our lock). */
  private async chmodChecked(p: string, perm: number): Promise<void> {
    if ((await this.attr(p)).kind === "symlink") throw new P9Error(ELOOP, "chmod of a symbolic link");
    await fsp.chmod(p, perm & 0o7777);
  }

  /** The share's file system (a mount inside the share is not told apart). */
  async statfs(): Promise<FsStatfs> {
    const s = await fsp.statfs(this.root, { bigint: true });
    return {
      type: Number(BigInt.asUintN(32, s.type)),
      bsize: Number(s.bsize),
      blocks: s.blocks,
      bfree: s.bfree,
      bavail: s.bavail,
      files: s.files,
      ffree: s.ffree,
      fsid: this.rootDev,
      namelen: 255,
    };
  }
}
