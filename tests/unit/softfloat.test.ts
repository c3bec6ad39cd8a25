import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as SF from "../../src/cpu/fpu/softfloat.js";
import { fastDouble, fastExact, fastFma } from "../../src/cpu/fpu/fastDouble.js";

const dv = new DataView(new ArrayBuffer(8));
const d = (v: number): bigint => (dv.setFloat64(0, v), dv.getBigUint64(0));
const s = (v: number): bigint => (dv.setFloat32(0, v), BigInt(dv.getUint32(0)));
const MIN_NORMAL = 0x0010000000000000n;
const MAX_SUBNORMAL = 0x000fffffffffffffn;
const MAX = 0x7fefffffffffffffn;
const INF = 0x7ff0000000000000n;
const NEG = 1n << 63n;
const QNAN = SF.F64.canonicalNaN;
const SNAN = 0x7ff0000000000001n;
const { RNE, RTZ, RDN, RUP, RMM, NX, UF, OF, DZ, NV } = SF;
const eq = (r: SF.Result, bits: bigint, flags: number, what: string) =>
  assert.deepEqual({ bits: r.bits.toString(16), flags: r.flags }, { bits: bits.toString(16), flags }, what);

test("halfway cases round per mode", () => {
  const half = d(2 ** -53);
  eq(SF.add(d(1), half, RNE, SF.F64), d(1), NX, "RNE ties to even");
  eq(SF.add(d(1), half, RMM, SF.F64), d(1 + 2 ** -52), NX, "RMM ties away");
  eq(SF.add(d(1), half, RUP, SF.F64), d(1 + 2 ** -52), NX, "RUP");
  eq(SF.add(d(1), half, RTZ, SF.F64), d(1), NX, "RTZ");
  eq(SF.add(d(-1), half | NEG, RDN, SF.F64), d(-1 - 2 ** -52), NX, "RDN on a negative");
  eq(SF.add(d(1 + 2 ** -52), half, RNE, SF.F64), d(1 + 2 ** -51), NX, "RNE ties to even, upwards");
});

test("overflow gives infinity or the largest finite value by mode and sign", () => {
  for (const [rm, pos, neg] of [
    [RNE, INF, INF | NEG],
    [RMM, INF, INF | NEG],
    [RTZ, MAX, MAX | NEG],
    [RDN, MAX, INF | NEG],
    [RUP, INF, MAX | NEG],
  ] as const) {
    eq(SF.mul(MAX, d(2), rm, SF.F64), pos, OF | NX, `+ rm ${rm}`);
    eq(SF.mul(MAX | NEG, d(2), rm, SF.F64), neg, OF | NX, `- rm ${rm}`);
  }
});

test("underflow: tininess is detected after rounding", () => {
  // (1 - 2^-54) · 2^-1022 rounds to the smallest normal in RNE: not tiny after rounding.
  eq(SF.roundPack(false, (1n << 54n) - 1n, -1022 - 54, false, RNE, SF.F64), MIN_NORMAL, NX, "rounds up to normal");
  eq(SF.roundPack(false, (1n << 54n) - 1n, -1022 - 54, false, RTZ, SF.F64), MAX_SUBNORMAL, NX | UF, "stays subnormal");
  // The smallest subnormal halved: a tie that goes to zero (even), tiny and inexact.
  eq(SF.mul(1n, d(0.5), RNE, SF.F64), 0n, NX | UF, "to zero");
  eq(SF.mul(1n, d(0.5), RUP, SF.F64), 1n, NX | UF, "to the smallest subnormal");
  // An exact subnormal result raises nothing.
  eq(SF.mul(2n, d(0.5), RNE, SF.F64), 1n, 0, "exact subnormal");
});

test("signed zeros", () => {
  eq(SF.add(d(1), d(-1), RNE, SF.F64), 0n, 0, "x - x = +0");
  eq(SF.add(d(1), d(-1), RDN, SF.F64), NEG, 0, "x - x = -0 rounding down");
  eq(SF.add(NEG, NEG, RNE, SF.F64), NEG, 0, "-0 + -0");
  eq(SF.sqrt(NEG, RNE, SF.F64), NEG, 0, "sqrt(-0)");
  eq(SF.mul(NEG, d(3), RNE, SF.F64), NEG, 0, "-0 · 3");
});

test("invalid operations and NaNs", () => {
  eq(SF.sqrt(d(-1), RNE, SF.F64), QNAN, NV, "sqrt(-1)");
  eq(SF.add(INF, INF | NEG, RNE, SF.F64), QNAN, NV, "inf - inf");
  eq(SF.mul(INF, 0n, RNE, SF.F64), QNAN, NV, "inf · 0");
  eq(SF.div(0n, 0n, RNE, SF.F64), QNAN, NV, "0 / 0");
  eq(SF.div(d(1), 0n, RNE, SF.F64), INF, DZ, "1 / 0");
  eq(SF.div(d(-1), 0n, RNE, SF.F64), INF | NEG, DZ, "-1 / 0");
  eq(SF.add(SNAN, d(1), RNE, SF.F64), QNAN, NV, "a signalling NaN operand");
  eq(SF.add(0x7ff8000000000123n, d(1), RNE, SF.F64), QNAN, 0, "a quiet NaN's payload is not kept");
  eq(SF.fma(INF, 0n, QNAN, false, false, RNE, SF.F64), QNAN, NV, "inf · 0 + qNaN is invalid");
});

test("fused multiply-add rounds once", () => {
  const a = d(1 + 2 ** -52);
  const b = d(1 - 2 ** -52);
  eq(SF.fma(a, b, d(-1), false, false, RNE, SF.F64), d(-(2 ** -104)), 0, "exact small residue");
  eq(SF.fma(d(2), d(3), d(1), true, false, RNE, SF.F64), d(-5), 0, "fnmsub-style negated product");
  eq(SF.fma(d(2), d(3), d(1), true, true, RNE, SF.F64), d(-7), 0, "fnmadd");
});

test("fmin/fmax: -0 < +0, NaN operands", () => {
  eq(SF.minMax(0n, NEG, false, SF.F64), NEG, 0, "min(+0, -0)");
  eq(SF.minMax(NEG, 0n, true, SF.F64), 0n, 0, "max(-0, +0)");
  eq(SF.minMax(SNAN, d(1), true, SF.F64), d(1), NV, "max(sNaN, 1)");
  eq(SF.minMax(QNAN, d(1), false, SF.F64), d(1), 0, "min(qNaN, 1)");
  eq(SF.minMax(QNAN, SNAN, false, SF.F64), QNAN, NV, "min(NaN, NaN)");
});

test("compares: eq is quiet, lt and le signal on any NaN", () => {
  eq(SF.compare(QNAN, d(1), "eq", SF.F64), 0n, 0, "feq qNaN");
  eq(SF.compare(SNAN, d(1), "eq", SF.F64), 0n, NV, "feq sNaN");
  eq(SF.compare(QNAN, d(1), "lt", SF.F64), 0n, NV, "flt qNaN");
  eq(SF.compare(NEG, 0n, "le", SF.F64), 1n, 0, "-0 <= +0");
  eq(SF.compare(NEG, 0n, "lt", SF.F64), 0n, 0, "-0 < +0 is false");
});

test("conversions to integers saturate with RISC-V's rules", () => {
  eq(SF.toInt(d(2 ** 31), 32, true, RNE, SF.F64), 0x7fffffffn, NV, "2^31 → w");
  eq(SF.toInt(d(-(2 ** 31)), 32, true, RNE, SF.F64), -0x80000000n, 0, "-2^31 → w");
  eq(SF.toInt(QNAN, 32, true, RNE, SF.F64), 0x7fffffffn, NV, "NaN → w");
  eq(SF.toInt(INF | NEG, 64, true, RNE, SF.F64), -(1n << 63n), NV, "-inf → l");
  eq(SF.toInt(d(-0.5), 32, false, RTZ, SF.F64), 0n, NX, "-0.5 → wu (RTZ)");
  eq(SF.toInt(d(-1), 32, false, RTZ, SF.F64), 0n, NV, "-1 → wu");
  eq(SF.toInt(d(2.5), 32, true, RNE, SF.F64), 2n, NX, "2.5 RNE");
  eq(SF.toInt(d(2.5), 32, true, RMM, SF.F64), 3n, NX, "2.5 RMM");
  eq(SF.toInt(d(-2.5), 32, true, RDN, SF.F64), -3n, NX, "-2.5 RDN");
  eq(SF.toInt(d(2 ** 64), 64, false, RNE, SF.F64), (1n << 64n) - 1n, NV, "2^64 → lu");
});

test("conversions from integers and between formats", () => {
  eq(SF.fromInt((1n << 53n) + 1n, RNE, SF.F64), d(2 ** 53), NX, "2^53 + 1");
  eq(SF.fromInt((1n << 53n) + 1n, RUP, SF.F64), d(2 ** 53 + 2), NX, "2^53 + 1 up");
  eq(SF.fromInt(16777217n, RNE, SF.F32), s(16777216), NX, "single");
  eq(SF.convert(d(1 + 2 ** -30), SF.F64, SF.F32, RTZ), s(1), NX, "narrowing");
  eq(SF.convert(d(1e39), SF.F64, SF.F32, RNE), 0x7f800000n, OF | NX, "narrowing overflow");
  eq(SF.convert(s(1.5), SF.F32, SF.F64, RNE), d(1.5), 0, "widening is exact");
  eq(SF.convert(0x7f800001n, SF.F32, SF.F64, RNE), QNAN, NV, "widening a signalling NaN");
});

test("fclass", () => {
  const cases: [bigint, number][] = [
    [INF | NEG, 0],
    [d(-1), 1],
    [1n | NEG, 2],
    [NEG, 3],
    [0n, 4],
    [1n, 5],
    [d(1), 6],
    [INF, 7],
    [SNAN, 8],
    [QNAN, 9],
  ];
  for (const [v, bit] of cases) assert.equal(SF.classify(v, SF.F64), 1 << bit, v.toString(16));
});

test("the binary64 short cut agrees with softfloat wherever it answers", () => {
  const anyDouble = fc.oneof(
    fc.double({ noNaN: true }),
    fc.double({ min: 0.5, max: 2, noNaN: true }),
    fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map((v) => v / 1024),
  );
  fc.assert(
    fc.property(anyDouble, anyDouble, fc.integer({ min: 0, max: 3 }), (a, b, op) => {
      const fast = fastDouble(op, d(a), d(b), RNE);
      if (!fast) return;
      const slow =
        op === 0
          ? SF.add(d(a), d(b), RNE, SF.F64)
          : op === 1
            ? SF.add(d(a), d(b), RNE, SF.F64, true)
            : op === 2
              ? SF.mul(d(a), d(b), RNE, SF.F64)
              : SF.div(d(a), d(b), RNE, SF.F64);
      assert.deepEqual(fast, slow);
    }),
    { numRuns: 20000, seed: 42 },
  );
});

test("the binary64 short cut stays exact at the top of its range", () => {
  for (const [op, a, b] of [
    [2, 2 ** 999, 1],
    [3, 2 ** 1000, 2 ** 999],
    [2, 2 ** 996, 1.5],
  ] as const) {
    const fast = fastDouble(op, d(a), d(b), RNE);
    const slow = op === 2 ? SF.mul(d(a), d(b), RNE, SF.F64) : SF.div(d(a), d(b), RNE, SF.F64);
    if (fast) assert.deepEqual(fast, slow, `${op} ${a} ${b}`);
  }
});

test("the fused multiply-add short cut agrees with softfloat wherever it answers", () => {
  const near = fc.double({ min: -4, max: 4, noNaN: true });
  const anyDouble = fc.oneof(
    fc.double({ noNaN: true }),
    near,
    fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((v) => v / 64),
  );
  let answered = 0;
  fc.assert(
    fc.property(anyDouble, anyDouble, anyDouble, (a, b, c) => {
      const v = fastFma(a, b, c);
      if (v === null) return;
      answered++;
      assert.deepEqual({ bits: d(v), flags: fastExact ? 0 : NX }, SF.fma(d(a), d(b), d(c), false, false, RNE, SF.F64));
    }),
    { numRuns: 20000, seed: 7 },
  );
  assert.ok(answered > 1000, `the short cut answered only ${answered} times`);
});
