/*
 * rv64m.S - RV64M: MUL/MULH/MULHSU/MULHU, DIV/DIVU/REM/REMU and the *W forms,
 * including division by zero and signed overflow (no traps; results as
 * tabulated in the unprivileged spec, M chapter).
 */
#include "common.h"

#define T_RR(n, op, expected, v1, v2) \
    TEST_CASE(n, a0, expected, li a1, v1; li a2, v2; op a0, a1, a2)

#define INT64_MIN 0x8000000000000000
#define INT64_MAX 0x7fffffffffffffff

PVM_TEST_BEGIN

    /* ---- MUL (low 64 bits) ---- */
    T_RR( 1, mul, 0, 0, 0)
    T_RR( 2, mul, 42, 6, 7)
    T_RR( 3, mul, -42, -6, 7)
    T_RR( 4, mul, 42, -6, -7)
    T_RR( 5, mul, 0xfffffffffffffffe, INT64_MAX, 2)
    T_RR( 6, mul, 0, INT64_MIN, 2)
    T_RR( 7, mul, 0x0000000100000000 * 3, 0x100000000, 3)
    T_RR( 8, mul, 0x22236d88fe5618cf, 0x0123456789abcdef, 0x0fedcba987654321)

    /* ---- MULH (signed x signed, high 64) ---- */
    T_RR( 9, mulh, 0, 6, 7)
    T_RR(10, mulh, 0, -1, -1)
    T_RR(11, mulh, 0xffffffffffffffff, -1, 1)
    T_RR(12, mulh, 0x4000000000000000, INT64_MIN, INT64_MIN)
    T_RR(13, mulh, 0xc000000000000000, INT64_MIN, INT64_MAX)
    T_RR(14, mulh, 0x3fffffffffffffff, INT64_MAX, INT64_MAX)
    T_RR(15, mulh, 0x0000000000000001, 0x100000000, 0x100000000)
    T_RR(16, mulh, 0xffffffffffffffff, -0x100000000, 0x100000000 - 1)

    /* ---- MULHU (unsigned x unsigned) ---- */
    T_RR(17, mulhu, 0xfffffffffffffffe, -1, -1)
    T_RR(18, mulhu, 1, INT64_MIN, 2)
    T_RR(19, mulhu, 0, 0x7fffffff, 0x7fffffff)
    T_RR(20, mulhu, 0x4000000000000000, INT64_MIN, INT64_MIN)
    T_RR(21, mulhu, 0x0000000000000005, -1, 6)

    /* ---- MULHSU (signed rs1 x unsigned rs2) ---- */
    T_RR(22, mulhsu, 0xffffffffffffffff, -1, -1)
    T_RR(23, mulhsu, 0xfffffffffffffffe, -2, -1)
    T_RR(24, mulhsu, 0x8000000000000000, INT64_MIN, -1)
    T_RR(25, mulhsu, 0x0000000000000005, 6, -1)
    T_RR(26, mulhsu, 0xffffffffffffffff, -6, 1)
    T_RR(27, mulhsu, 0, 6, 7)

    /* ---- MULW: low 32 bits of the product, sign-extended; upper input bits ignored ---- */
    T_RR(28, mulw, 0xfffffffffffffffe, 0x7fffffff, 2)
    T_RR(29, mulw, 15, 0x100000003, 0x700000005)
    T_RR(30, mulw, 0xffffffff80000000, 0x10000, 0x8000)
    T_RR(31, mulw, 0x0000000000000001, -1, -1)
    T_RR(32, mulw, 0, 0x80000000, 2)

    /* ---- DIV / DIVU ---- */
    T_RR(33, div, 3, 7, 2)
    T_RR(34, div, -3, -7, 2)
    T_RR(35, div, -3, 7, -2)
    T_RR(36, div, 3, -7, -2)
    T_RR(37, div, -1, 7, 0)              /* division by zero */
    T_RR(38, div, -1, INT64_MIN, 0)
    T_RR(39, div, INT64_MIN, INT64_MIN, -1) /* overflow */
    T_RR(40, div, 0, 0, 5)
    T_RR(41, divu, INT64_MAX, -1, 2)
    T_RR(42, divu, -1, 7, 0)              /* division by zero: 2^64-1 */
    T_RR(43, divu, 0, INT64_MIN, -1)
    T_RR(44, divu, 1, -1, -1)
    T_RR(45, divu, 0x0000000000000003, 7, 2)

    /* ---- REM / REMU ---- */
    T_RR(46, rem, 1, 7, 2)
    T_RR(47, rem, -1, -7, 2)
    T_RR(48, rem, 1, 7, -2)
    T_RR(49, rem, -1, -7, -2)
    T_RR(50, rem, 7, 7, 0)                /* by zero: dividend */
    T_RR(51, rem, INT64_MIN, INT64_MIN, 0)
    T_RR(52, rem, 0, INT64_MIN, -1)       /* overflow: 0 */
    T_RR(53, remu, 5, -1, 10)
    T_RR(54, remu, -7, -7, 0)             /* by zero: dividend */
    T_RR(55, remu, INT64_MIN, INT64_MIN, -1)
    T_RR(56, remu, 1, 7, 2)

    /* ---- DIVW / DIVUW / REMW / REMUW: 32-bit operands, sign-extended result ---- */
    T_RR(57, divw, 3, 7, 2)
    T_RR(58, divw, -3, -7, 2)
    T_RR(59, divw, 3, 0xffffffff00000007, 0x0000000100000002)   /* upper bits ignored */
    T_RR(60, divw, -1, 7, 0)
    T_RR(61, divw, -1, 7, 0x100000000)    /* low 32 bits of rs2 are zero */
    T_RR(62, divw, 0xffffffff80000000, 0x80000000, -1)   /* overflow */
    T_RR(63, divuw, 0x7fffffff, 0xffffffff, 2)
    T_RR(64, divuw, -1, 7, 0)             /* 0xffffffff sign-extended */
    T_RR(65, divuw, 0xffffffff80000000, 0x80000000, 1)
    T_RR(66, divuw, 0, 0x80000000, -1)
    T_RR(67, remw, -1, -7, 2)
    T_RR(68, remw, 0xffffffff80000000, 0x80000000, 0)  /* by zero: sext(dividend) */
    T_RR(69, remw, 0, 0x80000000, -1)     /* overflow */
    T_RR(70, remw, 1, 0x1234567800000007, 0xffffffff00000002)
    T_RR(71, remuw, 0xf, 0xffffffff, 0x10)
    T_RR(72, remuw, 0xfffffffffffffffe, 0xfffffffe, 0) /* by zero: sext(dividend) */
    T_RR(73, remuw, 0x7ffffffe, 0xfffffffe, 0x80000000)
    T_RR(74, remuw, 0xffffffff80000001, 0x80000001, 0x100000000)

    /* ---- register aliasing ---- */
    TEST_CASE(75, a1, 49, li a1, 7; mul a1, a1, a1)
    TEST_CASE(76, a1, 1, li a1, -9; div a1, a1, a1)
    TEST_CASE(77, a1, 0, li a1, -9; rem a1, a1, a1)
    TEST_CASE(78, a0, 0, li a1, 5; mul a0, a1, zero)
    TEST_CASE(79, a0, -1, li a1, 5; div a0, a1, zero)
    TEST_CASE(80, a0, 0, li a1, 5; mul zero, a1, a1; mv a0, zero)

PVM_TEST_END
