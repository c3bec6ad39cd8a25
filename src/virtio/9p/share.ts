// `--share HOSTDIR:TAG[,ro]`: the spec of a shared folder, checked, and the backend serving it.
// The command line calls these and turns a thrown Error into its one-line usage error.

import { checkMountTag } from "./device.js";
import type { FsBackend } from "./fsBackend.js";
import { HostFsBackend } from "./hostFsBackend.js";

/** What a VM needs to build the share's device (again after a reboot). */
export interface Share {
  backend: FsBackend;
  tag: string;
}

export interface ShareSpec {
  dir: string;
  tag: string;
  readOnly: boolean;
}

/**
 * Parses HOSTDIR:TAG[,ro]. The tag follows the last ':' (a host path may hold colons); it may
 * not hold ',' (the options' separator), ':' or NUL, and is 1 to 255 bytes long.
 */
export function parseShareSpec(spec: string): ShareSpec {
  const [main, ...options] = spec.split(",");
  const colon = main.lastIndexOf(":");
  if (colon <= 0 || colon === main.length - 1) throw new Error("wants HOSTDIR:TAG[,ro]");
  const dir = main.slice(0, colon);
  const tag = main.slice(colon + 1);
  checkMountTag(tag);
  let readOnly = false;
  for (const o of options) {
    if (o === "ro") readOnly = true;
    else throw new Error(`unknown option '${o}' (ro)`);
  }
  return { dir, tag, readOnly };
}

/** A share's backend and tag; throws when the directory does not exist or is not a directory. */
export function openShare(spec: ShareSpec): Share {
  try {
    return { backend: new HostFsBackend(spec.dir, { readOnly: spec.readOnly }), tag: spec.tag };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${spec.dir} does not exist` : (e as Error).message);
  }
}

/** Throws when two shares have one tag: the guest mounts by tag, so one of them would be unreachable. */
export function checkDistinctTags(specs: readonly ShareSpec[]): void {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.tag)) throw new Error(`two shares with the tag '${s.tag}'`);
    seen.add(s.tag);
  }
}
