// The README's commands are tests: every `console` block of README.md runs as written (see
// readmeTranscripts.ts for the form), from the repository's root folder. Three things are
// put in on the way, so that the README reads as a user types it and runs of this test on a
// shared machine do not meet:
//   - `paravm` at the start of a host command is `node dist/src/cli/main.js`;
//   - `/tmp/` in host commands is a fresh temporary folder;
//   - each host port (after `tcp::`, `127.0.0.1:`, `10.0.2.2:` or in `listen(`) is a free port.
// A host command followed by guest commands starts a VM and waits for its shell; one ending in
// `&` runs in the background until the block ends; any other runs to its end. A guest command
// is typed as written, between two `echo`s of markers that delimit its output. VMs still
// running at the end of a block are powered off and must exit with status 0.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, GuestShell, PARAVM_MAIN } from "./guestShell.js";
import { missingLine, readTranscripts, type Step, type Transcript } from "./readmeTranscripts.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const README = join(REPO, "README.md");
const BOOT_MS = 240_000;
const COMMAND_MS = 120_000;

const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

function assertPrints(output: string, step: Step): void {
  const missing = missingLine(plain(output), step.expect);
  assert.equal(missing, undefined, `\`${step.command}\` did not print "${missing}"; it printed:\n${output}`);
}

/** The block's commands with this run's paravm, temporary folder and ports put in. */
async function localize(t: Transcript, tmp: string): Promise<Step[]> {
  const text = t.steps.map((s) => [s.command, ...s.expect].join("\n")).join("\n");
  const ports = new Map<string, string>();
  for (const m of text.matchAll(/(?:tcp::|127\.0\.0\.1:|10\.0\.2\.2:|listen\()(\d{4,5})\b/g))
    if (!ports.has(m[1])) ports.set(m[1], String(await freePort()));
  const withPorts = (s: string) => s.replace(/\b\d{4,5}\b/g, (n) => ports.get(n) ?? n);
  return t.steps.map((s) => ({
    where: s.where,
    command:
      s.where === "host"
        ? // The temporary folder first: a checkout under /tmp must keep its own path.
          withPorts(s.command)
            .replaceAll("/tmp/", `${tmp}/`)
            .replace(/^paravm /, `node ${PARAVM_MAIN} `)
        : withPorts(s.command),
    expect: s.expect.map(withPorts),
  }));
}

/** Runs a host command to its end; resolves with what it printed. */
function hostCommand(command: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_MS);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

async function runTranscript(t: Transcript): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "paravm-readme-"));
  const steps = await localize(t, tmp);
  const vms: GuestShell[] = [];
  const background: ChildProcess[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      const vm = vms[vms.length - 1];
      if (step.where === "guest") {
        assert.ok(vm, `README line ${t.line}: guest command \`${step.command}\` before any VM`);
        if (step.command.trim() === "poweroff") {
          vm.type(`${step.command}\n`);
          assert.equal(await vm.end(COMMAND_MS), 0, `poweroff: paravm's exit status; output:\n${vm.out}`);
        } else assertPrints(await vm.run(step.command, COMMAND_MS), step);
      } else if (steps[i + 1]?.where === "guest") {
        const started = new GuestShell(
          spawn("sh", ["-c", `exec ${step.command}`], { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] }),
        );
        vms.push(started);
        await started.booted(BOOT_MS);
        assertPrints(started.out, step);
      } else if (step.command.trimEnd().endsWith("&")) {
        assert.deepEqual(step.expect, [], `README line ${t.line}: a background command's output is not checked`);
        background.push(spawn("sh", ["-c", step.command], { cwd: REPO, stdio: "ignore", detached: true }));
      } else {
        const r = await hostCommand(step.command);
        assert.equal(r.status, 0, `\`${step.command}\` failed:\n${r.output}`);
        assertPrints(r.output, step);
      }
    }
    for (const vm of vms)
      if (vm.child.exitCode === null) assert.equal(await vm.poweroff(), 0, `output:\n${vm.out.slice(-3000)}`);
  } finally {
    for (const vm of vms) vm.kill();
    for (const b of background) {
      try {
        process.kill(-b.pid!, "SIGKILL");
      } catch {
        // the group has ended already
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

const transcripts = readTranscripts(README);

test("the README shows the main flows as console transcripts", () => {
  const all = transcripts.flatMap((t) => t.steps.map((s) => s.command)).join("\n");
  for (const flow of [
    /^node dist\/src\/cli\/main\.js run$/m, // the boot command of "Try it"
    /--net user,hostfwd=tcp::\d+-:80/, // the user network with a forwarded port
    /wget .*http:\/\/10\.0\.2\.2:\d+\//, // the guest fetching from a host server
    /--share \S+:host/, // a 9p share
    /mount -t 9p/,
    /--net socket,path=.*mac=.*01[^]*--net socket,path=.*mac=.*02/, // the socket pair
    /^paravm run --kernel guests\/sbi-hello\/Image --stats$/m,
  ])
    assert.match(all, flow);
});

for (const t of transcripts) {
  const first = t.steps[0]?.command ?? "(empty)";
  test(`README line ${t.line}: ${first}`, () => runTranscript(t));
}
