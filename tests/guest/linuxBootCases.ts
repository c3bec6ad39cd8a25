// Boot tests of the embedded default guest (Linux 6.1 + busybox) through paravm run: its
// self-test must pass for every device paravm attaches, and a plain boot must reach a shell
// that runs a command. npm test runs pv mode (tests/guest/linuxBootPv.test.ts); full mode
// needs Debian's OpenSBI and runs in npm run test:tools (tests/tools/linuxBootFull.test.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "paravm-boot-"));

function paravm(args: string[], input = "") {
  const r = spawnSync(process.execPath, [MAIN, "run", "--stats", "--timeout", "240", ...args], {
    input,
    encoding: "latin1",
    maxBuffer: 64 << 20,
  });
  return { status: r.status, out: r.stdout.replace(/\r/g, ""), err: r.stderr };
}

/** The same as paravm(), without blocking this process (which serves the guest meanwhile). */
function paravmAsync(args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, "run", "--stats", "--timeout", "240", ...args]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdin.end();
    child.on("close", (status) => resolve({ status, out: out.replace(/\r/g, ""), err }));
  });
}

/** A host HTTP server on 127.0.0.1 that answers /selftest, for the guest's net self-test. */
async function selftestServer(): Promise<{ port: number; hits: () => number; close: () => void }> {
  let hits = 0;
  const server = createServer((req, res) => {
    if (req.url === "/selftest") hits++;
    res.end(req.url === "/selftest" ? "hello-from-the-host\n" : "not found\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, hits: () => hits, close: () => server.close() };
}

export function defineBootTests(mode: "pv" | "full"): void {
  // hvc0 (virtio) starts late in boot: the SBI early console shows what comes before it.
  const consoleArg = mode === "pv" ? "console=hvc0 earlycon=sbi" : "console=ttyS0";
  test(`${mode} mode: the default guest's self-test passes with a disk, a share, a network card, vsock, console and rng`, async () => {
    const disk = join(dir, `${mode}.img`);
    const pattern = Buffer.alloc(4 << 20);
    for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 7 + 3) & 0xff;
    writeFileSync(disk, pattern);
    const share = join(dir, `${mode}-share`);
    mkdirSync(share);
    writeFileSync(join(share, "from-host.txt"), "hello from the host\n");
    const http = await selftestServer();
    const r = await paravmAsync([
      "--mode",
      mode,
      "--append",
      `${consoleArg} paravm.selftest=1 paravm.net_port=${http.port}`,
      "--disk",
      disk,
      "--share",
      `${share}:hostshare`,
      "--net",
      "user",
      "--vsock",
      `3,uds=${join(dir, `${mode}-vsock.sock`)}`,
    ]);
    assert.equal(r.status, 0, r.out.slice(-3000) + r.err);
    assert.match(r.out, /SELFTEST blk ok vda/);
    assert.match(r.out, /SELFTEST rng ok/);
    assert.match(r.out, /SELFTEST 9p ok tag=hostshare entries=1 write\+read\+unlink/);
    http.close();
    assert.match(
      r.out,
      /SELFTEST net ok eth0 mac=52:54:00:12:34:56 link=up dhcp=10\.0\.2\.15 http=hello-from-the-host\n/,
    );
    assert.equal(http.hits(), 1, "the guest's TCP round trip reached the host server");
    assert.match(r.out, /SELFTEST console ok vport\d+p0/);
    assert.match(r.out, /SELFTEST vsock ok cid=3 /);
    assert.match(r.out, /SELFTEST done pass=\d+ fail=0/);
    assert.ok(readFileSync(disk).length === pattern.length, "the disk keeps its size");
    assert.deepEqual(readdirSync(share), ["from-host.txt"], "the guest's own 9p file came and went");
  });

  test(`${mode} mode: a file goes into the guest over 9p and back out unchanged; nothing outside the share is reachable`, () => {
    const top = join(dir, `${mode}-9p`);
    const share = join(top, "share");
    mkdirSync(share, { recursive: true });
    const secret = `host-secret-${mode}-${process.pid}`;
    writeFileSync(join(top, "secret.txt"), secret + "\n");
    symlinkSync("../secret.txt", join(share, "escape")); // leads out of the share on the host
    const data = randomBytes(3 << 20);
    writeFileSync(join(share, "in.bin"), data);
    const script = [
      "",
      "mount -t 9p -o trans=virtio,version=9p2000.L hostshare /mnt",
      "cp /mnt/in.bin /tmp/copy.bin && cp /tmp/copy.bin /mnt/out.bin && echo SUM=$(sha256sum < /tmp/copy.bin)",
      "cat /mnt/escape; echo escape-status=$?",
      "cat /mnt/../secret.txt; echo dotdot-status=$?",
      "ls -a /mnt | tr '\\n' ' '; echo",
      "umount /mnt && poweroff -f",
      "",
    ].join("\n");
    const r = paravm(["--mode", mode, "--append", consoleArg, "--share", `${share}:hostshare`], script);
    assert.equal(r.status, 0, r.out.slice(-3000) + r.err);
    const sum = createHash("sha256").update(data).digest("hex");
    assert.match(r.out, new RegExp(`\nSUM=${sum} -\n`), r.out.slice(-3000));
    assert.ok(readFileSync(join(share, "out.bin")).equals(data), "the file copied back out differs");
    assert.match(r.out, /\nescape-status=[1-9]/);
    assert.match(r.out, /\ndotdot-status=[1-9]/);
    assert.ok(!r.out.includes(secret), "the guest read a host file outside the share");
  });

  test(`${mode} mode: a plain boot reaches a shell that runs commands`, () => {
    const r = paravm(["--mode", mode, "--append", consoleArg], "\necho paravm-$((6*7))\npoweroff -f\n");
    assert.match(r.out, /paravm-42/, r.out.slice(-3000));
    assert.equal(r.status, 0, r.err);
  });

  test(`${mode} mode: two harts come up (HSM in pv, the firmware's lottery in full)`, () => {
    const r = paravm(
      ["--mode", mode, "--append", consoleArg, "--cpus", "2"],
      "\ngrep -c ^processor /proc/cpuinfo\npoweroff -f\n",
    );
    assert.match(r.out, /smp: Brought up 1 node, 2 CPUs/, r.out.slice(-3000));
    assert.match(r.out, /\n2\n/);
    assert.equal(r.status, 0, r.err);
  });
}
