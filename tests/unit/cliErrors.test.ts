// Every error in paravm's arguments or files, through the real command line: one line on
// stderr, exit status 2, no stack trace, a hint (the valid range, a did-you-mean) and a
// pointer to --help.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FdtBuilder } from "../../src/machine/fdt.js";
import { buildDeviceTree } from "../../src/machine/deviceTree.js";
import { buildElf } from "./miniElf.js";
import { jal } from "./asm.js";
import { MAX_MEMORY } from "../../src/cli/optionValues.js";
import { formatSize } from "../../src/util/size.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const HELLO = fileURLToPath(new URL("../../../guests/sbi-hello/Image", import.meta.url));
/** The --memory cap as --help and the messages write it: 4 GiB less the harts' state, in MiB. */
const CAP = formatSize(MAX_MEMORY);
const dir = mkdtempSync(join(tmpdir(), "paravm-cli-errors-"));

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function paravm(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tree with what a kernel needs: a cpu and 256M of memory at 0x80000000, the default RAM. */
function tree(opts: { cpu?: boolean; memorySize?: number } = {}): Uint8Array {
  const b = new FdtBuilder().beginNode("").propU32("#address-cells", 2).propU32("#size-cells", 2);
  b.beginNode("cpus").propU32("#address-cells", 1).propU32("#size-cells", 0);
  if (opts.cpu ?? true) b.beginNode("cpu@0").prop("device_type", "cpu").propU32("reg", 0).endNode();
  b.endNode();
  b.beginNode("memory@80000000").prop("device_type", "memory");
  b.propU64s("reg", [0x8000_0000, opts.memorySize ?? 256 << 20]).endNode();
  return b.endNode().finish();
}

function withVersion(dtb: Uint8Array, version: number): Uint8Array {
  const copy = dtb.slice();
  new DataView(copy.buffer).setUint32(20, version);
  return copy;
}

const empty = file("empty", "");
const garbage = file("garbage", "this is not a kernel, a firmware or a device tree\n");
const disk = file("disk.img", new Uint8Array(4096));
const folder = join(dir, "folder");
mkdirSync(folder);
const x86 = file("x86.elf", buildElf([jal(0, 0)], { machine: 62 }));
const bigFirmware = file("big.bin", new Uint8Array(17 << 20).fill(0x13));
const dtb = {
  truncated: file("truncated.dtb", tree().subarray(0, 60)),
  oldVersion: file("v16.dtb", withVersion(tree(), 16)),
  noCpu: file("nocpu.dtb", tree({ cpu: false })),
  memoryBeyondRam: file("bigmem.dtb", tree({ memorySize: 1 << 30 })),
  garbled: file(
    "garbled.dtb",
    tree().map((b, i) => (i >= 60 && i < 68 ? 0xff : b)),
  ),
};

// [arguments, what the one line must say]. Boots nothing: every one fails before the guest starts.
const RUN = "paravm run --help";
const ELF = "paravm elf --help";
const cases: Array<[string[], RegExp, string]> = [
  // --memory: the WebAssembly cap, zero, fractions, garbage
  [["run", "--memory", "4G"], new RegExp(`--memory wants 16M\\.\\.${CAP} \\(WebAssembly memory ends at 4 GiB\\)`), RUN],
  [["run", "--memory", "64G"], new RegExp(`16M\\.\\.${CAP}.*'64G'`), RUN],
  [["run", "--memory", "0"], new RegExp(`16M\\.\\.${CAP}.*'0'`), RUN],
  [["run", "--memory", "1.5K"], new RegExp(`16M\\.\\.${CAP}.*'1\\.5K'`), RUN],
  [["run", "--memory", "lots"], /such as 512M.*'lots'/, RUN],
  [["run", "--memory", "1G", "--memory", "2G"], /--memory given twice/, RUN],
  // --cpus
  [["run", "--cpus", "0"], /--cpus wants 1\.\.16, not '0'/, RUN],
  [["run", "--cpus", "1000"], /--cpus wants 1\.\.16/, RUN],
  [["run", "--cpus", "abc"], /--cpus wants 1\.\.16/, RUN],
  [["run", "--cpus", "0x2"], /--cpus wants 1\.\.16/, RUN],
  [["run", "--cpus"], /--cpus wants a value/, RUN],
  // --timeout
  [["run", "--timeout", "-1"], /--timeout wants seconds, more than 0.*'-1'/, RUN],
  [["run", "--timeout", "0"], /more than 0/, RUN],
  [["run", "--timeout", "Infinity"], /at most 2147483/, RUN],
  // option names
  [["run", "--kernal", "x"], /unknown option '--kernal'; did you mean --kernel\?/, RUN],
  [["run", "-kernel", "x"], /did you mean --kernel\?/, RUN],
  [["run", "--mem", "1G"], /did you mean --memory\?/, RUN],
  [["run", "--frobnicate"], /unknown option '--frobnicate'/, RUN],
  [["run", "--kernel", "--initrd", "x"], /--kernel wants a value; write --kernel=VALUE/, RUN],
  [["run", "--stats=yes"], /--stats takes no value/, RUN],
  [["run", "stray"], /unexpected argument 'stray'/, RUN],
  [["run", "--mode", "fast"], /--mode must be pv or full/, RUN],
  // --append
  [["run", "--append", "x".repeat(2000)], /--append is 2000 bytes; Linux on RISC-V reads at most 1023/, RUN],
  [["run", "--append", "é".repeat(600)], /--append is 1200 bytes/, RUN],
  // files: missing, a directory, empty, not what they should be
  [["run", "--kernel", join(dir, "missing")], /--kernel .*missing: no such file/, RUN],
  [["run", "--kernel", folder], /--kernel .*folder is a directory, not a file/, RUN],
  [["run", "--kernel", empty], /--kernel .*empty is empty/, RUN],
  [["run", "--kernel", garbage], /garbage.*Image/, RUN],
  [["run", "--kernel", "/dev/null"], /--kernel \/dev\/null is not a regular file/, RUN],
  [["run", "--kernel", HELLO, "--initrd", join(dir, "missing")], /--initrd .*missing: no such file/, RUN],
  [["run", "--kernel", HELLO, "--initrd", folder], /--initrd .*is a directory/, RUN],
  [["run", "--mode", "full", "--firmware", empty], /--firmware .*is empty/, RUN],
  [["run", "--mode", "full", "--firmware", folder], /--firmware .*is a directory/, RUN],
  [["run", "--mode", "full", "--firmware", x86], /x86\.elf|RISC-V|machine/, RUN],
  [["run", "--mode", "full", "--firmware", bigFirmware, "--memory", "16M"], /the firmware .* does not fit/, RUN],
  // --dtb: checked before boot
  [["run", "--kernel", HELLO, "--dtb", garbage], /--dtb .*garbage: fdt: bad magic/, RUN],
  [["run", "--kernel", HELLO, "--dtb", empty], /--dtb .*is empty/, RUN],
  [["run", "--kernel", HELLO, "--dtb", dtb.truncated], /fdt: totalsize beyond the buffer/, RUN],
  [["run", "--kernel", HELLO, "--dtb", dtb.oldVersion], /fdt: version 16 not supported/, RUN],
  [["run", "--kernel", HELLO, "--dtb", dtb.noCpu], /fdt: no cpu node under \/cpus/, RUN],
  [["run", "--kernel", HELLO, "--dtb", dtb.memoryBeyondRam], /outside the guest RAM.*--memory/, RUN],
  [["run", "--kernel", HELLO, "--dtb", dtb.garbled], /--dtb .*fdt: /, RUN],
  // --disk
  [["run", "--disk", disk, "--disk", disk], /--disk .*disk\.img given twice/, RUN],
  [["run", "--disk", disk, "--disk", `${dir}/./disk.img`], /given twice \(also as /, RUN],
  [["run", "--disk", join(dir, "missing.img")], /--disk .*missing\.img: no such file/, RUN],
  [["run", "--disk", folder], /--disk .*folder: is a directory/, RUN],
  [["run", "--disk", `${disk},rw`], /unknown option 'rw' \(ro, serial=ID\)/, RUN],
  // --share
  [["run", "--share", `${join(dir, "nothing")}:tag`], /--share .*nothing does not exist/, RUN],
  [["run", "--share", `${disk}:tag`], /is not a directory/, RUN],
  [["run", "--share", `${folder}:`], /wants HOSTDIR:TAG/, RUN],
  [["run", "--share", `${folder}:a,b`], /unknown option 'b' \(ro\)/, RUN],
  [["run", "--share", `${folder}:t`, "--share", `${dir}:t`], /two shares with the tag 't'/, RUN],
  // --net
  [["run", "--net", "tap"], /unknown network 'tap' \(user, socket\)/, RUN],
  [["run", "--net", "user,hostfwd=tcp::99999-:80"], /bad host port '99999'/, RUN],
  [["run", "--net", "user,hostfwd=80"], /hostfwd wants/, RUN],
  [["run", "--net", "user,mac=zz"], /bad MAC address 'zz'/, RUN],
  [["run", "--net", "socket"], /socket wants path=DIR/, RUN],
  // --vsock
  [["run", "--vsock", "2"], /the guest CID must be 3\.\.4294967294, not '2'/, RUN],
  [["run", "--vsock", "abc"], /the guest CID must be 3\.\.4294967294/, RUN],
  [["run", "--vsock", "3,port=1"], /unknown option 'port=1' \(uds=PATH\)/, RUN],
  // paravm elf
  [["elf"], /paravm elf takes one FILE, given none/, ELF],
  [["elf", "a", "b"], /given a, b/, ELF],
  [["elf", folder], /folder is a directory, not a file/, ELF],
  [["elf", join(dir, "missing")], /missing: no such file/, ELF],
  [["elf", garbage], /garbage/, ELF],
  [["elf", x86, "--memory", "64G"], new RegExp(`--memory wants 4K\\.\\.${CAP}`), ELF],
  [["elf", x86, "--max-instructions", "0"], /--max-instructions wants 1\.\./, ELF],
  [["elf", x86, "--timeout", "-1"], /--timeout wants seconds, more than 0.*'-1'/, ELF],
  [["elf", x86, "--max-instrs", "5"], /did you mean --max-instructions\?/, ELF],
  // commands
  [["rn"], /unknown command 'rn'; did you mean run\?/, "paravm --help"],
  [["frobnicate"], /unknown command 'frobnicate' \(run, elf\)/, "paravm --help"],
  [["help", "frobnicate"], /unknown command 'frobnicate'/, "paravm --help"],
];

for (const [args, hint, help] of cases) {
  const shown = args.map((a) => (a.length > 40 ? a.slice(0, 20) + "…" : a.replace(dir, "DIR"))).join(" ");
  test(`paravm ${shown}: one line, exit 2`, () => {
    const r = paravm(args);
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.split("\n");
    assert.equal(lines.length, 2, `exactly one line: ${r.stderr}`);
    assert.equal(lines[1], "");
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assert.match(lines[0], /^paravm: /);
    assert.match(lines[0], hint);
    assert.ok(lines[0].endsWith(`(see ${help})`), lines[0]);
  });
}

test("a device tree that passes the check boots: paravm's own generated one", () => {
  const good = buildDeviceTree({
    mode: "pv",
    harts: 1,
    ramBase: 0x8000_0000,
    ramSize: 256 << 20,
    bootargs: "",
    isa: { base: "rv64imafdc", extensions: ["i", "m", "a", "f", "d", "c", "zicsr", "zifencei"] },
    timebaseHz: 10_000_000,
    virtioSlots: 8,
    stdout: "hvc",
  });
  const r = paravm(["run", "--kernel", HELLO, "--dtb", file("good.dtb", good)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Hello from S-mode/);
});

test("--disk FILE,ro is refused while another paravm writes FILE", async () => {
  const shared = file("shared.img", new Uint8Array(4096));
  // A writer that stays: a paravm whose guest waits (its console input is a pipe kept open).
  const writer = spawn(process.execPath, [MAIN, "run", "--disk", shared, "--timeout", "120"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      writer.stdout.once("data", () => resolve());
      writer.once("exit", (code) => reject(new Error(`the writer ended early: ${code}`)));
    });
    const r = paravm(["run", "--disk", `${shared},ro`]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`being written by process ${writer.pid} \\(QEMU: Failed to get shared "write" lock\\)`),
    );
  } finally {
    writer.kill("SIGKILL");
    await new Promise((resolve) => writer.once("exit", resolve));
  }
  // The killed writer's lock is stale: a new writer takes it over.
  const r = paravm(["run", "--disk", shared, "--kernel", HELLO]);
  assert.equal(r.status, 0, r.stderr);
});
