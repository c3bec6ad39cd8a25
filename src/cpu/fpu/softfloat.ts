// IEEE 754-2008 binary32 and binary64 arithmetic on exact integers (BigInt), with the five
// RISC-V rounding modes and the five exception flags; tininess is detected after rounding,
// NaN results are the canonical NaN. The exact reference: fastDouble.ts takes short cuts
// only where it can prove them equal to this.

export const RNE = 0;
export const RTZ = 1;
export const RDN = 2;
export const RUP = 3;
export const RMM = 4;

export const NX = 1;
export const UF = 2;
export const OF = 4;
export const DZ = 8;
export const NV = 16;

export interface Format {
  /** Fraction bits (without the implicit bit). */
  readonly frac: number;
  readonly expBits: number;
  readonly bias: number;
  /** Mask of the whole encoding. */
  readonly mask: bigint;
  readonly canonicalNaN: bigint;
}

export const F32: Format = { frac: 23, expBits: 8, bias: 127, mask: 0xffffffffn, canonicalNaN: 0x7fc00000n };
export const F64: Format = {
  frac: 52,
  expBits: 11,
  bias: 1023,
  mask: 0xffffffffffffffffn,
  canonicalNaN: 0x7ff8000000000000n,
};

export const enum Kind {
  Zero,
  Finite,
  Inf,
  QNaN,
  SNaN,
}

/** A decoded operand: for Finite, |value| = mant · 2^exp exactly. */
export interface Unpacked {
  kind: Kind;
  sign: boolean;
  mant: bigint;
  exp: number;
}

/** The result of an operation: encoding and the flags it raised. */
export interface Result {
  bits: bigint;
  flags: number;
}

export function unpack(bits: bigint, f: Format): Unpacked {
  const sign = ((bits >> BigInt(f.frac + f.expBits)) & 1n) === 1n;
  const e = Number((bits >> BigInt(f.frac)) & ((1n << BigInt(f.expBits)) - 1n));
  const m = bits & ((1n << BigInt(f.frac)) - 1n);
  const emax = (1 << f.expBits) - 1;
  if (e === emax) {
    if (m === 0n) return { kind: Kind.Inf, sign, mant: 0n, exp: 0 };
    const quiet = (m >> BigInt(f.frac - 1)) & 1n;
    return { kind: quiet ? Kind.QNaN : Kind.SNaN, sign, mant: 0n, exp: 0 };
  }
  if (e === 0) {
    if (m === 0n) return { kind: Kind.Zero, sign, mant: 0n, exp: 0 };
    return { kind: Kind.Finite, sign, mant: m, exp: 1 - f.bias - f.frac };
  }
  return { kind: Kind.Finite, sign, mant: m | (1n << BigInt(f.frac)), exp: e - f.bias - f.frac };
}

export function isNaN(u: Unpacked): boolean {
  return u.kind === Kind.QNaN || u.kind === Kind.SNaN;
}

function bitLength(v: bigint): number {
  return v.toString(2).length;
}

function signBit(f: Format, sign: boolean): bigint {
  return sign ? 1n << BigInt(f.frac + f.expBits) : 0n;
}

export function zero(f: Format, sign: boolean): bigint {
  return signBit(f, sign);
}

export function infinity(f: Format, sign: boolean): bigint {
  return signBit(f, sign) | (((1n << BigInt(f.expBits)) - 1n) << BigInt(f.frac));
}

function maxFinite(f: Format, sign: boolean): bigint {
  return infinity(f, sign) - 1n;
}

/** Whether rounding the magnitude q (with remainder rem of `shift` bits, and sticky below) goes up. */
function roundsUp(q: bigint, rem: bigint, shift: number, sticky: boolean, sign: boolean, rm: number): boolean {
  if (rem === 0n && !sticky) return false;
  const half = 1n << BigInt(shift - 1);
  switch (rm) {
    case RNE:
      return rem > half || (rem === half && (sticky || (q & 1n) === 1n));
    case RMM:
      return rem >= half;
    case RTZ:
      return false;
    case RDN:
      return sign;
    default:
      return !sign;
  }
}

/**
 * Rounds sign · (mant + δ) · 2^exp to the format, where δ ∈ (0, 1) when sticky is set (bits
 * lost below mant's last bit) and 0 otherwise. mant must carry at least two bits more than
 * the format's precision when sticky is set, so that δ never decides a tie on its own.
 */
export function roundPack(sign: boolean, mant: bigint, exp: number, sticky: boolean, rm: number, f: Format): Result {
  if (mant === 0n) return { bits: zero(f, sign), flags: sticky ? NX | UF : 0 };
  const p = f.frac + 1;
  const emin = 1 - f.bias;
  const top = exp + bitLength(mant) - 1; // exponent of the leading bit
  // Round with an unbounded exponent range first: it decides tininess (after rounding).
  let flags = 0;
  const roundAt = (quantum: number) => {
    const shift = quantum - exp;
    if (shift <= 0) return { q: mant << BigInt(-shift), quantum, inexact: sticky };
    const q = mant >> BigInt(shift);
    const rem = mant & ((1n << BigInt(shift)) - 1n);
    const up = roundsUp(q, rem, shift, sticky, sign, rm);
    return { q: up ? q + 1n : q, quantum, inexact: rem !== 0n || sticky };
  };
  const wide = roundAt(top - f.frac);
  const wideTop = wide.quantum + bitLength(wide.q) - 1;
  const tiny = wideTop < emin;
  const r = top < emin ? roundAt(emin - f.frac) : wide;
  let q = r.q;
  let quantum = r.quantum;
  if (q >> BigInt(p) !== 0n) {
    q >>= 1n;
    quantum++;
  }
  if (r.inexact) flags |= NX;
  if (tiny && r.inexact) flags |= UF;
  const resultTop = quantum + bitLength(q) - 1;
  if (resultTop > f.bias) {
    flags |= OF | NX;
    const toInf = rm === RNE || rm === RMM || (rm === RDN && sign) || (rm === RUP && !sign);
    return { bits: toInf ? infinity(f, sign) : maxFinite(f, sign), flags };
  }
  if (q === 0n) return { bits: zero(f, sign), flags };
  let bits: bigint;
  if (q >> BigInt(f.frac) !== 0n) {
    const biased = BigInt(quantum + f.frac + f.bias);
    bits = (biased << BigInt(f.frac)) | (q & ((1n << BigInt(f.frac)) - 1n));
  } else bits = q; // subnormal: quantum is the subnormal quantum
  return { bits: bits | signBit(f, sign), flags };
}

function nanResult(f: Format, ...ops: Unpacked[]): Result {
  return { bits: f.canonicalNaN, flags: ops.some((o) => o.kind === Kind.SNaN) ? NV : 0 };
}

const invalid = (f: Format): Result => ({ bits: f.canonicalNaN, flags: NV });

/** Exact sum of two finite-or-zero operands, rounded. */
function addExact(a: Unpacked, b: Unpacked, rm: number, f: Format, extraSticky = false): Result {
  if (a.kind === Kind.Zero && b.kind === Kind.Zero) {
    const sign = a.sign === b.sign ? a.sign : rm === RDN;
    return { bits: zero(f, sign), flags: 0 };
  }
  if (a.kind === Kind.Zero) return roundPack(b.sign, b.mant, b.exp, extraSticky, rm, f);
  if (b.kind === Kind.Zero) return roundPack(a.sign, a.mant, a.exp, false, rm, f);
  const exp = Math.min(a.exp, b.exp);
  const ma = a.mant << BigInt(a.exp - exp);
  const mb = b.mant << BigInt(b.exp - exp);
  const sum = (a.sign ? -ma : ma) + (b.sign ? -mb : mb);
  if (sum === 0n) return { bits: zero(f, rm === RDN), flags: 0 };
  return roundPack(sum < 0n, sum < 0n ? -sum : sum, exp, false, rm, f);
}

export function add(x: bigint, y: bigint, rm: number, f: Format, negateY = false): Result {
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (negateY) b.sign = !b.sign;
  if (isNaN(a) || isNaN(b)) return nanResult(f, a, b);
  if (a.kind === Kind.Inf || b.kind === Kind.Inf) {
    if (a.kind === Kind.Inf && b.kind === Kind.Inf && a.sign !== b.sign) return invalid(f);
    return { bits: infinity(f, a.kind === Kind.Inf ? a.sign : b.sign), flags: 0 };
  }
  return addExact(a, b, rm, f);
}

export function mul(x: bigint, y: bigint, rm: number, f: Format): Result {
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (isNaN(a) || isNaN(b)) return nanResult(f, a, b);
  const sign = a.sign !== b.sign;
  if (a.kind === Kind.Inf || b.kind === Kind.Inf) {
    if (a.kind === Kind.Zero || b.kind === Kind.Zero) return invalid(f);
    return { bits: infinity(f, sign), flags: 0 };
  }
  if (a.kind === Kind.Zero || b.kind === Kind.Zero) return { bits: zero(f, sign), flags: 0 };
  return roundPack(sign, a.mant * b.mant, a.exp + b.exp, false, rm, f);
}

/** Fused (±a·b) ± c with one rounding. */
export function fma(
  x: bigint,
  y: bigint,
  z: bigint,
  negateProduct: boolean,
  negateC: boolean,
  rm: number,
  f: Format,
): Result {
  const a = unpack(x, f);
  const b = unpack(y, f);
  const c = unpack(z, f);
  // ∞ · 0 is invalid even when the addend is a quiet NaN.
  const infTimesZero = (a.kind === Kind.Inf && b.kind === Kind.Zero) || (a.kind === Kind.Zero && b.kind === Kind.Inf);
  if (isNaN(a) || isNaN(b) || isNaN(c)) {
    const r = nanResult(f, a, b, c);
    if (infTimesZero) r.flags |= NV;
    return r;
  }
  if (infTimesZero) return invalid(f);
  const psign = (a.sign !== b.sign) !== negateProduct;
  const csign = c.sign !== negateC;
  if (a.kind === Kind.Inf || b.kind === Kind.Inf) {
    if (c.kind === Kind.Inf && csign !== psign) return invalid(f);
    return { bits: infinity(f, psign), flags: 0 };
  }
  if (c.kind === Kind.Inf) return { bits: infinity(f, csign), flags: 0 };
  const product: Unpacked =
    a.kind === Kind.Zero || b.kind === Kind.Zero
      ? { kind: Kind.Zero, sign: psign, mant: 0n, exp: 0 }
      : { kind: Kind.Finite, sign: psign, mant: a.mant * b.mant, exp: a.exp + b.exp };
  return addExact(product, { ...c, sign: csign }, rm, f);
}

export function div(x: bigint, y: bigint, rm: number, f: Format): Result {
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (isNaN(a) || isNaN(b)) return nanResult(f, a, b);
  const sign = a.sign !== b.sign;
  if (a.kind === Kind.Inf) return b.kind === Kind.Inf ? invalid(f) : { bits: infinity(f, sign), flags: 0 };
  if (b.kind === Kind.Inf) return { bits: zero(f, sign), flags: 0 };
  if (b.kind === Kind.Zero) return a.kind === Kind.Zero ? invalid(f) : { bits: infinity(f, sign), flags: DZ };
  if (a.kind === Kind.Zero) return { bits: zero(f, sign), flags: 0 };
  const k = Math.max(0, f.frac + 3 + bitLength(b.mant) - bitLength(a.mant));
  const n = a.mant << BigInt(k);
  const q = n / b.mant;
  return roundPack(sign, q, a.exp - b.exp - k, q * b.mant !== n, rm, f);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(x: bigint, rm: number, f: Format): Result {
  const a = unpack(x, f);
  if (isNaN(a)) return nanResult(f, a);
  if (a.kind === Kind.Zero) return { bits: x, flags: 0 };
  if (a.sign) return invalid(f);
  if (a.kind === Kind.Inf) return { bits: x, flags: 0 };
  let m = a.mant;
  let e = a.exp;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  const want = 2 * (f.frac + 4);
  const k = Math.max(0, Math.ceil((want - bitLength(m)) / 2));
  const n = m << BigInt(2 * k);
  const s = isqrt(n);
  return roundPack(false, s, e / 2 - k, s * s !== n, rm, f);
}

/** fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber, -0 < +0). */
export function minMax(x: bigint, y: bigint, max: boolean, f: Format): Result {
  const a = unpack(x, f);
  const b = unpack(y, f);
  const flags = a.kind === Kind.SNaN || b.kind === Kind.SNaN ? NV : 0;
  if (isNaN(a) && isNaN(b)) return { bits: f.canonicalNaN, flags };
  if (isNaN(a)) return { bits: y, flags };
  if (isNaN(b)) return { bits: x, flags };
  const less = lessThan(a, b) || (a.kind === Kind.Zero && b.kind === Kind.Zero && a.sign && !b.sign);
  return { bits: less !== max ? x : y, flags };
}

function lessThan(a: Unpacked, b: Unpacked): boolean {
  return compareValues(a, b) < 0;
}

/** Order of two non-NaN values: -1, 0 or 1 (the zeros are equal). */
function compareValues(a: Unpacked, b: Unpacked): number {
  const sa = a.kind === Kind.Zero ? 0 : a.sign ? -1 : 1;
  const sb = b.kind === Kind.Zero ? 0 : b.sign ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let mag: number;
  if (a.kind === Kind.Inf || b.kind === Kind.Inf) mag = a.kind === b.kind ? 0 : a.kind === Kind.Inf ? 1 : -1;
  else {
    const e = Math.min(a.exp, b.exp);
    const ma = a.mant << BigInt(a.exp - e);
    const mb = b.mant << BigInt(b.exp - e);
    mag = ma === mb ? 0 : ma < mb ? -1 : 1;
  }
  return sa * mag;
}

/** feq (quiet: NV only for signalling NaNs), flt and fle (signalling: NV for any NaN). */
export function compare(x: bigint, y: bigint, op: "eq" | "lt" | "le", f: Format): Result {
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (isNaN(a) || isNaN(b)) {
    const nv = op !== "eq" || a.kind === Kind.SNaN || b.kind === Kind.SNaN;
    return { bits: 0n, flags: nv ? NV : 0 };
  }
  const c = compareValues(a, b);
  const r = op === "eq" ? c === 0 : op === "lt" ? c < 0 : c <= 0;
  return { bits: r ? 1n : 0n, flags: 0 };
}

export function classify(x: bigint, f: Format): number {
  const u = unpack(x, f);
  const subnormal = ((x >> BigInt(f.frac)) & ((1n << BigInt(f.expBits)) - 1n)) === 0n;
  switch (u.kind) {
    case Kind.Inf:
      return u.sign ? 1 << 0 : 1 << 7;
    case Kind.Zero:
      return u.sign ? 1 << 3 : 1 << 4;
    case Kind.SNaN:
      return 1 << 8;
    case Kind.QNaN:
      return 1 << 9;
    default:
      if (subnormal) return u.sign ? 1 << 2 : 1 << 5;
      return u.sign ? 1 << 1 : 1 << 6;
  }
}

/** Float → integer of `width` bits, signed or not, RISC-V saturation: NaN gives the maximum. */
export function toInt(x: bigint, width: number, signed: boolean, rm: number, f: Format): Result {
  const u = unpack(x, f);
  const max = signed ? (1n << BigInt(width - 1)) - 1n : (1n << BigInt(width)) - 1n;
  const min = signed ? -(1n << BigInt(width - 1)) : 0n;
  if (isNaN(u)) return { bits: max, flags: NV };
  if (u.kind === Kind.Inf) return { bits: u.sign ? min : max, flags: NV };
  if (u.kind === Kind.Zero) return { bits: 0n, flags: 0 };
  let v: bigint;
  let inexact = false;
  if (u.exp >= 0) v = u.mant << BigInt(u.exp);
  else {
    const shift = -u.exp;
    const q = u.mant >> BigInt(shift);
    const rem = u.mant & ((1n << BigInt(shift)) - 1n);
    inexact = rem !== 0n;
    v = roundsUp(q, rem, shift, false, u.sign, rm) ? q + 1n : q;
  }
  if (u.sign) v = -v;
  if (v > max) return { bits: max, flags: NV };
  if (v < min) return { bits: min, flags: NV };
  return { bits: v, flags: inexact ? NX : 0 };
}

/** Integer → float, rounded. */
export function fromInt(v: bigint, rm: number, f: Format): Result {
  if (v === 0n) return { bits: 0n, flags: 0 };
  return roundPack(v < 0n, v < 0n ? -v : v, 0, false, rm, f);
}

/** Conversion between formats (exact when widening). */
export function convert(x: bigint, from: Format, to: Format, rm: number): Result {
  const u = unpack(x, from);
  if (isNaN(u)) return nanResult(to, u);
  if (u.kind === Kind.Inf) return { bits: infinity(to, u.sign), flags: 0 };
  if (u.kind === Kind.Zero) return { bits: zero(to, u.sign), flags: 0 };
  return roundPack(u.sign, u.mant, u.exp, false, rm, to);
}
