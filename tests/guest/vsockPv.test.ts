// virtio-vsock end to end: the default guest in pv mode with `--vsock 3,uds=…` (Firecracker's
// convention), this test being the host program. The guest's self-test connects to a host
// listener; then 16 MiB go from the guest to a host listener on PATH_5000, and 16 MiB from
// the host to a guest listener reached through `CONNECT 6000`, both checked by sha256.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "paravm-vsock-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const MIB16 = 16 << 20;

/** A Unix-socket server for the guest's connections to host port `port`. */
async function listen(path: string, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

interface Run {
  /** Everything paravm printed so far (console and --stats). */
  readonly out: () => string;
  /** Resolves with the first match of `re` in the output. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
  write(text: string): void;
  exited: Promise<number | null>;
}

function paravm(args: string[]): Run {
  const child = spawn(process.execPath, [MAIN, "run", "--stats", "--timeout", "120", ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const onData = (d: Buffer) => {
    out += d.toString("latin1").replace(/\r/g, "");
    check();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    out: () => out,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        void exited.then(() =>
          setImmediate(() => reject(new Error(`paravm exited before ${re}:\n${out.slice(-3000)}`))),
        );
      }),
    write: (text) => child.stdin.write(text),
    exited,
  };
}

test("pv mode: the self-test's vsock probe connects to a host listener on PATH_PORT", async () => {
  const uds = join(dir, "s.sock");
  let accepted = 0;
  const server = await listen(`${uds}_1024`, (s) => {
    accepted++;
    s.resume();
    s.on("end", () => s.end());
  });
  try {
    const run = paravm(["--vsock", `3,uds=${uds}`, "--append", "console=hvc0 earlycon=sbi paravm.selftest=1"]);
    const code = await run.exited;
    const out = run.out();
    assert.equal(code, 0, out.slice(-3000));
    assert.match(out, /SELFTEST vsock ok cid=3 connected port=1024/);
    assert.match(out, /SELFTEST done pass=\d+ fail=0/);
    assert.equal(accepted, 1);
    assert.match(out, /vsock connections from guest\s+1\n/);
  } finally {
    server.close();
  }
});

test("pv mode: 16 MiB each way over vsock (guest → PATH_5000, host → CONNECT 6000), sha256 equal", async () => {
  const uds = join(dir, "v.sock");
  // Host port 5000: hashes what the guest sends, and closes once the guest shut down its side.
  let received = 0;
  const hostHash = createHash("sha256");
  let connections = 0;
  const server = await listen(`${uds}_5000`, (s) => {
    connections++;
    s.on("data", (d: Buffer) => {
      received += d.length;
      hostHash.update(d);
    });
    s.on("end", () => s.end());
  });
  try {
    const run = paravm(["--vsock", `3,uds=${uds}`]);
    await run.waitFor(/paravm:\/# /);
    const t0 = performance.now();
    run.write("vsock-probe recv 6000 & vsock-probe send 2 5000 16777216; wait; echo VSOCK-$((40+2))\n");
    await run.waitFor(/listening port=6000/);
    // Host → guest: a host program's CONNECT, then 16 MiB of random bytes.
    const payload = randomBytes(MIB16);
    const sentHash = createHash("sha256").update(payload).digest("hex");
    const client = net.connect({ path: uds, allowHalfOpen: true });
    let reply = "";
    const ok = new Promise<string>((resolve, reject) => {
      client.on("data", (d: Buffer) => {
        reply += d.toString("latin1");
        if (reply.includes("\n")) resolve(reply);
      });
      client.on("error", reject);
      client.on("close", () => reject(new Error(`CONNECT closed, reply '${reply}'`)));
    });
    client.write("CONNECT 6000\n");
    assert.match(await ok, /^OK \d+\n$/);
    client.end(payload);
    const done = await run.waitFor(/\nVSOCK-42\n/);
    const seconds = (performance.now() - t0) / 1000;
    client.destroy();
    const out = run.out().slice(0, done.index);
    const sent = /sent=(\d+) sha256=([0-9a-f]{64}) received=(\d+) sha256=([0-9a-f]{64})/.exec(out);
    const got = /\nreceived=(\d+) sha256=([0-9a-f]{64})/.exec(out);
    assert.ok(sent && got, out.slice(-2000));
    // guest → host
    assert.equal(Number(sent[1]), MIB16);
    assert.equal(received, MIB16);
    assert.equal(sent[2], hostHash.digest("hex"));
    assert.equal(Number(sent[3]), 0);
    assert.equal(connections, 1);
    // host → guest
    assert.equal(Number(got[1]), MIB16);
    assert.equal(got[2], sentHash);
    const mibs = (2 * MIB16) / (1 << 20) / seconds;
    console.log(`# vsock: 2 × 16 MiB in ${seconds.toFixed(1)} s (${mibs.toFixed(2)} MiB/s both ways together)`);
    run.write("poweroff -f\n");
    assert.equal(await run.exited, 0);
    const stats = run.out();
    assert.match(stats, /vsock connections from guest\s+1\n/);
    assert.match(stats, /vsock connections from host\s+1\n/);
    assert.match(stats, /vsock credit overruns\s+0\n/);
  } finally {
    server.close();
  }
});
