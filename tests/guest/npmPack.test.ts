// The npm package as a user gets it: `npm pack` in a fresh copy of the repository (no dist/,
// as in a clone), the tarball installed without the network into an empty folder, and
// `npx paravm` booting the embedded default guest to a shell that answers a command.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { GuestShell } from "./guestShell.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
/** What a clone lacks: the build output, the installed packages, git's own folder. */
const NOT_IN_A_CLONE = new Set(["dist", "node_modules", ".git"]);

/** npm's environment without the variables `npm test` sets for its own scripts. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
}

function npm(args: string[], cwd: string): string {
  const r = spawnSync("npm", args, { cwd, env: npmEnv(), encoding: "utf8", timeout: 600_000 });
  assert.equal(r.error, undefined, `cannot run npm: ${r.error?.message}`);
  assert.equal(r.status, 0, `npm ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test("npm pack from a clone gives a package that installs offline and boots with npx paravm", async () => {
  const top = mkdtempSync(join(tmpdir(), "paravm-pack-"));
  try {
    const clone = join(top, "clone");
    cpSync(REPO, clone, {
      recursive: true,
      filter: (src) => !NOT_IN_A_CLONE.has(relative(REPO, src).split(/[\\/]/)[0]) && !src.endsWith(".tgz"),
    });
    // the clone's `npm ci`, without the network: the same development packages
    symlinkSync(join(REPO, "node_modules"), join(clone, "node_modules"), "dir");
    assert.ok(!existsSync(join(clone, "dist")));

    npm(["pack", "--pack-destination", top], clone);
    const tarballs = readdirSync(top).filter((f) => f.endsWith(".tgz"));
    assert.equal(tarballs.length, 1, `npm pack made ${tarballs.join(", ") || "nothing"}`);

    const app = join(top, "app");
    cpSync(join(top, tarballs[0]), join(app, tarballs[0]));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    npm(["install", "--offline", join(app, tarballs[0])], app);
    assert.ok(existsSync(join(app, "node_modules", "paravm", "LICENSE")), "the package has no LICENSE");

    const vm = new GuestShell(
      spawn("npx", ["--offline", "paravm", "--timeout", "300"], {
        cwd: app,
        env: npmEnv(),
        stdio: ["pipe", "pipe", "pipe"],
      }),
    );
    try {
      await vm.booted(240_000);
      assert.equal(await vm.run('echo "six times seven is $((6*7))"'), "six times seven is 42\n");
      assert.equal(await vm.poweroff(), 0);
    } finally {
      vm.kill();
    }
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});
