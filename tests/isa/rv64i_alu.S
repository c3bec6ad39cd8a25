/*
 * rv64i_alu.S - RV64I integer computational instructions:
 * register-immediate and register-register ops, shifts, compares,
 * LUI/AUIPC, the *W forms, and x0 as source/destination.
 */
#include "common.h"

PVM_TEST_BEGIN

    /* ---- ADD / ADDI / SUB ---- */
    TEST_CASE( 1, a0, 0x0000000000000000, li a1, 0; li a2, 0; add a0, a1, a2)
    TEST_CASE( 2, a0, 0x0000000000000005, li a1, 2; li a2, 3; add a0, a1, a2)
    TEST_CASE( 3, a0, 0xffffffffffffffff, li a1, 0; li a2, -1; add a0, a1, a2)
    TEST_CASE( 4, a0, 0x8000000000000000, li a1, 0x7fffffffffffffff; li a2, 1; add a0, a1, a2)
    TEST_CASE( 5, a0, 0x0000000000000000, li a1, -1; li a2, 1; add a0, a1, a2)
    TEST_CASE( 6, a0, 0x0000000100000000, li a1, 0xffffffff; li a2, 1; add a0, a1, a2)
    TEST_CASE( 7, a0, 0x00000000000007ff, li a1, 0; addi a0, a1, 2047)
    TEST_CASE( 8, a0, 0xfffffffffffff800, li a1, 0; addi a0, a1, -2048)
    TEST_CASE( 9, a0, 0x000000007ffff800, li a1, 0x7fffffff; addi a0, a1, -2047)
    TEST_CASE(10, a0, 0x8000000000000000, li a1, 0x7fffffffffffffff; addi a0, a1, 1)
    TEST_CASE(11, a0, 0xffffffffffffffff, li a1, 0; li a2, 1; sub a0, a1, a2)
    TEST_CASE(12, a0, 0x7fffffffffffffff, li a1, 0x8000000000000000; li a2, 1; sub a0, a1, a2)
    TEST_CASE(13, a0, 0x0000000000000000, li a1, 0x123456789; sub a0, a1, a1)
    TEST_CASE(14, a0, 0xfffffffffffffffe, li a1, -1; li a2, 1; sub a0, a1, a2)
    /* rd == rs1 */
    TEST_CASE(15, a1, 0x0000000000000018, li a1, 13; addi a1, a1, 11)
    TEST_CASE(16, a1, 0x0000000000000030, li a1, 24; add a1, a1, a1)

    /* ---- logical ---- */
    TEST_CASE(17, a0, 0x0f000f000f000f00, li a1, 0xff00ff00ff00ff00; li a2, 0x0f0f0f0f0f0f0f0f; and a0, a1, a2)
    TEST_CASE(18, a0, 0xff0fff0fff0fff0f, li a1, 0xff00ff00ff00ff00; li a2, 0x0f0f0f0f0f0f0f0f; or a0, a1, a2)
    TEST_CASE(19, a0, 0xf00ff00ff00ff00f, li a1, 0xff00ff00ff00ff00; li a2, 0x0f0f0f0f0f0f0f0f; xor a0, a1, a2)
    TEST_CASE(20, a0, 0xff00ff00ff00ff00, li a1, 0xff00ff00ff00ff00; andi a0, a1, -1)
    TEST_CASE(21, a0, 0x0000000000000700, li a1, 0xff00ff00ff00ff00; andi a0, a1, 0x7f0)
    TEST_CASE(22, a0, 0xff00ff00ff00ff00, li a1, 0xff00ff00ff00ff00; andi a0, a1, -256)
    TEST_CASE(23, a0, 0xff00ff00ff00fff0, li a1, 0xff00ff00ff00ff00; ori a0, a1, 0x0f0)
    TEST_CASE(24, a0, 0xfffffffffffff80f, li a1, 0x000000000000000f; ori a0, a1, -2048)
    TEST_CASE(25, a0, 0x00ff00ff00ff00ff, li a1, 0xff00ff00ff00ff00; xori a0, a1, -1)
    TEST_CASE(26, a0, 0xff00ff00ff00fff0, li a1, 0xff00ff00ff00ff00; xori a0, a1, 0x0f0)

    /* ---- shifts (6-bit shamt, upper bits of rs2 ignored) ---- */
    TEST_CASE(27, a0, 0x0000000000000001, li a1, 1; slli a0, a1, 0)
    TEST_CASE(28, a0, 0x8000000000000000, li a1, 1; slli a0, a1, 63)
    TEST_CASE(29, a0, 0x0000000100000000, li a1, 1; slli a0, a1, 32)
    TEST_CASE(30, a0, 0x2468acf0, li a1, 0x12345678; li a2, 1; sll a0, a1, a2)
    TEST_CASE(31, a0, 0x8000000000000000, li a1, 1; li a2, 0xffffffffffffffff; sll a0, a1, a2)
    TEST_CASE(32, a0, 0x0000000000000002, li a1, 1; li a2, 0x41; sll a0, a1, a2)
    TEST_CASE(33, a0, 0x0000000000000001, li a1, 0x8000000000000000; srli a0, a1, 63)
    TEST_CASE(34, a0, 0x00000000ffffffff, li a1, -1; srli a0, a1, 32)
    TEST_CASE(35, a0, 0x7fffffffffffffff, li a1, -1; li a2, 0x41; srl a0, a1, a2)
    TEST_CASE(36, a0, 0xffffffffffffffff, li a1, 0x8000000000000000; srai a0, a1, 63)
    TEST_CASE(37, a0, 0xffffffff80000000, li a1, 0x8000000000000000; srai a0, a1, 32)
    TEST_CASE(38, a0, 0x0000000040000000, li a1, 0x4000000000000000; srai a0, a1, 32)
    TEST_CASE(39, a0, 0xc000000000000000, li a1, 0x8000000000000000; li a2, 0x7c1; sra a0, a1, a2)
    TEST_CASE(40, a0, 0x8000000000000000, li a1, 0x8000000000000000; li a2, 0x40; sra a0, a1, a2)

    /* ---- compares ---- */
    TEST_CASE(41, a0, 1, li a1, -1; li a2, 0; slt a0, a1, a2)
    TEST_CASE(42, a0, 0, li a1, -1; li a2, 0; sltu a0, a1, a2)
    TEST_CASE(43, a0, 0, li a1, 5; li a2, 5; slt a0, a1, a2)
    TEST_CASE(44, a0, 1, li a1, 0x8000000000000000; li a2, 0x7fffffffffffffff; slt a0, a1, a2)
    TEST_CASE(45, a0, 0, li a1, 0x8000000000000000; li a2, 0x7fffffffffffffff; sltu a0, a1, a2)
    TEST_CASE(46, a0, 1, li a1, 0x7fffffffffffffff; li a2, 0x8000000000000000; sltu a0, a1, a2)
    TEST_CASE(47, a0, 1, li a1, -2049; slti a0, a1, -2048)
    TEST_CASE(48, a0, 0, li a1, -2048; slti a0, a1, -2048)
    TEST_CASE(49, a0, 1, li a1, 2046; slti a0, a1, 2047)
    /* sltiu sign-extends the immediate, then compares unsigned */
    TEST_CASE(50, a0, 1, li a1, 0xfffffffffffffffe; sltiu a0, a1, -1)
    TEST_CASE(51, a0, 0, li a1, -1; sltiu a0, a1, -1)
    TEST_CASE(52, a0, 1, li a1, 0; sltiu a0, a1, 1)   /* seqz */
    TEST_CASE(53, a0, 0, li a1, 7; sltiu a0, a1, 1)
    TEST_CASE(54, a0, 1, li a1, 7; sltu a0, zero, a1)  /* snez */
    TEST_CASE(55, a0, 0, sltu a0, zero, zero)

    /* ---- LUI / AUIPC ---- */
    TEST_CASE(56, a0, 0x0000000000001000, lui a0, 1)
    TEST_CASE(57, a0, 0xffffffff80000000, lui a0, 0x80000)
    TEST_CASE(58, a0, 0x000000007ffff000, lui a0, 0x7ffff)
    TEST_CASE(59, a0, 0xfffffffffffff000, lui a0, 0xfffff)
    TEST_CASE(60, a0, 0, li a0, 0; 1: auipc a1, 0; la a2, 1b; sub a0, a1, a2)
    TEST_CASE(61, a0, 0x1000, 1: auipc a1, 1; la a2, 1b; sub a0, a1, a2)
    /* auipc with a negative offset: 0x80000xxx - 0x1000 */
    TEST_CASE(62, a0, -0x1000, 1: auipc a1, 0xfffff; la a2, 1b; sub a0, a1, a2)

    /* ---- W forms: 32-bit result sign-extended ---- */
    TEST_CASE(63, a0, 0xffffffff80000000, li a1, 0x7fffffff; li a2, 1; addw a0, a1, a2)
    TEST_CASE(64, a0, 0x0000000000000000, li a1, 0xffffffff; li a2, 1; addw a0, a1, a2)
    TEST_CASE(65, a0, 0x0000000000000003, li a1, 0x1234567800000001; li a2, 0x7654321000000002; addw a0, a1, a2)
    TEST_CASE(66, a0, 0xffffffff80000000, li a1, 0x7fffffff; addiw a0, a1, 1)
    TEST_CASE(67, a0, 0xffffffffffffffff, li a1, 0xffffffff00000000; addiw a0, a1, -1)
    TEST_CASE(68, a0, 0x0000000012345678, li a1, 0xabcdef0012345678; addiw a0, a1, 0)   /* sext.w */
    TEST_CASE(69, a0, 0xffffffff87654321, li a1, 0x0000000087654321; sext.w a0, a1)
    TEST_CASE(70, a0, 0x000000007fffffff, li a1, 0xffffffff80000000; li a2, 1; subw a0, a1, a2)
    TEST_CASE(71, a0, 0xffffffffffffffff, li a1, 0; li a2, 1; subw a0, a1, a2)
    TEST_CASE(72, a0, 0xffffffff80000000, li a1, 1; slliw a0, a1, 31)
    TEST_CASE(73, a0, 0x0000000000000000, li a1, 0x100000000; slliw a0, a1, 1)
    TEST_CASE(74, a0, 0xffffffff80000000, li a1, 1; li a2, 0x3f; sllw a0, a1, a2)   /* only 5 bits of rs2 */
    TEST_CASE(75, a0, 0x0000000000000001, li a1, 0x80000000; srliw a0, a1, 31)
    TEST_CASE(76, a0, 0xffffffff80000000, li a1, 0xffffffff80000000; srliw a0, a1, 0)
    TEST_CASE(77, a0, 0x000000007fffffff, li a1, 0x12345678ffffffff; srliw a0, a1, 1)
    TEST_CASE(78, a0, 0x0000000000000001, li a1, 0x80000000; li a2, 0x3f; srlw a0, a1, a2)
    TEST_CASE(79, a0, 0xffffffffffffffff, li a1, 0x80000000; sraiw a0, a1, 31)
    TEST_CASE(80, a0, 0xfffffffff8000000, li a1, 0x0000000080000000; sraiw a0, a1, 4)
    TEST_CASE(81, a0, 0x0000000007ffffff, li a1, 0xffffffff7fffffff; sraiw a0, a1, 4)
    TEST_CASE(82, a0, 0xffffffffffffffff, li a1, 0x80000000; li a2, 0x3f; sraw a0, a1, a2)
    TEST_CASE(83, a0, 0x0000000000000001, li a1, 0x00000001; li a2, 0x20; sraw a0, a1, a2)

    /* ---- x0 is hard-wired to zero ---- */
    TEST_CASE(84, a0, 0, li a1, 5; addi zero, a1, 3; mv a0, zero)
    TEST_CASE(85, a0, 0, lui zero, 0x12345; add a0, zero, zero)
    TEST_CASE(86, a0, 5, li a1, 5; add a0, a1, zero)
    TEST_CASE(87, a0, 0, li a0, 99; 1: auipc zero, 5; mv a0, zero)

    /* ---- NOP-like hints and encodings that must not trap ---- */
    TEST_CASE(88, a0, 42, li a0, 42; nop; addi zero, zero, 0; slli zero, a0, 3; fence; fence.i; fence rw, rw)

    /* ---- dependency chain ---- */
    TEST_CASE(89, a0, 0x6f, li a0, 1; slli a0, a0, 5; addi a0, a0, 15; ori a0, a0, 0x40; xori a0, a0, 0x00; sub a0, a0, zero)

PVM_TEST_END
