// The embedded default guest: its files and their sha256, checked before they are used so
// that a corrupt or truncated artefact says so instead of crashing the guest.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ImageError } from "./linuxImage.js";

export const DEFAULT_GUEST_DIR = fileURLToPath(new URL("../../../guests/default/", import.meta.url));

interface Manifest {
  [name: string]: { file: string; sha256: string };
}

/** Reads an artefact named in the directory's artefacts.json and checks its sha256. */
export function readArtefact(dir: string, name: string): Uint8Array {
  const manifestPath = join(dir, "artefacts.json");
  if (!existsSync(manifestPath)) throw new ImageError(`no guest artefacts in ${dir} (artefacts.json missing)`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  const entry = manifest[name];
  if (!entry) throw new ImageError(`${manifestPath} names no '${name}'`);
  const path = join(dir, entry.file);
  if (!existsSync(path)) throw new ImageError(`${path} is missing`);
  const bytes = readFileSync(path);
  const sum = createHash("sha256").update(bytes).digest("hex");
  if (sum !== entry.sha256) {
    throw new ImageError(`${path} is corrupt or truncated: sha256 ${sum}, expected ${entry.sha256}`);
  }
  return bytes;
}
