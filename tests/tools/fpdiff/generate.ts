// Case generator for the F/D differential test (fpdiff.test.ts): a deterministic table of
// (operation, rounding mode, operands) for harness.S, drawn from a fixed-seed PRNG with a
// strong bias to the edges of IEEE 754 arithmetic: signed zeros, infinities, quiet and
// signalling NaNs with payloads, subnormals, the overflow and underflow thresholds,
// rounding ties, exact results, cancellation, integer conversion boundaries and improperly
// NaN-boxed single-precision operands.
//
// Table format (little-endian), CASE_BYTES per case:
//   +0  u32 op      index into OPS (the harness jumps through ops.inc, generated from OPS)
//   +4  u8  frm     0..4, written to frm before the operation (the instructions use rm = dyn)
//   +5  u8  fflags  written to fflags before the operation (mostly 0: the flags accrue)
//   +6  u8  rm      static rounding mode 0..4 for the "/rm" operations (frm then differs)
//   +7  u8  0
//   +8  u64 a       first operand: raw 64-bit f-register pattern, or x-register value
//   +16 u64 b
//   +24 u64 c
// The reserved rounding modes 5-7 are never used. The harness writes RESULT_BYTES per case:
// u64 result (x register, or the whole 64-bit f register) and u64 fcsr read right after the
// operation (frm << 5 | fflags).
//
// Usable on its own: node dist/tests/tools/fpdiff/generate.js OUTDIR [SEED]

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CASE_BYTES = 32;
export const RESULT_BYTES = 16;
export const DEFAULT_SEED = 0x5eed_f00d;

/** How an operand is drawn (and printed). */
type Src = "s" | "d" | "w" | "l" | "raw";
type Gen = "arith" | "sqrt" | "fma" | "sgnj" | "minmax" | "cmp" | "class" | "f2i" | "i2f" | "move" | "cvt";

export interface OpInfo {
  /** Assembly mnemonic, e.g. "fadd.s". */
  name: string;
  /** Handler label in harness.S. */
  label: string;
  /** Operand kinds, in order a, b, c. */
  srcs: Src[];
  /** Destination: f register (whole 64 bits) or x register. */
  dst: "f" | "x";
  gen: Gen;
  /** Relative number of cases. */
  weight: number;
  /** The instruction's rm field is a static mode (the case's rm byte), not dyn. */
  staticRm: boolean;
}

function op(name: string, srcs: Src[], dst: "f" | "x", gen: Gen, weight: number): OpInfo {
  const staticRm = name.endsWith("/rm");
  const label = "op_" + name.replace(/\/rm$/, "_static").replace(/\./g, "_");
  return { name, label, srcs, dst, gen, weight, staticRm };
}

function perFormat(): OpInfo[] {
  const ops: OpInfo[] = [];
  for (const f of ["s", "d"] as const) {
    ops.push(
      op(`fadd.${f}`, [f, f], "f", "arith", 5),
      op(`fsub.${f}`, [f, f], "f", "arith", 4),
      op(`fmul.${f}`, [f, f], "f", "arith", 5),
      op(`fdiv.${f}`, [f, f], "f", "arith", 4),
      op(`fsqrt.${f}`, [f], "f", "sqrt", 3),
      op(`fmadd.${f}`, [f, f, f], "f", "fma", 5),
      op(`fmsub.${f}`, [f, f, f], "f", "fma", 3),
      op(`fnmadd.${f}`, [f, f, f], "f", "fma", 3),
      op(`fnmsub.${f}`, [f, f, f], "f", "fma", 3),
      op(`fsgnj.${f}`, [f, f], "f", "sgnj", 1),
      op(`fsgnjn.${f}`, [f, f], "f", "sgnj", 1),
      op(`fsgnjx.${f}`, [f, f], "f", "sgnj", 1),
      op(`fmin.${f}`, [f, f], "f", "minmax", 1.5),
      op(`fmax.${f}`, [f, f], "f", "minmax", 1.5),
      op(`feq.${f}`, [f, f], "x", "cmp", 1),
      op(`flt.${f}`, [f, f], "x", "cmp", 1),
      op(`fle.${f}`, [f, f], "x", "cmp", 1),
      op(`fclass.${f}`, [f], "x", "class", 1),
      op(`fcvt.w.${f}`, [f], "x", "f2i", 2),
      op(`fcvt.wu.${f}`, [f], "x", "f2i", 2),
      op(`fcvt.l.${f}`, [f], "x", "f2i", 2),
      op(`fcvt.lu.${f}`, [f], "x", "f2i", 2),
      op(`fcvt.${f}.w`, ["w"], "f", "i2f", 1.5),
      op(`fcvt.${f}.wu`, ["w"], "f", "i2f", 1.5),
      op(`fcvt.${f}.l`, ["l"], "f", "i2f", 1.5),
      op(`fcvt.${f}.lu`, ["l"], "f", "i2f", 1.5),
    );
  }
  return ops;
}

/** Every operation, in jump-table order (ops.inc is generated from this list). */
export const OPS: OpInfo[] = [
  ...perFormat(),
  op("fmv.x.w", ["s"], "x", "move", 0.5),
  op("fmv.w.x", ["l"], "f", "move", 0.5),
  op("fmv.x.d", ["d"], "x", "move", 0.5),
  op("fmv.d.x", ["l"], "f", "move", 0.5),
  op("fcvt.s.d", ["d"], "f", "cvt", 3),
  op("fcvt.d.s", ["s"], "f", "cvt", 2),
  // flw a (low 32 bits of a, from memory: must come back NaN-boxed); fsw a into memory
  // holding b (stores the low 32 bits of the f register as they are).
  op("flw", ["raw"], "f", "move", 0.5),
  op("fsw", ["s", "raw"], "x", "move", 0.5),
  // A sample with a static rounding mode in the instruction (frm is set to another mode).
  op("fadd.s/rm", ["s", "s"], "f", "arith", 1),
  op("fsub.d/rm", ["d", "d"], "f", "arith", 1),
  op("fmul.s/rm", ["s", "s"], "f", "arith", 1),
  op("fmul.d/rm", ["d", "d"], "f", "arith", 1),
  op("fdiv.d/rm", ["d", "d"], "f", "arith", 1),
  op("fsqrt.s/rm", ["s"], "f", "sqrt", 0.5),
  op("fmadd.s/rm", ["s", "s", "s"], "f", "fma", 1),
  op("fnmsub.d/rm", ["d", "d", "d"], "f", "fma", 1),
  op("fcvt.w.d/rm", ["d"], "x", "f2i", 0.5),
  op("fcvt.lu.s/rm", ["s"], "x", "f2i", 0.5),
  op("fcvt.s.l/rm", ["l"], "f", "i2f", 0.5),
  op("fcvt.s.d/rm", ["d"], "f", "cvt", 0.5),
];

// ------------------------------------------------------------------ PRNG (xoshiro128**)

export class Rng {
  private s = new Uint32Array(4);
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  u32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }
  /** Uniform in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }
  /** Uniform in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
  bool(): boolean {
    return (this.u32() & 1) === 1;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** Random integer of `bits` bits (0..64). */
  bits(bits: number): bigint {
    if (bits <= 0) return 0n;
    const v = (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    return v & ((1n << BigInt(bits)) - 1n);
  }
  u64(): bigint {
    return this.bits(64);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// ---------------------------------------------------------------------- float formats

interface Fmt {
  frac: number;
  expBits: number;
  bias: number;
  /** Largest biased exponent (infinity/NaN). */
  emaxB: number;
  /** Precision p = frac + 1. */
  p: number;
  width: number;
}

const FS: Fmt = { frac: 23, expBits: 8, bias: 127, emaxB: 255, p: 24, width: 32 };
const FD: Fmt = { frac: 52, expBits: 11, bias: 1023, emaxB: 2047, p: 53, width: 64 };

const M64 = (1n << 64n) - 1n;
const BOX = 0xffffffff_00000000n;

function pack(F: Fmt, sign: boolean, expB: number, frac: bigint): bigint {
  return (
    ((sign ? 1n : 0n) << BigInt(F.width - 1)) |
    (BigInt(expB) << BigInt(F.frac)) |
    (frac & ((1n << BigInt(F.frac)) - 1n))
  );
}

function fracMask(F: Fmt): bigint {
  return (1n << BigInt(F.frac)) - 1n;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/**
 * The encoding of ±mant·2^exp rounded to nearest-even (saturating to infinity), computed
 * independently of paravm's softfloat: the generator only needs nearby values.
 */
function encode(F: Fmt, sign: boolean, mant: bigint, exp: number): bigint {
  if (mant === 0n) return pack(F, sign, 0, 0n);
  const emin = 1 - F.bias;
  let top = exp + bitLength(mant) - 1;
  // quantum: exponent of the last kept bit
  let quantum = Math.max(top - F.frac, emin - F.frac);
  let q: bigint;
  if (quantum <= exp) q = mant << BigInt(exp - quantum);
  else {
    const sh = BigInt(quantum - exp);
    q = mant >> sh;
    const rem = mant & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  if (bitLength(q) > F.p) {
    q >>= 1n;
    quantum++;
  }
  top = quantum + bitLength(q) - 1;
  if (top > F.bias) return pack(F, sign, F.emaxB, 0n);
  if (bitLength(q) < F.p) return pack(F, sign, 0, q); // subnormal (or zero)
  return pack(F, sign, quantum + F.frac + F.bias, q);
}

/** Exact value of a finite encoding as sign, mant, exp (mant·2^exp), or null. */
function decode(F: Fmt, bits: bigint): { sign: boolean; mant: bigint; exp: number } | null {
  const sign = ((bits >> BigInt(F.width - 1)) & 1n) === 1n;
  const e = Number((bits >> BigInt(F.frac)) & BigInt(F.emaxB));
  const m = bits & fracMask(F);
  if (e === F.emaxB) return null;
  if (e === 0) return { sign, mant: m, exp: 1 - F.bias - F.frac };
  return { sign, mant: m | (1n << BigInt(F.frac)), exp: e - F.bias - F.frac };
}

// ------------------------------------------------------------------- operand drawing

function specials(F: Fmt, r: Rng): bigint[] {
  const fm = fracMask(F);
  const qbit = 1n << BigInt(F.frac - 1);
  const payload = r.bits(F.frac - 1) || 1n;
  return [
    pack(F, false, 0, 0n), // +0
    pack(F, true, 0, 0n), // -0
    pack(F, false, F.emaxB, 0n), // +inf
    pack(F, true, F.emaxB, 0n), // -inf
    pack(F, false, F.emaxB, qbit), // canonical qNaN
    pack(F, r.bool(), F.emaxB, qbit | payload), // qNaN with payload
    pack(F, r.bool(), F.emaxB, payload), // sNaN with payload
    pack(F, r.bool(), F.emaxB, 1n), // sNaN, smallest payload
    pack(F, r.bool(), F.emaxB, fm), // qNaN, all-ones payload
    pack(F, r.bool(), 0, 1n), // smallest subnormal
    pack(F, r.bool(), 0, fm), // largest subnormal
    pack(F, r.bool(), 0, qbit), // half the smallest normal
    pack(F, r.bool(), 1, 0n), // smallest normal
    pack(F, r.bool(), 1, 1n),
    pack(F, r.bool(), F.emaxB - 1, fm), // max finite
    pack(F, r.bool(), F.emaxB - 1, fm - 1n),
    pack(F, r.bool(), F.emaxB - 1, 0n), // largest power of two
    pack(F, r.bool(), F.bias, 0n), // ±1
    pack(F, false, F.bias, 0n), // 1
    pack(F, r.bool(), F.bias, 1n), // 1 + ulp
    pack(F, r.bool(), F.bias - 1, fm), // 1 - ulp/2
    pack(F, r.bool(), F.bias + 1, 0n), // 2
    pack(F, r.bool(), F.bias - 1, 0n), // 0.5
    pack(F, r.bool(), F.bias + 1, qbit), // 3
    pack(F, r.bool(), F.bias, qbit), // 1.5
  ];
}

function randFrac(F: Fmt, r: Rng): bigint {
  const fm = fracMask(F);
  switch (r.int(9)) {
    case 0:
      return 0n;
    case 1:
      return fm;
    case 2:
      return r.bits(r.range(1, 4)); // a few low bits
    case 3:
      return fm - r.bits(r.range(1, 4)); // nearly all ones
    case 4: {
      const k = r.range(1, 8); // a few top bits: products/sums land on ties
      return r.bits(k) << BigInt(F.frac - k);
    }
    case 5: {
      const k = r.range(1, F.frac - 1); // 1 followed by zeros at a random place, or ones
      return r.bool() ? 1n << BigInt(k) : (1n << BigInt(k)) - 1n;
    }
    default:
      return r.bits(F.frac);
  }
}

function randExpB(F: Fmt, r: Rng): number {
  switch (r.int(8)) {
    case 0:
      return r.range(0, F.emaxB); // anything, including subnormals, infinities and NaNs
    case 1:
      return r.range(0, F.p + 2); // subnormals and the bottom of the normal range
    case 2:
      return F.emaxB - r.range(1, 4); // top of the range
    case 3:
    case 4:
      return r.range(1, F.emaxB - 1);
    default:
      return F.bias + r.range(-12, 12); // ordinary magnitudes
  }
}

/** A floating-point operand of format F (not boxed). */
function randFloat(F: Fmt, r: Rng): bigint {
  const x = r.int(10);
  if (x < 2) return r.pick(specials(F, r));
  if (x === 2) return r.bits(F.width); // random bit pattern
  return pack(F, r.bool(), randExpB(F, r), randFrac(F, r));
}

/** A value close to `bits`: a few ulps away (the sign may flip through zero). */
function nudge(F: Fmt, bits: bigint, r: Rng): bigint {
  const d = BigInt(r.range(-3, 3));
  const mag = bits & ((1n << BigInt(F.width - 1)) - 1n);
  const sign = bits >> BigInt(F.width - 1);
  let m = mag + d;
  if (m < 0n) m = 0n;
  if (m > pack(F, false, F.emaxB, 0n)) m = pack(F, false, F.emaxB, 0n);
  return (sign << BigInt(F.width - 1)) | m;
}

/** b related to a: same magnitude region shifted by an exponent offset (ties, cancellation). */
function related(F: Fmt, a: bigint, r: Rng): bigint {
  const ea = Number((a >> BigInt(F.frac)) & BigInt(F.emaxB));
  const choice = r.int(5);
  if (choice === 0) return nudge(F, a ^ (r.bool() ? 1n << BigInt(F.width - 1) : 0n), r); // ±a ± ulps
  let eb = ea + r.range(-F.p - 3, F.p + 3);
  if (choice === 1) eb = ea - F.p - r.range(-1, 1); // around half an ulp of a
  eb = Math.max(0, Math.min(F.emaxB - 1, eb));
  return pack(F, r.bool(), eb, randFrac(F, r));
}

/** An odd mantissa of exactly k bits. */
function oddMant(r: Rng, k: number): bigint {
  if (k <= 1) return 1n;
  return (1n << BigInt(k - 1)) | (r.bits(k - 1) | 1n);
}

/** Operands a, b of a product/quotient whose result lands near biased exponent t. */
function targeted(F: Fmt, r: Rng, division: boolean): [bigint, bigint] {
  const t = r.bool() ? r.range(-F.p - 2, 3) : F.emaxB - r.range(-1, 3);
  const ea = r.range(1, F.emaxB - 1);
  // unbiased: t-bias = (ea-bias) ± (eb-bias)
  const eb = division ? ea - t + F.bias : t - ea + F.bias;
  if (eb < 0 || eb >= F.emaxB) return [pack(F, r.bool(), ea, randFrac(F, r)), randFloat(F, r)];
  return [pack(F, r.bool(), ea, randFrac(F, r)), pack(F, r.bool(), eb, randFrac(F, r))];
}

/** A biased exponent in the normal range, uniform or near either end. */
function anyExpB(F: Fmt, r: Rng): number {
  const x = r.int(3);
  if (x === 0) return F.emaxB - 1 - r.range(0, 40);
  if (x === 1) return 1 + r.range(0, 40);
  return r.range(1, F.emaxB - 1);
}

/**
 * Operands with short mantissas (a few significant bits) anywhere in the exponent range,
 * so that sums, products and quotients are often exact: the exact-result paths (NX clear)
 * near the top and the bottom of the range.
 */
function fewBitsPair(F: Fmt, r: Rng, kind: "add" | "mul" | "div"): [bigint, bigint] {
  const short = () => {
    const k = r.range(0, 6);
    return r.bits(k) << BigInt(F.frac - k);
  };
  const t = anyExpB(F, r); // biased exponent of the result
  let ea: number;
  let eb: number;
  if (kind === "add") {
    ea = t;
    eb = t + r.range(-8, 8);
  } else if (r.bool()) {
    // one operand of ordinary magnitude: the result lies next to the other one
    eb = F.bias + r.range(-3, 3);
    ea = kind === "mul" ? t - eb + F.bias : t + eb - F.bias;
    ea = Math.max(1, Math.min(F.emaxB - 1, ea));
  } else {
    ea = r.range(Math.max(1, t - F.bias + 1), Math.min(F.emaxB - 1, t + F.bias - 1));
    eb = kind === "mul" ? t - ea + F.bias : ea - t + F.bias;
  }
  eb = Math.max(1, Math.min(F.emaxB - 1, eb));
  return [pack(F, r.bool(), ea, short()), pack(F, r.bool(), eb, short())];
}

/** Operands whose exact product has p+1 significant bits ending in 1: a rounding tie. */
function tieProduct(F: Fmt, r: Rng): [bigint, bigint] {
  const ka = r.range(2, F.p - 1);
  const kb = F.p + 1 - ka + r.range(0, 1);
  const ma = oddMant(r, ka);
  const mb = oddMant(r, kb);
  const ea = r.range(-20, 20);
  const eb = r.chance(0.2) ? r.range(-F.bias - F.p, -F.bias + 4) - ea : r.range(-20, 20);
  return [encode(F, r.bool(), ma, ea - ka + 1), encode(F, r.bool(), mb, eb - kb + 1)];
}

/** a = q·b exactly, so that a/b is exact (or lands on a subnormal tie). */
function exactQuotient(F: Fmt, r: Rng): [bigint, bigint] {
  const kq = r.range(1, Math.floor(F.p / 2));
  const kb = r.range(1, F.p - kq);
  const q = oddMant(r, kq);
  const b = oddMant(r, kb);
  const eb = r.range(-30, 30);
  const eq = r.chance(0.2) ? r.range(-F.bias - F.p - 2, -F.bias + 2) : r.range(-30, 30);
  return [encode(F, r.bool(), q * b, eb + eq), encode(F, r.bool(), b, eb)];
}

/**
 * Operands a, b whose product (or quotient a/b) lands within a few ulps of a rounding
 * threshold: the smallest normal (tininess after rounding decides UF), the subnormal
 * quanta, the largest finite value (overflow).
 */
function nearThreshold(F: Fmt, r: Rng, division: boolean): [bigint, bigint] {
  const emin = 1 - F.bias;
  // target = tm · 2^te, exactly
  let tm: bigint;
  let te: number;
  const x = r.int(3);
  if (x === 0) {
    // just below / at the smallest normal: 2^emin · (1 - 2^-j)
    const j = r.range(F.p - 2, F.p + 3);
    tm = (1n << BigInt(j)) - BigInt(r.range(0, 1));
    te = emin - j;
  } else if (x === 1) {
    // a small multiple of half the smallest subnormal
    tm = BigInt(r.range(1, 7));
    te = emin - F.frac - 1;
  } else {
    // around the largest finite value and the overflow threshold: 2^(emax+1) · (1 - 2^-j)
    const j = r.range(F.p - 1, F.p + 2);
    tm = (1n << BigInt(j)) - BigInt(r.range(0, 1));
    te = F.bias + 1 - j;
  }
  const a = pack(F, r.bool(), r.range(F.bias - 40, F.bias + 40), randFrac(F, r));
  const da = decode(F, a);
  if (!da || da.mant === 0n) return [a, randFloat(F, r)];
  const sign = r.bool();
  const ext = 2 * F.p + 8;
  let b: bigint;
  if (division) {
    // a/b ≈ target  =>  b ≈ a / target
    const q = (da.mant << BigInt(ext)) / tm;
    b = encode(F, sign, q, da.exp - ext - te);
  } else {
    // a·b ≈ target  =>  b ≈ target / a
    const q = (tm << BigInt(ext)) / da.mant;
    b = encode(F, sign, q, te - ext - da.exp);
  }
  return [a, nudge(F, b, r)];
}

// NaN-boxing: most single-precision operands are properly boxed, a few are not.
function box32(v: bigint, r: Rng): bigint {
  if (!r.chance(0.04)) return BOX | v;
  const upper = r.pick([0n, 0xfffffffen, 0x7fffffffn, 0xffff_fff0n, r.bits(32)]);
  return ((upper << 32n) | v) & M64;
}

// ------------------------------------------------------------------- integer operands

/** Integers near the conversion boundaries, as 64-bit patterns. */
function randInt(r: Rng, F: Fmt | null): bigint {
  const x = r.int(10);
  let v: bigint;
  if (x < 4) {
    const k = r.pick([0, 1, 2, 23, 24, 25, 31, 32, 33, 52, 53, 54, 62, 63, 64, r.range(0, 64)]);
    v = (1n << BigInt(k)) + BigInt(r.range(-3, 3));
    if (r.bool()) v = -v;
  } else if (x < 6 && F) {
    // an integer with more significant bits than the format holds: a tie, or one off
    const len = r.range(F.p + 1, 64);
    const low = len - F.p;
    const half = 1n << BigInt(low - 1);
    const tail = r.pick([half, half - 1n, half + 1n, 0n, r.bits(low)]);
    v = (oddMant(r, F.p) << BigInt(low)) | (tail & ((1n << BigInt(low)) - 1n));
    if (r.bool()) v = -v;
  } else if (x < 7) v = BigInt(r.range(-100, 100));
  else if (x < 8) v = r.bits(r.range(1, 64));
  else v = r.u64();
  return v & M64;
}

/** 32-bit integer operand: the upper half of the register is ignored, so fill it sometimes. */
function randInt32(r: Rng, F: Fmt | null): bigint {
  let v = randInt(r, F);
  const x = r.int(4);
  const lo = v & 0xffffffffn;
  if (x === 0)
    v = (r.bits(32) << 32n) | lo; // garbage above
  else v = BigInt.asUintN(64, BigInt.asIntN(32, lo)); // properly sign-extended
  return v;
}

/** Floats near integer conversion boundaries: 2^k ± small, ties at .5, ±1, 0. */
function convFloat(F: Fmt, r: Rng): bigint {
  const x = r.int(10);
  if (x < 2) return randFloat(F, r);
  if (x < 5) {
    const k = r.pick([0, 1, 15, 16, 30, 31, 32, 33, 52, 53, 62, 63, 64, 65, r.range(0, 70)]);
    const base = pack(F, r.bool(), F.bias + k, 0n);
    return nudge(F, base, r);
  }
  if (x < 6) {
    // the integer range boundaries (±2^31, 2^32, ±2^63, 2^64, 0, 1) ± eighths, then rounded
    const k = r.pick([31, 32, 63, 64, 0, 1]);
    const n = k === 0 ? 0n : 1n << BigInt(k);
    const off = BigInt(r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16]));
    const v = n * 8n + (r.bool() ? off : -off);
    const neg = r.bool();
    return encode(F, neg !== v < 0n, v < 0n ? -v : v, -3);
  }
  // n + fraction with n small enough to keep the fraction
  const nb = r.range(0, Math.min(F.p - 4, 40));
  const n = r.bits(nb);
  const frac = BigInt(r.pick([0, 1, 2, 3, 4, 5, 6, 7])); // eighths: ties at 4
  return encode(F, r.bool(), n * 8n + frac, -3);
}

// ------------------------------------------------------------------- case generation

interface Case {
  a: bigint;
  b: bigint;
  c: bigint;
}

function formatOf(s: Src): Fmt {
  return s === "s" ? FS : FD;
}

function drawCase(o: OpInfo, r: Rng): Case {
  const F = formatOf(o.srcs[0] === "d" || o.name.endsWith(".d") ? "d" : "s");
  const fl = () => randFloat(F, r);
  let v: bigint[];
  switch (o.gen) {
    case "arith": {
      const division = o.name.startsWith("fdiv");
      const product = division || o.name.startsWith("fmul");
      const x = r.int(12);
      if (x < 3) v = [fl(), fl()];
      else if (x < 5) {
        const a = fl();
        v = [a, related(F, a, r)];
      } else if (x < 6) v = fewBitsPair(F, r, division ? "div" : product ? "mul" : "add");
      else if (x < 7 && product) v = targeted(F, r, division);
      else if (x < 8 && product) v = nearThreshold(F, r, division);
      else if (x < 10 && product) v = division ? exactQuotient(F, r) : tieProduct(F, r);
      else {
        const a = pack(F, r.bool(), r.pick([0, 1, 2, F.emaxB - 1, F.emaxB - 2, r.range(0, F.emaxB)]), randFrac(F, r));
        v = [a, r.bool() ? related(F, a, r) : fl()];
      }
      if (r.chance(0.5)) v.reverse();
      break;
    }
    case "sqrt": {
      const x = r.int(10);
      if (x < 4) v = [fl()];
      else if (x < 7) {
        // exact squares, and their neighbours
        const m = oddMant(r, r.range(1, Math.floor(F.p / 2)));
        const e = r.range(-F.bias - Math.floor(F.p / 2), Math.floor(F.bias / 2));
        const sq = encode(F, false, m * m, 2 * e);
        v = [r.bool() ? sq : nudge(F, sq, r)];
      } else v = [pack(F, r.chance(0.1), randExpB(F, r), randFrac(F, r))];
      break;
    }
    case "fma": {
      const x = r.int(10);
      if (x < 3) v = [fl(), fl(), fl()];
      else if (x < 6) {
        // c ≈ -(a·b): massive cancellation, the exact product's tail decides
        const [a, b] = r.bool() ? tieProduct(F, r) : [fl(), fl()];
        const da = decode(F, a);
        const db = decode(F, b);
        let c = fl();
        if (da && db) {
          const p = encode(F, da.sign !== db.sign, da.mant * db.mant, da.exp + db.exp);
          c = nudge(F, p ^ (1n << BigInt(F.width - 1)), r);
          if (r.bool()) c ^= 1n << BigInt(F.width - 1);
        }
        v = [a, b, c];
      } else if (x < 8) {
        // product near a threshold, or exact anywhere in the range; small or related addend
        const y = r.int(4);
        const [a, b] =
          y === 0
            ? targeted(F, r, false)
            : y === 1
              ? nearThreshold(F, r, false)
              : y === 2
                ? fewBitsPair(F, r, "mul")
                : tieProduct(F, r);
        const c = r.bool() ? pack(F, r.bool(), r.range(0, F.p + 2), randFrac(F, r)) : related(F, a, r);
        v = [a, b, c];
      } else {
        // special combinations: ∞·0 with a NaN addend, infinities of opposite signs, zeros
        const sp = specials(F, r);
        v = [r.pick(sp), r.pick(sp), r.bool() ? r.pick(sp) : fl()];
      }
      break;
    }
    case "sgnj":
    case "minmax":
    case "cmp": {
      const a = fl();
      const x = r.int(6);
      const b = x === 0 ? a : x === 1 ? nudge(F, a, r) : x === 2 ? a ^ (1n << BigInt(F.width - 1)) : fl();
      v = r.bool() ? [a, b] : [b, a];
      break;
    }
    case "class":
      v = [fl()];
      break;
    case "f2i":
      v = [convFloat(F, r)];
      break;
    case "i2f": {
      const t = formatOf(o.name.startsWith("fcvt.s") ? "s" : "d");
      v = [o.srcs[0] === "w" ? randInt32(r, t) : randInt(r, t)];
      break;
    }
    case "cvt": {
      if (o.name === "fcvt.d.s") v = [fl()];
      else {
        // doubles around the single-precision range and its rounding points
        const x = r.int(10);
        let d: bigint;
        if (x < 3) d = randFloat(FD, r);
        else if (x < 5) {
          // a double whose low 29 fraction bits make a tie / near tie in single
          const e = FD.bias + r.range(-20, 20);
          const tail = r.pick([1n << 28n, (1n << 28n) - 1n, (1n << 28n) + 1n, 0n, r.bits(29)]);
          d = pack(FD, r.bool(), e, (r.bits(23) << 29n) | tail);
        } else if (x < 7) d = pack(FD, r.bool(), FD.bias + r.range(-FS.bias - FS.p - 3, -FS.bias + 2), randFrac(FD, r));
        else if (x < 9) d = pack(FD, r.bool(), FD.bias + FS.bias + r.range(-1, 1), randFrac(FD, r));
        else d = r.pick(specials(FD, r));
        v = [d];
      }
      break;
    }
    case "move":
      v = o.name === "fmv.x.d" ? [r.chance(0.5) ? fl() : r.u64()] : [r.u64(), r.u64()];
      if (o.name === "fmv.x.w" || o.name === "fsw") v[0] = fl();
      if (o.name === "flw") v[0] = (r.u64() & ~0xffffffffn) | fl();
      break;
  }
  const out = [0n, 0n, 0n];
  o.srcs.forEach((s, i) => {
    let x = v[i] ?? r.u64();
    if (s === "s") x = box32(x & 0xffffffffn, r);
    out[i] = x & M64;
  });
  return { a: out[0], b: out[1], c: out[2] };
}

/**
 * Hand-picked cases, run first in each of the five rounding modes: regressions and the
 * textbook corners. [operation, a, b, c, why]
 */
export const DIRECTED: [string, bigint, bigint, bigint, string][] = [
  // exact products and quotients with an operand above 2^996 (RNE: paravm's fastDouble path)
  ["fmul.d", 0x7e60000000000000n, 0x3ff0000000000000n, 0n, "2^999 · 1 is exact"],
  ["fmul.d", 0x7e40000000000000n, 0x3ff8000000000000n, 0n, "2^997 · 1.5 is exact"],
  ["fmul.d", 0x3ff0000000000000n, 0xfe60000000000000n, 0n, "1 · -2^999 is exact"],
  ["fdiv.d", 0x7e60000000000000n, 0x4000000000000000n, 0n, "2^999 / 2 is exact"],
  ["fdiv.d", 0x7e70000000000000n, 0x7e60000000000000n, 0n, "2^1000 / 2^999 is exact"],
  ["fdiv.d", 0x0000000000000001n, 0x7e60000000000000n, 0n, "tiny / huge underflows to 0"],
  // tininess is detected after rounding: (1 + ulp) · (largest subnormal) = 2^emin - 2^(emin-2p+2)
  // rounds to the smallest normal (with an unbounded exponent too) in RNE, RUP, RMM: no UF
  ["fmul.s", 0xffffffff3f800001n, 0xffffffff007fffffn, 0n, "tiny before rounding only"],
  ["fmul.d", 0x3ff0000000000001n, 0x000fffffffffffffn, 0n, "tiny before rounding only"],
  ["fmul.s", 0xffffffff3f7fffffn, 0xffffffff00800000n, 0n, "(1 - 2^-24) · 2^-126: tiny after rounding"],
  ["fcvt.s.d", 0x380fffffffffffffn, 0n, 0n, "just below the single smallest normal"],
  ["fmadd.d", 0x7ff0000000000000n, 0n, 0x7ff8000000000000n, "∞ · 0 + qNaN is invalid"],
  ["fmadd.s", 0xffffffff00000000n, 0xffffffffff800000n, 0xffffffff7fc00001n, "0 · -∞ + qNaN is invalid"],
  ["fnmadd.d", 0x3ff0000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, "-(1·1) - (-1) = ±0"],
  ["fmsub.s", 0xffffffff3f800000n, 0xffffffff3f800000n, 0xffffffff3f800000n, "1·1 - 1 = ±0"],
  ["fsqrt.d", 0x8000000000000000n, 0n, 0n, "sqrt(-0) = -0"],
  ["fsqrt.s", 0xffffffff80000001n, 0n, 0n, "sqrt of a negative subnormal is invalid"],
  ["fmin.d", 0x0000000000000000n, 0x8000000000000000n, 0n, "min(+0, -0) = -0"],
  ["fmax.s", 0xffffffff80000000n, 0xffffffff00000000n, 0n, "max(-0, +0) = +0"],
  ["fmax.s", 0xffffffff7f800001n, 0xffffffff3f800000n, 0n, "max(sNaN, 1) = 1, NV"],
  ["fmin.d", 0x7ff0000000000001n, 0x7ff8000000000000n, 0n, "min(sNaN, qNaN) = canonical NaN, NV"],
  ["feq.s", 0xffffffff7fc00000n, 0xffffffff7fc00000n, 0n, "feq of quiet NaNs: no NV"],
  ["flt.d", 0x7ff8000000000000n, 0n, 0n, "flt with a quiet NaN: NV"],
  ["fadd.s", 0x000000003f800000n, 0xffffffff3f800000n, 0n, "unboxed operand reads as the canonical NaN"],
  ["fcvt.d.s", 0x7fffffff3f800000n, 0n, 0n, "unboxed operand reads as the canonical NaN"],
  ["fcvt.s.d", 0x7ff0000000000001n, 0n, 0n, "sNaN narrows to the canonical NaN with NV"],
  ["fcvt.w.d", 0xc1e0000000100000n, 0n, 0n, "-2^31 - 0.5"],
  ["fcvt.w.d", 0x41dfffffffe00000n, 0n, 0n, "2^31 - 0.5"],
  ["fcvt.wu.d", 0xbfe0000000000000n, 0n, 0n, "-0.5 to unsigned"],
  ["fcvt.wu.s", 0xffffffff4f7fffffn, 0n, 0n, "just below 2^32: sign-extended result"],
  ["fcvt.lu.d", 0x43f0000000000000n, 0n, 0n, "2^64 saturates"],
  ["fcvt.l.s", 0xffffffffdf000000n, 0n, 0n, "-2^63 is exact"],
  ["fcvt.l.d", 0x7ff8000000000000n, 0n, 0n, "NaN converts to the largest integer"],
  ["fcvt.s.l", 0x0000000001000001n, 0n, 0n, "2^24 + 1: a tie"],
  ["fcvt.d.lu", 0xffffffffffffffffn, 0n, 0n, "2^64 - 1"],
  ["fcvt.s.w", 0x1234567880000000n, 0n, 0n, "upper half ignored: -2^31"],
  ["fclass.s", 0x00000000ff800000n, 0n, 0n, "unboxed: quiet NaN class"],
];

export interface Table {
  /** CASE_BYTES per case. */
  cases: Uint8Array;
  count: number;
}

/** At least `minCases` cases over OPS in proportion to their weights, all from `seed`. */
export function generate(seed = DEFAULT_SEED, minCases = 400_000): Table {
  const r = new Rng(seed);
  const total = OPS.reduce((s, o) => s + o.weight, 0);
  const per = OPS.map((o) => Math.ceil((minCases * o.weight) / total));
  const directed = DIRECTED.length * 5;
  const count = directed + per.reduce((s, n) => s + n, 0);
  const buf = new Uint8Array(count * CASE_BYTES);
  const dv = new DataView(buf.buffer);
  // Interleave the operations (a shuffled order) so that state left by one never only meets itself.
  const order: number[] = [];
  per.forEach((n, i) => {
    for (let k = 0; k < n; k++) order.push(i);
  });
  for (let i = order.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  DIRECTED.forEach(([name, a, b, c], k) => {
    const opIndex = OPS.findIndex((o) => o.name === name);
    if (opIndex < 0) throw new Error(`DIRECTED: no operation ${name}`);
    for (let rm = 0; rm < 5; rm++) {
      const at = (k * 5 + rm) * CASE_BYTES;
      dv.setUint32(at, opIndex, true);
      dv.setUint8(at + 4, rm);
      dv.setBigUint64(at + 8, a, true);
      dv.setBigUint64(at + 16, b, true);
      dv.setBigUint64(at + 24, c, true);
    }
  });
  order.forEach((opIndex, i) => {
    const o = OPS[opIndex];
    const c = drawCase(o, r);
    const at = (directed + i) * CASE_BYTES;
    dv.setUint32(at, opIndex, true);
    // RNE, RTZ, RDN, RUP, RMM: never the reserved 5-7
    const rm = r.int(5);
    dv.setUint8(at + 4, o.staticRm ? (rm + 1 + r.int(4)) % 5 : rm);
    dv.setUint8(at + 5, r.chance(0.15) ? r.int(32) : 0);
    dv.setUint8(at + 6, o.staticRm ? rm : 0);
    dv.setBigUint64(at + 8, c.a, true);
    dv.setBigUint64(at + 16, c.b, true);
    dv.setBigUint64(at + 24, c.c, true);
  });
  return { cases: buf, count };
}

/** Writes cases.bin, cases.h (NCASES) and ops.inc (the jump table) into dir. */
export function writeBuildFiles(dir: string, seed = DEFAULT_SEED, minCases?: number): Table {
  mkdirSync(dir, { recursive: true });
  const t = generate(seed, minCases);
  writeFileSync(join(dir, "cases.bin"), t.cases);
  writeFileSync(join(dir, "cases.h"), `#define NCASES ${t.count}\n#define NOPS ${OPS.length}\n`);
  writeFileSync(join(dir, "ops.inc"), OPS.map((o) => `    .dword ${o.label}   /* ${o.name} */\n`).join(""));
  return t;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node generate.js OUTDIR [SEED]");
    process.exit(2);
  }
  const t = writeBuildFiles(dir, process.argv[3] ? Number(process.argv[3]) : DEFAULT_SEED);
  console.log(`${t.count} cases over ${OPS.length} operations in ${dir}`);
}
