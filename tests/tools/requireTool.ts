import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/** Fails the test, naming the Debian package to install, unless `cmd --version` runs. */
export function requireTool(cmd: string, debianPackage: string): void {
  const r = spawnSync(cmd, ["--version"], { stdio: "ignore" });
  if (r.error || r.status !== 0)
    assert.fail(`${cmd} not found: on Debian/Ubuntu install it with  apt-get install ${debianPackage}`);
}
