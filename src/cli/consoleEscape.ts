// QEMU's console escape, on the bytes typed into a terminal: Ctrl-A then a key is a command
// for paravm, not input for the guest. Ctrl-A Ctrl-A sends one Ctrl-A; an unknown key after
// Ctrl-A is dropped, as in QEMU. Kept apart from the TTY so that it can be tested.

export const CTRL_A = 0x01;

export type EscapeCommand = "help" | "quit";

const KEYS: Record<number, EscapeCommand> = { 0x68 /* h */: "help", 0x78 /* x */: "quit" };

export const ESCAPE_HELP = [
  "Ctrl-A h    print this help",
  "Ctrl-A x    end the VM (paravm exits)",
  "Ctrl-A C-a  send Ctrl-A to the guest",
].join("\n");

export class ConsoleEscape {
  private pending = false;

  /** Splits typed bytes into guest input and commands, in the order they were typed. */
  feed(data: Uint8Array, onInput: (bytes: Uint8Array) => void, onCommand: (c: EscapeCommand) => void): void {
    let out: number[] = [];
    const flush = () => {
      if (out.length) onInput(Uint8Array.from(out));
      out = [];
    };
    for (const b of data) {
      if (!this.pending) {
        if (b === CTRL_A) this.pending = true;
        else out.push(b);
        continue;
      }
      this.pending = false;
      if (b === CTRL_A) out.push(CTRL_A);
      else if (KEYS[b]) {
        flush();
        onCommand(KEYS[b]);
        if (KEYS[b] === "quit") return; // what follows is typed after the VM ended
      }
    }
    flush();
  }
}
