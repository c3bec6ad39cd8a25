// The README's `console` blocks as transcripts: `$ COMMAND` runs on the host, `paravm:/# COMMAND`
// is typed at the shell of the guest started last, and every other line is output that the
// command before it must print (`…` stands for anything, runs of blanks for any blanks).

import { readFileSync } from "node:fs";

export interface Step {
  where: "host" | "guest";
  command: string;
  /** output lines the command prints, in this order (others may come between) */
  expect: string[];
}

export interface Transcript {
  /** 1-based line of the README where the block starts */
  line: number;
  steps: Step[];
}

const GUEST_PROMPT = /^paravm:[^#\n]*# /;

export function readTranscripts(markdownFile: string): Transcript[] {
  const lines = readFileSync(markdownFile, "utf8").split("\n");
  const out: Transcript[] = [];
  let current: Transcript | undefined;
  lines.forEach((text, i) => {
    if (current === undefined) {
      if (text.trim() === "```console") current = { line: i + 1, steps: [] };
      return;
    }
    if (text.trim() === "```") {
      out.push(current);
      current = undefined;
      return;
    }
    const guest = GUEST_PROMPT.exec(text);
    const last = current.steps[current.steps.length - 1];
    if (text.startsWith("$ ")) current.steps.push({ where: "host", command: text.slice(2), expect: [] });
    else if (guest) current.steps.push({ where: "guest", command: text.slice(guest[0].length), expect: [] });
    else if (text.trim() !== "") {
      if (last === undefined) throw new Error(`README line ${i + 1}: output before any command`);
      last.expect.push(text);
    }
  });
  if (current !== undefined) throw new Error(`README line ${current.line}: console block not closed`);
  return out;
}

/** An expected line as a pattern for one whole (trimmed) output line. */
function linePattern(expected: string): RegExp {
  const parts = expected
    .trim()
    .split("…")
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+"));
  return new RegExp(`^${parts.join(".*")}$`);
}

/** The first expected line not found, in order, among the lines of `output`; undefined if all are. */
export function missingLine(output: string, expect: string[]): string | undefined {
  const lines = output.split("\n").map((l) => l.trim());
  let at = 0;
  for (const e of expect) {
    const re = linePattern(e);
    while (at < lines.length && !re.test(lines[at])) at++;
    if (at === lines.length) return e;
    at++;
  }
  return undefined;
}
