import { test } from "node:test";
import assert from "node:assert/strict";
import { ConsoleEscape, ESCAPE_HELP, type EscapeCommand } from "../../src/cli/consoleEscape.js";

/** Feeds chunks and returns what reached the guest and the commands, in one ordered list. */
function typed(...chunks: string[]): Array<string | EscapeCommand> {
  const escape = new ConsoleEscape();
  const events: Array<string | EscapeCommand> = [];
  for (const c of chunks)
    escape.feed(
      new TextEncoder().encode(c),
      (bytes) => events.push(new TextDecoder().decode(bytes)),
      (command) => events.push(command),
    );
  return events;
}

test("console escape: Ctrl-A h asks for the key list, between the input typed around it", () => {
  assert.deepEqual(typed("ab\x01hcd"), ["ab", "help", "cd"]);
});

test("console escape: Ctrl-A x quits and drops what was typed after it", () => {
  assert.deepEqual(typed("ls\x01xrm -rf /\r"), ["ls", "quit"]);
});

test("console escape: Ctrl-A Ctrl-A sends one Ctrl-A; an unknown key after Ctrl-A is dropped", () => {
  assert.deepEqual(typed("\x01\x01"), ["\x01"]);
  assert.deepEqual(typed("a\x01qb"), ["ab"]);
});

test("console escape: Ctrl-A and its key may arrive in separate reads", () => {
  assert.deepEqual(typed("a\x01", "x"), ["a", "quit"]);
  assert.deepEqual(typed("\x01", "\x01z"), ["\x01z"]);
});

test("console escape: the key list names every key", () => {
  for (const key of ["Ctrl-A h", "Ctrl-A x", "Ctrl-A C-a"]) assert.match(ESCAPE_HELP, new RegExp(key));
});
