// Names and relative paths, the first wall between the guest and the host's namespace.
//
// A fid's path is a string of checked components joined by "/" ("" is the share's root). A
// name from the guest becomes a component only if it is not empty, not "." or "..", has no
// "/" and no NUL, and is at most NAME_MAX bytes. ".." in a walk is resolved here, on the
// string: it drops the last component and never goes above the root (".." at the root is the
// root, as on Linux). So no path the device builds can name anything outside the share; the
// backend checks again, and checks symbolic links, which a string cannot tell.

import { EINVAL, ENAMETOOLONG, ENOENT, P9Error } from "./errno.js";
import { utf8Length } from "./protocol.js";

export const NAME_MAX = 255;

/** Why `name` cannot be a path component, as an errno; 0 when it can. */
export function nameError(name: string): number {
  if (name === "") return ENOENT;
  if (name === "." || name === ".." || name.includes("/") || name.includes("\0")) return EINVAL;
  if (utf8Length(name) > NAME_MAX) return ENAMETOOLONG;
  return 0;
}

/** Throws unless `name` may be created, removed or renamed in a directory. */
export function checkName(name: string): void {
  const e = nameError(name);
  if (e) throw new P9Error(e, `bad name ${JSON.stringify(name)}`);
}

export function childPath(dir: string, name: string): string {
  checkName(name);
  return dir === "" ? name : `${dir}/${name}`;
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** One step of a walk: a child, or ".." (the parent; the root's parent is the root). */
export function walkStep(path: string, name: string): string {
  return name === ".." ? parentPath(path) : childPath(path, name);
}

/** Whether a relative path is made only of valid components (the backend's re-check). */
export function isCleanPath(path: string): boolean {
  return path === "" || path.split("/").every((c) => nameError(c) === 0);
}

/** `path` itself or something under it: `under("a/b", "a")`. */
export function isAtOrUnder(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}
