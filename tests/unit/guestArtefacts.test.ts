import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_GUEST_DIR, readArtefact } from "../../src/machine/guestArtefacts.js";
import { ImageError, isLinuxImage, maybeGunzip } from "../../src/machine/linuxImage.js";

test("the default guest's artefacts pass their sha256 and unpack in memory", () => {
  const kernel = maybeGunzip(readArtefact(DEFAULT_GUEST_DIR, "kernel"), "kernel");
  assert.ok(isLinuxImage(kernel));
  assert.ok(readArtefact(DEFAULT_GUEST_DIR, "initrd").length > 0);
});

test("a truncated or corrupt artefact is refused with a clear error", () => {
  const dir = mkdtempSync(join(tmpdir(), "paravm-art-"));
  copyFileSync(join(DEFAULT_GUEST_DIR, "artefacts.json"), join(dir, "artefacts.json"));
  const manifest = JSON.parse(readFileSync(join(dir, "artefacts.json"), "utf8")) as Record<string, { file: string }>;
  const initrd = readFileSync(join(DEFAULT_GUEST_DIR, manifest.initrd.file));
  writeFileSync(join(dir, manifest.initrd.file), initrd.subarray(0, initrd.length - 100));
  assert.throws(
    () => readArtefact(dir, "initrd"),
    (e: unknown) => e instanceof ImageError && /corrupt or truncated/.test(e.message),
  );
  const flipped = Buffer.from(initrd);
  flipped[1000] ^= 1;
  writeFileSync(join(dir, manifest.initrd.file), flipped);
  assert.throws(() => readArtefact(dir, "initrd"), /sha256/);
  assert.throws(() => readArtefact(dir, "kernel"), /missing/);
  assert.throws(() => maybeGunzip(Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2]), "x"), /corrupt gzip/);
});
