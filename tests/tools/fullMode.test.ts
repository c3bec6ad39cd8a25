// Full mode with Debian's OpenSBI (package opensbi): the firmware boots in M-mode on the
// emulated CLINT and UART and serves the same S-mode program's SBI calls inside the guest.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const IMAGE = fileURLToPath(new URL("../../../guests/sbi-hello/Image", import.meta.url));

test("full mode: OpenSBI fw_dynamic boots the S-mode program, which powers off", () => {
  assert.ok(
    existsSync("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"),
    "install Debian's opensbi package",
  );
  const r = spawnSync(
    process.execPath,
    [MAIN, "run", "--mode", "full", "--kernel", IMAGE, "--stats", "--timeout", "60"],
    {
      encoding: "utf8",
    },
  );
  assert.match(r.stdout, /OpenSBI v/);
  assert.match(r.stdout, /Hello from S-mode, through the SBI\.\r?\nok\r?\n/);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /mmio uart\s+\d+/, "the firmware's console is the emulated UART");
  assert.match(r.stderr, /trap to M: ecall from S\s+\d+/, "SBI calls trap into the guest's firmware");
});
