#!/usr/bin/env node
// paravm's command line.

import { closest } from "./commandLine.js";
import { ELF_HELP, elfCommand } from "./elfCommand.js";
import { RUN_HELP, runCommand } from "./runCommand.js";
import { UsageError } from "./usageError.js";

const HELP = `paravm — a paravirtualizing RISC-V 64 hypervisor

Usage:
  paravm run [options]                     boot a guest (default: the embedded Linux guest)
  paravm [options]                         the same as paravm run [options]
  paravm elf FILE [--max-instructions N]   run a bare-metal ELF (riscv-tests tohost convention)
  paravm --version
  paravm help COMMAND`;

const COMMANDS: Record<string, { run: (args: string[]) => number | Promise<number>; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  elf: { run: elfCommand, help: ELF_HELP },
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "-h":
    case "--help":
      process.stdout.write(HELP + "\n");
      return 0;
    case "help":
      if (rest.length === 0) {
        process.stdout.write(HELP + "\n");
        return 0;
      }
      process.stdout.write(commandNamed(rest[0]).help + "\n");
      return 0;
    case "--version":
      process.stdout.write("paravm 0.1.0\n");
      return 0;
    case undefined:
      return commandNamed("run").run([]); // `npx paravm` boots the embedded default guest, as `paravm run`
  }
  if (command.startsWith("-")) return commandNamed("run").run(argv); // `paravm --memory 1G`: options of run
  return commandNamed(command).run(rest);
}

function commandNamed(name: string) {
  if (Object.hasOwn(COMMANDS, name)) return COMMANDS[name];
  const guess = closest(name.replace(/^-+/, ""), Object.keys(COMMANDS));
  throw new UsageError(`unknown command '${name}'${guess ? `; did you mean ${guess}?` : " (run, elf)"}`);
}

/** Where a user finds the valid forms: the command's own help, or paravm's. */
function helpPointer(argv: string[]): string {
  const command = argv[0] === "help" ? argv[1] : argv[0];
  return command !== undefined && Object.hasOwn(COMMANDS, command) ? `paravm ${command} --help` : "paravm --help";
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`paravm: ${e.message.replace(/\s+/g, " ")} (see ${helpPointer(argv)})\n`);
    process.exitCode = 2;
  },
);
