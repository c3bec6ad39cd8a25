// The options of one paravm command, GNU style: --name VALUE, --name=VALUE, -h. Parsed here
// rather than by node:util's parseArgs, whose errors run to several lines without a hint and
// which refuses a value that starts with '-' (--timeout -1 must reach the range check).

import { UsageError } from "./usageError.js";

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}

type OptionValue<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[]
    : string;

export type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]?: OptionValue<O[K]> };

export interface CommandLine<O extends Record<string, OptionSpec>> {
  args: readonly string[];
  options: O;
  allowPositionals?: boolean;
}

export function parseOptions<O extends Record<string, OptionSpec>>(
  line: CommandLine<O>,
): { values: OptionValues<O>; positionals: string[] } {
  const { args, options } = line;
  const values: Record<string, string | string[] | boolean> = {};
  const positionals: string[] = [];
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name]] : [])));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (!line.allowPositionals) throw new UsageError(`unexpected argument '${arg}'`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--")
      ? arg.slice(2, eq < 0 ? undefined : eq)
      : arg.length === 2
        ? shorts.get(arg[1])
        : undefined;
    const spec = name === undefined ? undefined : options[name];
    if (name === undefined || spec === undefined) throw unknownOption(arg, Object.keys(options));
    const inline = arg.startsWith("--") && eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value, not '${arg}'`);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--"))
        throw new UsageError(
          `--${name} wants a value${next === undefined ? "" : `; write --${name}=VALUE for one that starts with --`}`,
        );
      value = next;
      i++;
    }
    if (spec.multiple) ((values[name] as string[] | undefined) ??= []).push(value);
    else if (name in values) throw new UsageError(`--${name} given twice ('${values[name]}' and '${value}')`);
    else values[name] = value;
  }
  return { values: values as OptionValues<O>, positionals };
}

function unknownOption(arg: string, names: string[]): UsageError {
  const typed = arg.replace(/^-+/, "").split("=")[0];
  const guess = closest(typed, names);
  return new UsageError(`unknown option '${arg}'${guess ? `; did you mean --${guess}?` : ""}`);
}

/**
 * The name `typed` was meant to be, if one stands out: the only one it begins (--mem), the only
 * one sharing most of it as a prefix (--max-instrs), or one at most 2 edits away (--kernal).
 */
export function closest(typed: string, names: readonly string[]): string | undefined {
  if (!typed) return undefined;
  const prefixed = names.filter((n) => n.startsWith(typed));
  if (prefixed.length === 1) return prefixed[0];
  const enough = Math.max(4, Math.ceil(typed.length * 0.6));
  const abbreviated = names.filter((n) => sharedPrefix(typed, n) >= enough);
  if (abbreviated.length === 1) return abbreviated[0];
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(typed.length / 2));
  for (const n of names) {
    const d = editDistance(typed, n);
    if (d <= bestDistance && (best === undefined || d < bestDistance)) [best, bestDistance] = [n, d];
  }
  return best;
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/** Levenshtein distance, with a swap of neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
