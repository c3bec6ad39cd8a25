// npm run bench:net — TCP throughput over virtio-net with the user network, paravm (pv mode)
// against qemu-system-riscv64 -machine virt (TCG, its own OpenSBI, -netdev user) in the same
// run, both on the default guest (guests/default) and the same busybox commands:
//   guest → host: `dd if=/dev/zero bs=64k count=N | nc 10.0.2.2 SINK`, a host TCP sink on
//                 127.0.0.1:SINK counting bytes (timed from its first byte to the guest's FIN);
//   host → guest: the host connects to hostfwd=tcp::PORT-:5000 where the guest runs
//                 `nc -l -p 5000 >/tmp/recv` (tmpfs; its size is checked), and writes N×64 KiB (timed from connect to the
//                 guest's FIN, which follows its last read).
// Then virtio-vsock in paravm: the default guest's `vsock-probe send 2 5001 N nohash` to a host
// Unix socket PATH_5001, and a host client's `CONNECT 6000` to `vsock-probe recv 6000 nohash`.
// PARAVM_BENCH_NET_MIB sets the size (default 64). Prints MiB/s and paravm/QEMU ratios.

import { mkdtempSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DEFAULT_GUEST_DIR, readArtefact } from "../src/machine/guestArtefacts.js";
import { freePort, GuestShell } from "../tests/guest/guestShell.js";

const MIB = Number(process.env.PARAVM_BENCH_NET_MIB ?? 64);
const BYTES = MIB * 1024 * 1024;
const CHUNK = 64 * 1024;
const GUEST_PORT = 5000;
const TRANSFER_TIMEOUT_MS = 900_000;

interface Result {
  toHost: number;
  toGuest: number;
}

/**
 * A host server that counts what one connection brings; `rate` resolves to MiB/s from its
 * first byte to its end, and rejects unless exactly BYTES arrived.
 */
function byteSink(what: string): { server: Server; rate: Promise<number> } {
  const server = createServer();
  let bytes = 0;
  let first = 0;
  const rate = new Promise<number>((resolve, reject) => {
    server.on("connection", (s: Socket) => {
      s.on("data", (d: Buffer) => {
        if (!first) first = performance.now();
        bytes += d.length;
      });
      s.on("end", () => {
        const seconds = (performance.now() - first) / 1000;
        s.end();
        if (bytes !== BYTES) reject(new Error(`${what}: ${bytes} bytes arrived, not ${BYTES}`));
        else resolve(MIB / seconds);
      });
      s.on("error", reject);
    });
  });
  return { server, rate };
}

/** Guest → host: MiB/s seen by a host sink. */
async function guestToHost(vm: GuestShell): Promise<number> {
  const { server, rate } = byteSink("guest → host");
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    await vm.run(
      `dd if=/dev/zero bs=${CHUNK} count=${BYTES / CHUNK} 2>/dev/null | nc 10.0.2.2 ${port}`,
      TRANSFER_TIMEOUT_MS,
    );
    return await rate;
  } finally {
    server.close();
  }
}

/** Host → guest through hostfwd: MiB/s until the guest's nc has read everything. */
async function hostToGuest(vm: GuestShell, hostPort: number): Promise<number> {
  // Into a tmpfs file, not `| wc -c`: busybox wc reads byte by byte and would measure the
  // guest's CPU instead (and its dd does not print the bytes it copied).
  await vm.run(`(nc -l -p ${GUEST_PORT} >/tmp/recv) & sleep 0.5`);
  const s = createConnection({ host: "127.0.0.1", port: hostPort });
  const chunk = Buffer.alloc(CHUNK, 0x5a);
  let t0 = 0;
  const seconds = await new Promise<number>((resolve, reject) => {
    s.on("connect", async () => {
      t0 = performance.now();
      for (let sent = 0; sent < BYTES; sent += CHUNK) {
        if (!s.write(chunk)) await new Promise((r) => s.once("drain", r));
      }
      s.end();
    });
    s.on("data", () => {});
    s.on("end", () => resolve((performance.now() - t0) / 1000));
    s.on("error", reject);
  });
  s.destroy();
  const report = await vm.run("wait; stat -c %s /tmp/recv; rm /tmp/recv");
  const count = report.trim();
  if (count !== String(BYTES))
    throw new Error(`host → guest: the guest counted ${count} bytes, not ${BYTES}: ${JSON.stringify(report)}`);
  return MIB / seconds;
}

async function measure(name: string, start: (hostPort: number) => GuestShell): Promise<Result> {
  const hostPort = await freePort();
  const vm = start(hostPort);
  try {
    await vm.booted(300_000);
    await vm.run("ip link set eth0 up && udhcpc -i eth0 -q -n -t 5 -T 1 >/dev/null");
    const toHost = await guestToHost(vm);
    process.stderr.write(`${name}: guest → host ${toHost.toFixed(2)} MiB/s\n`);
    const toGuest = await hostToGuest(vm, hostPort);
    process.stderr.write(`${name}: host → guest ${toGuest.toFixed(2)} MiB/s\n`);
    await vm.poweroff(60_000);
    return { toHost, toGuest };
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message.slice(0, 2000)}`);
  } finally {
    vm.kill();
  }
}

const tmp = mkdtempSync(join(tmpdir(), "paravm-bench-net-"));
const kernel = join(tmp, "Image");
const initrd = join(tmp, "initramfs.cpio.gz");
writeFileSync(kernel, gunzipSync(readArtefact(DEFAULT_GUEST_DIR, "kernel")));
writeFileSync(initrd, readArtefact(DEFAULT_GUEST_DIR, "initrd"));

const systems: [string, (hostPort: number) => GuestShell][] = [
  ["paravm pv", (p) => GuestShell.paravm(["--net", `user,hostfwd=tcp::${p}-:${GUEST_PORT}`], 3600)],
  [
    "qemu virt",
    (p) =>
      new GuestShell(
        spawn(
          "qemu-system-riscv64",
          [
            ...["-machine", "virt", "-nographic", "-m", "256M", "-no-reboot"],
            ...["-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0"],
            ...["-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${p}-:${GUEST_PORT}`],
            ...["-device", "virtio-net-device,netdev=n0"],
          ],
          { stdio: ["pipe", "pipe", "pipe"] },
        ),
      ),
  ],
];

console.log(`virtio-net, user network, ${MIB} MiB each way (TCP through busybox nc)`);
const results = new Map<string, Result | Error>();
for (const [name, start] of systems) {
  try {
    results.set(name, await measure(name, start));
  } catch (e) {
    results.set(name, e as Error);
  }
}
const q = results.get("qemu virt");
const rows: string[][] = [["system", "guest → host MiB/s", "host → guest MiB/s", "vs QEMU (→host, →guest)"]];
for (const [name, r] of results) {
  if (r instanceof Error) {
    rows.push([name, "failed", "failed", r.message.split("\n")[0]]);
    continue;
  }
  const ratio =
    q && !(q instanceof Error) ? `${(r.toHost / q.toHost).toFixed(2)}x, ${(r.toGuest / q.toGuest).toFixed(2)}x` : "n/a";
  rows.push([name, r.toHost.toFixed(2), r.toGuest.toFixed(2), ratio]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join("  "));
for (const r of results.values()) if (r instanceof Error) process.exitCode = 1;

// vsock: paravm only. QEMU's virtio-vsock needs the host kernel's vhost-vsock (or a
// vhost-user daemon), which this machine does not have; so no ratio.
console.log(`\nvirtio-vsock, ${MIB} MiB each way (vsock-probe, no hashing), paravm pv; QEMU: n/a (no vhost-vsock)`);
try {
  const v = await measureVsock();
  console.log(`paravm pv  guest → host ${v.toHost.toFixed(2)} MiB/s  host → guest ${v.toGuest.toFixed(2)} MiB/s`);
} catch (e) {
  console.log(`paravm pv  failed: ${(e as Error).message.split("\n")[0]}`);
  process.exitCode = 1;
}

/** Guest → host to a Unix socket PATH_5001, then host → guest through "CONNECT 6000". */
async function measureVsock(): Promise<Result> {
  const uds = join(tmp, "v.sock");
  const vm = GuestShell.paravm(["--vsock", `3,uds=${uds}`], 3600);
  try {
    await vm.booted(300_000);
    const { server: sink, rate: arrived } = byteSink("vsock guest → host");
    await new Promise<void>((r) => sink.listen(`${uds}_5001`, r));
    await vm.run(`vsock-probe send 2 5001 ${BYTES} nohash`, TRANSFER_TIMEOUT_MS);
    const toHost = await arrived;
    sink.close();
    process.stderr.write(`vsock: guest → host ${toHost.toFixed(2)} MiB/s\n`);

    await vm.run("(vsock-probe recv 6000 nohash >/tmp/vrecv) & sleep 0.5");
    const s = createConnection(uds);
    const chunk = Buffer.alloc(CHUNK, 0x5a);
    const seconds = await new Promise<number>((resolve, reject) => {
      let t0 = 0;
      let answer = "";
      s.on("data", async (d: Buffer) => {
        if (t0) return;
        answer += d.toString();
        if (!answer.includes("\n")) return;
        if (!answer.startsWith("OK ")) return reject(new Error(`CONNECT 6000 answered ${JSON.stringify(answer)}`));
        t0 = performance.now();
        for (let sent = 0; sent < BYTES; sent += CHUNK) {
          if (!s.write(chunk)) await new Promise((r) => s.once("drain", r));
        }
        s.end();
      });
      s.on("end", () => resolve((performance.now() - t0) / 1000));
      s.on("error", reject);
      s.write("CONNECT 6000\n");
    });
    s.destroy();
    const report = (await vm.run("wait; cat /tmp/vrecv")).trim();
    if (!report.includes(`received=${BYTES} `)) throw new Error(`vsock host → guest: the guest says ${report}`);
    const toGuest = MIB / seconds;
    process.stderr.write(`vsock: host → guest ${toGuest.toFixed(2)} MiB/s\n`);
    await vm.poweroff(60_000);
    return { toHost, toGuest };
  } finally {
    vm.kill();
  }
}
