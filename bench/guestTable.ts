// The results of bench/guest.ts: every sample of every row for every system, their medians,
// and the markdown table with the ratios to QEMU.

import type { System, SystemKey } from "./guestSystems.js";

export interface Row {
  key: string;
  label: string;
  unit: "s" | "MiB";
  samples: Partial<Record<SystemKey, number[]>>;
  /** For the guest-clock rows: the host's time of the same runs, as a cross-check. */
  hostSamples?: Partial<Record<SystemKey, number[]>>;
  errors: Partial<Record<SystemKey, string[]>>;
  /** What the table shows of the samples; median if not given. */
  statistic?: "median" | "max";
  /** Why the row was not measured at all (e.g. its guest is not built). */
  skipped?: string;
  /** Systems the row does not apply to, and why. */
  notApplicable?: Partial<Record<SystemKey, string>>;
}

export function newRow(key: string, label: string, unit: Row["unit"] = "s"): Row {
  return { key, label, unit, samples: {}, errors: {} };
}

export function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function addSample(row: Row, system: SystemKey, value: number, host?: number): void {
  (row.samples[system] ??= []).push(value);
  if (host !== undefined) ((row.hostSamples ??= {})[system] ??= []).push(host);
}

export function addError(row: Row, system: SystemKey, message: string): void {
  (row.errors[system] ??= []).push(message);
}

/** The row's statistic of one system's samples. */
function summary(row: Row, system: SystemKey): number | undefined {
  const xs = row.samples[system] ?? [];
  if (row.statistic === "max") return xs.length ? Math.max(...xs) : undefined;
  return median(xs);
}

function number(v: number, unit: Row["unit"]): string {
  if (unit === "MiB") return `${v.toFixed(0)} MiB`;
  return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} s`;
}

function cell(row: Row, system: SystemKey): string {
  if (row.skipped) return "–";
  const na = row.notApplicable?.[system];
  if (na) return `n/a (${na})`;
  const m = summary(row, system);
  if (m !== undefined) return number(m, row.unit);
  return row.errors[system]?.length ? "failed" : "–";
}

function ratio(row: Row, system: SystemKey): string {
  const a = summary(row, system);
  const q = summary(row, "qemu");
  if (a === undefined || q === undefined || q <= 0) return "–";
  return `${(a / q).toFixed(1)}x`;
}

/** A markdown table cell: GitHub's tables split at every `|`, even in code. */
const escape = (s: string): string => s.replace(/\|/g, "\\|");

export function markdownTable(rows: Row[], systems: System[]): string {
  const others = systems.filter((s) => s.key !== "qemu");
  const hasQemu = systems.some((s) => s.key === "qemu");
  const head = ["in the guest", ...systems.map((s) => s.name)];
  if (hasQemu) head.push(...others.map((s) => `${s.name} / QEMU`));
  const lines = [head, head.map(() => "---")];
  for (const r of rows) {
    const line = [r.skipped ? `${r.label}: ${r.skipped}` : r.label, ...systems.map((s) => cell(r, s.key))];
    if (hasQemu) line.push(...others.map((s) => ratio(r, s.key)));
    lines.push(line);
  }
  return lines.map((l) => `| ${l.map(escape).join(" | ")} |`).join("\n");
}

/** Every error, once per row and system, for under the table. */
export function errorLines(rows: Row[], systems: System[]): string[] {
  const out: string[] = [];
  for (const r of rows)
    for (const s of systems)
      for (const e of new Set(r.errors[s.key] ?? [])) out.push(`${s.name}, ${r.key}: ${e.split("\n")[0]}`);
  return out;
}
