// Short cuts for binary64 add, sub, mul and div in round-to-nearest-even, the mode compiled
// code runs in: the host's double arithmetic gives the result, and an error-free
// transformation tells whether it was exact (NX). Anything near the edges of the range
// (subnormals, overflow, NaN, infinities, zeros) returns null and goes to softfloat.

import type { Result } from "./softfloat.js";

const buf = new DataView(new ArrayBuffer(8));
const MIN_SAFE = 2 ** -900; // far above the subnormal range: error terms stay exact
const MAX_SAFE = 2 ** 996; // SPLIT · 2^996 is still finite: the Dekker split cannot overflow
const SPLIT = 134217729; // 2^27 + 1

function toDouble(bits: bigint): number {
  buf.setBigUint64(0, bits, true);
  return buf.getFloat64(0, true);
}

function toBits(v: number): bigint {
  buf.setFloat64(0, v, true);
  return buf.getBigUint64(0, true);
}

function inRange(v: number): boolean {
  const m = Math.abs(v);
  return m >= MIN_SAFE && m <= MAX_SAFE;
}

/** The rounding error of the product a·b (Dekker): a·b = p + error exactly. */
function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (p - ah * bh - al * bh - ah * bl);
}

/** Whether the last fastArith result was exact. */
export let fastExact = true;

/**
 * a op b (0 add, 1 sub, 2 mul, 3 div) in RNE on host doubles, or null when an operand or the
 * result lies outside the range where the error terms are exact.
 */
export function fastArith(funct5: number, a: number, b: number): number | null {
  if (!inRange(a) || !inRange(b)) return null;
  let r: number;
  switch (funct5) {
    case 0:
    case 1: {
      const bb = funct5 === 0 ? b : -b;
      r = a + bb;
      if (!inRange(r)) return null;
      const v = r - a;
      fastExact = a - (r - v) + (bb - v) === 0;
      break;
    }
    case 2:
      r = a * b;
      if (!inRange(r)) return null;
      fastExact = productError(a, b, r) === 0;
      break;
    default:
      r = a / b;
      if (!inRange(r)) return null;
      // exact iff r·b = a exactly
      fastExact = r * b === a && productError(r, b, r * b) === 0;
  }
  return r;
}

/**
 * a·b + c in RNE with one rounding, or null. a·b = p + pe and p + c = s + se exactly; when
 * pe + se = t is itself exact, the exact result is s + t and one host addition rounds it.
 */
export function fastFma(a: number, b: number, c: number): number | null {
  if (!inRange(a) || !inRange(b) || !inRange(c)) return null;
  const p = a * b;
  if (!inRange(p)) return null;
  const pe = productError(a, b, p);
  const s = p + c;
  if (!inRange(s)) return null;
  let v = s - p;
  const se = p - (s - v) + (c - v);
  const t = pe + se;
  v = t - pe;
  if (pe - (t - v) + (se - v) !== 0) return null;
  const r = s + t;
  if (!inRange(r)) return null;
  v = r - s;
  fastExact = s - (r - v) + (t - v) === 0;
  return r;
}

/** fastArith on encodings, for tests against softfloat. */
export function fastDouble(funct5: number, xBits: bigint, yBits: bigint, rm: number): Result | null {
  if (rm !== 0) return null;
  const r = fastArith(funct5, toDouble(xBits), toDouble(yBits));
  return r === null ? null : { bits: toBits(r), flags: fastExact ? 0 : 1 };
}
