// Sizes on the command line: "512M", "1G", "65536", "64K".

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** Parses a size with an optional K/M/G suffix (binary units); returns null if malformed. */
export function parseSize(text: string): number | null {
  const m = /^(\d+)([KMG])?i?B?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * UNITS[(m[2] ?? "").toUpperCase()];
  return Number.isSafeInteger(n) ? n : null;
}
