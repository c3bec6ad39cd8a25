// Linux errno numbers, the ones 9P2000.L carries in Rlerror. They are the guest's numbers
// (asm-generic, which RISC-V Linux uses), not the host's: a host error is mapped by its
// symbolic code (ENOENT …), so a macOS host answers the same numbers as a Linux one.

export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const ENXIO = 6;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ETXTBSY = 26;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EMLINK = 31;
export const ERANGE = 34;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENODATA = 61;
export const EPROTO = 71;
export const EOVERFLOW = 75;
export const EMSGSIZE = 90;
export const EOPNOTSUPP = 95;
export const ESTALE = 116;
export const EDQUOT = 122;

const BY_CODE: Record<string, number> = {
  EPERM,
  ENOENT,
  EIO,
  ENXIO,
  EBADF,
  EAGAIN,
  EWOULDBLOCK: EAGAIN,
  ENOMEM,
  EACCES,
  EBUSY,
  EEXIST,
  EXDEV,
  ENODEV,
  ENOTDIR,
  EISDIR,
  EINVAL,
  ENFILE,
  EMFILE,
  ETXTBSY,
  EFBIG,
  ENOSPC,
  ESPIPE,
  EROFS,
  EMLINK,
  ERANGE,
  ENAMETOOLONG,
  ENOSYS,
  ENOTEMPTY,
  ELOOP,
  ENODATA,
  EPROTO,
  EOVERFLOW,
  EMSGSIZE,
  EOPNOTSUPP,
  ENOTSUP: EOPNOTSUPP,
  ESTALE,
  EDQUOT,
};

/** An error that becomes an Rlerror with this (Linux) errno. */
export class P9Error extends Error {
  constructor(
    readonly errno: number,
    message = `errno ${errno}`,
  ) {
    super(message);
  }
}

/**
 * The errno an Rlerror answers for anything thrown while serving a request: a P9Error's own,
 * a host system error's by its code, EIO for everything else (a bug must not look like success).
 */
export function errnoOf(e: unknown): number {
  if (e instanceof P9Error) return e.errno;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && Object.hasOwn(BY_CODE, code)) return BY_CODE[code];
  return EIO;
}
