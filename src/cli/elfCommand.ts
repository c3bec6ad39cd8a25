// `paravm elf FILE`: run a bare-metal RISC-V ELF and exit with its tohost verdict.

import { ElfError } from "../machine/elfLoader.js";
import { runBareMetal } from "../vmm/bareMetal.js";
import { describeTrapLoop } from "../vmm/trapLoop.js";
import { formatSize } from "../util/size.js";
import { UsageError } from "./usageError.js";
import { parseOptions } from "./commandLine.js";
import { integerOption, MAX_MEMORY, memoryOption, readInputFile, secondsOption } from "./optionValues.js";

export const ELF_HELP = `Usage: paravm elf FILE [options]

Runs a bare-metal RISC-V 64-bit ELF on one hart, starting in M-mode at its entry point, with
RAM at 0x80000000, a CLINT at 0x2000000, a UART at 0x10000000 and a syscon at 0x100000.
The program ends by storing to its \`tohost\` symbol (1 = pass, odd v = test v>>1 failed)
or by writing the syscon (0x5555 pass, 0x3333 fail).

Options:
  --max-instructions N   stop after N instructions and traps (exit status 3); default 1000000000
  --memory SIZE          guest RAM, 4K..${formatSize(MAX_MEMORY)} (WebAssembly's 4 GiB cap), e.g. 64M,
                         1G; default 256M
  --timeout S            stop a program still running after S seconds, 0 < S <= 2147483
                         (exit status 124)
  --stats                print the instruction count and speed to stderr
  -h, --help             this text

A program that traps again and again at the same pc with the same cause and retires nothing
(an entry point or trap vector that faults) is stopped at once (exit status 126).

Exit status: 0 pass, 1 fail, 2 bad arguments or file, 3 instruction limit reached,
124 timeout, 126 stuck in a trap loop.`;

export function elfCommand(args: string[]): number {
  const { values, positionals } = parseOptions({
    args,
    allowPositionals: true,
    options: {
      "max-instructions": { type: "string" },
      memory: { type: "string" },
      timeout: { type: "string" },
      stats: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(ELF_HELP + "\n");
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`paravm elf takes one FILE, given ${positionals.length ? positionals.join(", ") : "none"}`);
  const max = integerOption("max-instructions", values["max-instructions"], 1e9, 1, Number.MAX_SAFE_INTEGER);
  const memory = memoryOption(values.memory, 256 * 1024 * 1024, 4096);
  const timeout = secondsOption("timeout", values.timeout);
  const file = readInputFile("", positionals[0]);
  const started = performance.now();
  let result;
  try {
    result = runBareMetal({
      elf: file,
      memoryBytes: memory,
      maxInstructions: max,
      timeoutMs: timeout === null ? undefined : timeout * 1000,
      output: (b) => process.stdout.write(b),
    });
  } catch (e) {
    if (e instanceof ElfError || e instanceof RangeError) throw new UsageError(`${positionals[0]}: ${e.message}`);
    throw e;
  }
  if (values.stats) {
    const s = (performance.now() - started) / 1000;
    process.stderr.write(
      `instructions: ${result.instructions}  time: ${s.toFixed(3)} s  speed: ${(result.instructions / s / 1e6).toFixed(1)} MIPS\n`,
    );
  }
  switch (result.kind) {
    case "pass":
      return 0;
    case "fail":
      process.stderr.write(`FAIL: test ${result.test}\n`);
      return 1;
    case "budget":
      process.stderr.write(`stopped: the instruction limit (${max}) was reached\n`);
      return 3;
    case "stuck":
      process.stderr.write("FAIL: the hart waits for an interrupt (wfi) and none can arrive\n");
      return 1;
    case "trapLoop":
      process.stderr.write(`FAIL: ${describeTrapLoop(result.loop)}\n`);
      return 126;
    case "timeout":
      process.stderr.write(`stopped: the program was still running after ${timeout} s\n`);
      return 124;
    case "reset":
      process.stderr.write("FAIL: the guest asked for a reset, which paravm elf does not do\n");
      return 1;
  }
}
