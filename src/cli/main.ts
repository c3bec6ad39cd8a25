#!/usr/bin/env node
// paravm's command line.

import { elfCommand } from "./elfCommand.js";
import { runCommand } from "./runCommand.js";
import { UsageError } from "./usageError.js";

const HELP = `paravm — a paravirtualizing RISC-V 64 hypervisor

Usage:
  paravm run [options]                     boot a guest (default: the embedded Linux guest)
  paravm elf FILE [--max-instructions N]   run a bare-metal ELF (riscv-tests tohost convention)
  paravm --version
  paravm help COMMAND`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "-h":
    case "--help":
    case "help":
      if (command === "help" && rest[0] === "elf") return elfCommand(["--help"]);
      if (command === "help" && rest[0] === "run") return runCommand(["--help"]);
      process.stdout.write(HELP + "\n");
      return 0;
    case "--version":
      process.stdout.write("paravm 0.1.0\n");
      return 0;
    case "elf":
      return elfCommand(rest);
    case "run":
      return runCommand(rest);
    default:
      throw new UsageError(`unknown command '${command}' (try paravm --help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`paravm: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  },
);
