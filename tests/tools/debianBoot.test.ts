// Debian's current stock riscv64 kernel (guests/debian/build.sh puts it in
// ~/.cache/paravm/debian, or PARAVM_DEBIAN_GUEST) boots to its busybox shell through paravm in
// both modes: pv (paravm's SBI) and full (Debian's OpenSBI on the emulated CLINT and UART).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = process.env.PARAVM_DEBIAN_GUEST ?? join(homedir(), ".cache", "paravm", "debian");

for (const mode of ["pv", "full"] as const) {
  test(`${mode} mode: Debian's stock kernel reaches a shell that runs commands`, () => {
    assert.ok(existsSync(join(dir, "artefacts.json")), `no Debian guest in ${dir}: run guests/debian/build.sh first`);
    const manifest = JSON.parse(readFileSync(join(dir, "artefacts.json"), "utf8")) as { kernel: { release?: string } };
    const r = spawnSync(
      process.execPath,
      [
        MAIN,
        "run",
        "--mode",
        mode,
        "--kernel",
        join(dir, "Image.gz"),
        "--initrd",
        join(dir, "initramfs.cpio.gz"),
        "--append",
        "console=ttyS0 cryptomgr.notests",
        "--timeout",
        "900",
      ],
      { input: "\nuname -r\npoweroff -f\n", encoding: "latin1", maxBuffer: 64 << 20 },
    );
    const out = r.stdout.replace(/\r/g, "");
    assert.match(out, /Linux version \S+/, out.slice(-2000));
    if (manifest.kernel.release)
      assert.ok(out.includes(manifest.kernel.release), `uname -r printed ${manifest.kernel.release}`);
    assert.equal(r.status, 0, out.slice(-2000) + r.stderr);
  });
}
