// Named event counters (frames, drops by reason, connections …) for --stats. Every drop in the
// network stack is counted under a name that says why, so a silent guest can be diagnosed.

export class Counters {
  private readonly values = new Map<string, number>();

  count(name: string, n = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** A copy, sorted by name. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
