// A running `paravm run` on the default guest, driven through its console like a user at the
// shell: wait for the prompt, type a command, wait for what it prints. Used by the network
// acceptance tests and bench/net.ts (which also drives QEMU through it).

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createServer, type AddressInfo } from "node:net";

export const PARAVM_MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** busybox ash's prompt, maybe followed by its cursor-position query (ESC [6n). */
export const PROMPT = /paravm:[^\n]*# (\x1b\[6n)?$/;

export class GuestShell {
  out = "";
  private readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];
  private spawnError: Error | undefined;

  constructor(readonly child: ChildProcess) {
    const wake = () => {
      for (const w of [...this.waiters]) w();
    };
    const take = (d: Buffer) => {
      this.out += d.toString("latin1").replace(/\r/g, "");
      wake();
    };
    child.stdout!.on("data", take);
    child.stderr!.on("data", take);
    this.exited = new Promise((resolve) => {
      child.on("error", (e) => {
        this.spawnError = e;
        wake();
        resolve(null);
      });
      child.on("exit", (code) => {
        wake();
        resolve(code);
      });
    });
  }

  /** `paravm run --timeout S ARGS…` with the console on pipes. */
  static paravm(args: string[], timeoutSeconds = 120): GuestShell {
    return new GuestShell(
      spawn(process.execPath, [PARAVM_MAIN, "run", "--timeout", String(timeoutSeconds), ...args], {
        stdio: ["pipe", "pipe", "pipe"],
      }),
    );
  }

  /** The match of `re` in the output after `from`; rejects after `ms` or when the VM ends. */
  waitFor(re: RegExp, ms: number, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(this.out.slice(from));
        if (m) {
          done();
          resolve(m);
        } else if (this.spawnError) {
          done();
          reject(new Error(`cannot run the VM: ${this.spawnError.message}`));
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`the VM ended before ${re}; output:\n${this.out.slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${re} within ${ms} ms; output:\n${this.out.slice(-3000)}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Waits for the first prompt, then sends a newline for ash's cursor query to swallow. */
  async booted(ms = 90_000): Promise<void> {
    await this.waitFor(PROMPT, ms);
    this.type("\n");
  }

  /**
   * Types `command` between two `echo`s of markers the shell computes (so the echoed command
   * line never matches them) and resolves with what it printed between them.
   */
  async run(command: string, ms = 60_000): Promise<string> {
    const n = Math.floor(Math.random() * 1e6);
    const from = this.out.length;
    this.type(`echo "@@$((${n}))@@"; ${command}; echo "@@$((${n}+1))@@"\n`);
    const m = await this.waitFor(new RegExp(`\n@@${n}@@\n([^]*?)@@${n + 1}@@\n`), ms, from);
    return m[1];
  }

  type(s: string): void {
    this.child.stdin!.write(s);
  }

  /** Powers the guest off and resolves with paravm's exit status (killed after `ms`). */
  async poweroff(ms = 30_000): Promise<number | null> {
    if (this.child.exitCode === null) this.type("poweroff -f\n");
    return this.end(ms);
  }

  async end(ms: number): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** A TCP port free on 127.0.0.1 just now (the listener is closed again). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
