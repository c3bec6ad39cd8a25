// Sizes on the command line: "512M", "1G", "1.5G", "65536", "64K".

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parses a size with an optional K/M/G/T suffix (binary units); null if malformed or not whole bytes. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?i?B?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * UNITS[(m[2] ?? "").toUpperCase()];
  return Number.isSafeInteger(n) ? n : null;
}

/** A size in the largest unit that divides it: 4095M, 64K, 1000. */
export function formatSize(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"])
    if (bytes >= UNITS[unit] && bytes % UNITS[unit] === 0) return `${bytes / UNITS[unit]}${unit}`;
  return String(bytes);
}
