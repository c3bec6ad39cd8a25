// What virtio-9p stores files in. The device speaks 9P and keeps the fid table; a backend
// owns the host side: it resolves paths, opens files and enforces that nothing outside its
// root is reachable. All calls are asynchronous so that host I/O never stops the guest.
//
// Paths are relative to the share's root, components joined by "/", "" being the root itself.
// The device builds them only from names it checked (see names.ts), and the backend checks
// them again: a backend must refuse ".", "..", empty components, NUL bytes and absolute paths,
// and must never follow a symbolic link anywhere in a path. Failures reject with an error
// whose errno `errnoOf` (errno.ts) understands: a P9Error or a Node system error.

export type FsKind = "file" | "dir" | "symlink" | "other";

/** What lstat says about a file; 64-bit fields are bigints, times in nanoseconds. */
export interface FsAttr {
  kind: FsKind;
  /** st_mode with the file type bits (S_IFDIR …), as POSIX defines them. */
  mode: number;
  uid: number;
  gid: number;
  nlink: bigint;
  rdev: bigint;
  size: bigint;
  blksize: bigint;
  blocks: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  btimeNs: bigint;
  /** Unique per file inside the share (inode and device): becomes the qid path. */
  fileId: bigint;
}

export interface FsDirEntry {
  name: string;
  attr: FsAttr;
}

export interface FsStatfs {
  type: number;
  bsize: number;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  files: bigint;
  ffree: bigint;
  fsid: bigint;
  namelen: number;
}

/** A time to set: now, or nanoseconds since the epoch. */
export type FsTime = "now" | bigint;

/** Tsetattr's changes; absent fields stay as they are. */
export interface FsSetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: FsTime;
  mtime?: FsTime;
}

export interface FsOpenMode {
  read: boolean;
  write: boolean;
  truncate: boolean;
}

/** An open regular file. Its host handle is a host resource: it cannot be part of a snapshot. */
export interface FsFile {
  readonly writable: boolean;
  /** Up to `length` bytes at `position`; fewer at the end of the file. */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Returns how many bytes were written. */
  write(position: number, data: Uint8Array): Promise<number>;
  sync(dataOnly: boolean): Promise<void>;
  stat(): Promise<FsAttr>;
  setattr(change: FsSetAttr): Promise<void>;
  close(): Promise<void>;
}

export interface FsBackend {
  /** Every change is refused with EROFS. */
  readonly readOnly: boolean;
  /** Never follows a symbolic link, not even the last component. */
  lstat(path: string): Promise<FsAttr>;
  /** Opens a regular file (anything else is refused; a symbolic link with ELOOP). */
  open(path: string, mode: FsOpenMode): Promise<FsFile>;
  /** Creates and opens a regular file; an existing one is opened unless `exclusive`. */
  create(path: string, mode: FsOpenMode, perm: number, exclusive: boolean): Promise<FsFile>;
  /** The entries of a directory, without "." and "..", each with its lstat. */
  readdir(path: string): Promise<FsDirEntry[]>;
  mkdir(path: string, perm: number): Promise<void>;
  symlink(path: string, target: string): Promise<void>;
  /** A hard link at `path` to the file at `existing` (a symbolic link is linked, not followed). */
  link(existing: string, path: string): Promise<void>;
  /** Creates a special file; backends may support only some types (regular files at least). */
  mknod(path: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** unlink, or rmdir when `dir`. */
  remove(path: string, dir: boolean): Promise<void>;
  readlink(path: string): Promise<string>;
  setattr(path: string, change: FsSetAttr): Promise<void>;
  statfs(path: string): Promise<FsStatfs>;
}
