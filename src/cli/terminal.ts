// The host side of the guest console: stdin/stdout. In a TTY, raw mode with QEMU's escape
// (consoleEscape.ts): Ctrl-A h lists the keys, Ctrl-A x ends the VM. Through pipes, plain
// bytes both ways. paravm's own messages start on a line of their own, so that neither they
// nor the host's prompt land after a guest's half-written line.

import { ConsoleEscape, ESCAPE_HELP } from "./consoleEscape.js";

export interface Terminal {
  write(bytes: Uint8Array): void;
  /** Ends the guest's line if it is unfinished, so that what follows starts at column 0. */
  endLine(): void;
  /** stdout holds more than its high-water mark: the writer should wait for `onDrain`. */
  full(): boolean;
  /** Calls `listener` each time stdout drained. */
  onDrain(listener: () => void): void;
  close(): void;
}

export function attachTerminal(onInput: (bytes: Uint8Array) => void, onQuit: () => void, onEnd: () => void): Terminal {
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  if (tty) stdin.setRawMode(true);
  const escape = new ConsoleEscape();
  let midLine = false;
  const write = (bytes: Uint8Array) => {
    if (bytes.length) midLine = bytes[bytes.length - 1] !== 0x0a;
    process.stdout.write(bytes);
  };
  const say = (text: string) => {
    endLine();
    process.stdout.write(text.replaceAll("\n", "\r\n") + "\r\n");
  };
  const endLine = () => {
    // Only on a terminal: through a pipe, stdout carries exactly what the guest wrote.
    if (midLine && process.stdout.isTTY) process.stdout.write("\r\n");
    midLine = false;
  };
  const onData = (data: Buffer) => {
    if (!tty) return onInput(new Uint8Array(data));
    escape.feed(new Uint8Array(data), onInput, (command) => {
      if (command === "help") return say(ESCAPE_HELP);
      say("paravm: the VM was ended (Ctrl-A x)");
      onQuit();
    });
  };
  const drainListeners: (() => void)[] = [];
  stdin.on("data", onData);
  stdin.on("end", onEnd);
  stdin.resume();
  return {
    write,
    endLine,
    full: () => process.stdout.writableNeedDrain,
    onDrain: (listener) => {
      process.stdout.on("drain", listener);
      drainListeners.push(listener);
    },
    close: () => {
      for (const l of drainListeners.splice(0)) process.stdout.off("drain", l);
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      if (tty) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
