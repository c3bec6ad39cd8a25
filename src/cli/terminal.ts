// The host side of the guest console: stdin/stdout. In a TTY, raw mode with QEMU's escape:
// Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A. Through pipes, plain bytes both ways.

const CTRL_A = 0x01;

export interface Terminal {
  write(bytes: Uint8Array): void;
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
  let escape = false;
  const onData = (data: Buffer) => {
    if (!tty) return onInput(new Uint8Array(data));
    const out: number[] = [];
    for (const b of data) {
      if (escape) {
        escape = false;
        if (b === 0x78 /* x */) return onQuit();
        if (b === CTRL_A) out.push(CTRL_A);
        continue;
      }
      if (b === CTRL_A) escape = true;
      else out.push(b);
    }
    if (out.length) onInput(Uint8Array.from(out));
  };
  const drainListeners: (() => void)[] = [];
  stdin.on("data", onData);
  stdin.on("end", onEnd);
  stdin.resume();
  return {
    write: (bytes) => {
      process.stdout.write(bytes);
    },
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
