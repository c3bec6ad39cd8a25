// Exit accounting: how often guest execution stopped for host code, by cause, and the host
// time spent there. The evidence of what paravirtualization saves (docs/design.md, "Exits").

export class ExitStats {
  private readonly counts = new Map<string, { count: number; ns: number }>();

  add(cause: string, ns = 0, count = 1): void {
    const e = this.counts.get(cause);
    if (e) {
      e.count += count;
      e.ns += ns;
    } else this.counts.set(cause, { count, ns });
  }

  entries(): { cause: string; count: number; ms: number }[] {
    return [...this.counts]
      .map(([cause, e]) => ({ cause, count: e.count, ms: e.ns / 1e6 }))
      .sort((a, b) => b.count - a.count);
  }

  /** A table for --stats. */
  format(title = "exit"): string {
    const rows = this.entries();
    const total = rows.reduce((s, r) => s + r.count, 0);
    const width = Math.max(5, ...rows.map((r) => r.cause.length));
    const lines = [`${title.padEnd(width)}  ${"count".padStart(10)}  ${"host ms".padStart(9)}`];
    for (const r of rows)
      lines.push(`${r.cause.padEnd(width)}  ${String(r.count).padStart(10)}  ${r.ms.toFixed(1).padStart(9)}`);
    lines.push(`${"total".padEnd(width)}  ${String(total).padStart(10)}`);
    return lines.join("\n");
  }
}
