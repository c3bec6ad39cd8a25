/*
 * rv64c.S - every RV64C integer encoding (no FP loads/stores), written with
 * explicit c.* mnemonics so that each one really is a 16-bit instruction,
 * plus HINT encodings that must execute as no-ops and reserved/illegal
 * encodings that must raise illegal instruction with mtval = the 16-bit
 * instruction (mtval = 0 for the all-zero instruction).
 */
#include "common.h"

PVM_TEST_BEGIN
    .option push
    .option rvc

    /* ---- CIW: c.addi4spn ---- */
    TEST_CASE( 1, a0, 4, mv s1, sp; c.addi4spn a0, sp, 4; sub a0, a0, s1)
    TEST_CASE( 2, a5, 1020, c.addi4spn a5, sp, 1020; sub a5, a5, sp)

    /* ---- CL / CS: c.lw c.ld c.sw c.sd ---- */
    la s0, cdata
    TEST_CASE( 3, a0, 0xffffffff89abcdef, c.lw a0, 0(s0))
    TEST_CASE( 4, a1, 0x0000000001234567, c.lw a1, 4(s0))
    TEST_CASE( 5, a2, 0x0123456789abcdef, c.ld a2, 0(s0))
    TEST_CASE( 6, a3, 0x7766554433221100, c.ld a3, 248(s0))
    TEST_CASE( 7, a4, 0x5555555500000000 + 0x12345678, li a5, 0x5555555555555555; c.sd a5, 16(s0); li a5, 0x12345678; c.sw a5, 16(s0); c.ld a4, 16(s0))
    TEST_CASE( 8, a4, 0xffffffffdeadbeef, li a5, 0x00000000deadbeef; c.sw a5, 124(s0); c.lw a4, 124(s0))
    TEST_CASE( 9, a4, 0xfedcba9876543210, li a5, 0xfedcba9876543210; c.sd a5, 240(s0); c.ld a4, 240(s0))

    /* ---- CI: c.nop c.addi c.addiw c.li c.addi16sp c.lui c.slli ---- */
    TEST_CASE(10, a0, 7, li a0, 7; c.nop)
    TEST_CASE(11, a0, 38, li a0, 7; c.addi a0, 31)
    TEST_CASE(12, a0, -25, li a0, 7; c.addi a0, -32)
    TEST_CASE(13, t3, 0xffffffff80000000, li t3, 0x7fffffff; c.addiw t3, 1)
    TEST_CASE(14, t3, 0xffffffff87654321, li t3, 0x1234567887654321; c.addiw t3, 0)  /* sext.w */
    TEST_CASE(15, t3, 0x000000007fffffe0, li t3, 0xffffffff80000000; c.addiw t3, -32)
    TEST_CASE(16, s11, 31, c.li s11, 31)
    TEST_CASE(17, s11, -32, c.li s11, -32)
    TEST_CASE(18, a0, 496, mv s1, sp; c.addi16sp sp, 496; sub a0, sp, s1; mv sp, s1)
    TEST_CASE(19, a0, -512, mv s1, sp; c.addi16sp sp, -512; sub a0, sp, s1; mv sp, s1)
    TEST_CASE(20, t4, 0x000000000001f000, c.lui t4, 0x1f)
    TEST_CASE(21, t4, 0xfffffffffffe0000, c.lui t4, 0xfffe0)
    TEST_CASE(22, t4, 0xfffffffffffff000, c.lui t4, 0xfffff)
    TEST_CASE(23, ra, 0x8000000000000000, li ra, 1; c.slli ra, 63)
    TEST_CASE(24, ra, 0x0000000200000000, li ra, 1; c.slli ra, 33)

    /* ---- CB: c.srli c.srai c.andi ---- */
    TEST_CASE(25, s1, 0x0000000000000001, li s1, 0x8000000000000000; c.srli s1, 63)
    TEST_CASE(26, s1, 0x00000000ffffffff, li s1, -1; c.srli s1, 32)
    TEST_CASE(27, s1, 0xffffffffffffffff, li s1, 0x8000000000000000; c.srai s1, 63)
    TEST_CASE(28, s1, 0xfffffffffc000000, li s1, 0x8000000000000000; c.srai s1, 37)
    TEST_CASE(29, s1, 0x0000000000000010, li s1, 0x1234; c.andi s1, 0x1f - 0x0f)
    TEST_CASE(30, s1, 0x1230, li s1, 0x1234; c.andi s1, -16)

    /* ---- CA: c.sub c.xor c.or c.and c.subw c.addw ---- */
    TEST_CASE(31, a0, -3, li a0, 4; li a1, 7; c.sub a0, a1)
    TEST_CASE(32, a0, 0x0ff0, li a0, 0x0f0f; li a1, 0x00ff; c.xor a0, a1; li a2, 0x0ff0; xor a0, a0, zero)
    TEST_CASE(33, a0, 0x0fff, li a0, 0x0f0f; li a1, 0x00ff; c.or a0, a1)
    TEST_CASE(34, a0, 0x000f, li a0, 0x0f0f; li a1, 0x00ff; c.and a0, a1)
    TEST_CASE(35, a0, 0xffffffffffffffff, li a0, 0x100000000; li a1, 1; c.subw a0, a1)
    TEST_CASE(36, a0, 0x000000007fffffff, li a0, 0x80000000; li a1, 1; c.subw a0, a1)
    TEST_CASE(37, a0, 0xffffffff80000000, li a0, 0x7fffffff; li a1, 1; c.addw a0, a1)
    TEST_CASE(38, a0, 0x0000000000000003, li a0, 0x500000001; li a1, 0x700000002; c.addw a0, a1)

    /* ---- CR: c.mv c.add ---- */
    TEST_CASE(39, t0, 0x123456789, li t1, 0x123456789; c.mv t0, t1)
    TEST_CASE(40, t0, 0x12345678a, li t0, 1; li t1, 0x123456789; c.add t0, t1)

    /* ---- CSS / CI stack-relative: c.swsp c.sdsp c.lwsp c.ldsp ---- */
    TEST_CASE(41, t2, 0xffffffff80000001, li t1, 0x80000001; c.swsp t1, 252(sp); c.lwsp t2, 252(sp))
    TEST_CASE(42, t2, 0x0000000080000001, lwu t2, 252(sp))
    TEST_CASE(43, t2, 0xa5a5a5a5a5a5a5a5, li t1, 0xa5a5a5a5a5a5a5a5; c.sdsp t1, 504(sp); c.ldsp t2, 504(sp))
    TEST_CASE(44, t2, 0xa5a5a5a5a5a5a5a5, ld t2, 504(sp))
    TEST_CASE(45, t2, 0x0000000000000007, li t1, 7; c.sdsp t1, 0(sp); c.ldsp t2, 0(sp))

    /* ---- CJ / CB branches: c.j c.beqz c.bnez ---- */
    li TESTNUM, 46
    c.j 1f
    j pvm_fail
1:
    li TESTNUM, 47
    li s0, 0
    c.beqz s0, 1f
    j pvm_fail
1:  li s0, 1
    c.beqz s0, 2f
    c.j 3f
2:  j pvm_fail
3:
    li TESTNUM, 48
    li s0, 0x100000000              /* nonzero only in the upper half */
    c.bnez s0, 1f
    j pvm_fail
1:  li s0, 0
    c.bnez s0, 2f
    c.j 3f
2:  j pvm_fail
3:
    /* backward c.bnez loop */
    TEST_CASE(49, a0, 5, li a0, 0; li s1, 5; 1: c.addi a0, 1; c.addi s1, -1; c.bnez s1, 1b)

    /* ---- CR jumps: c.jr c.jalr (link = pc + 2) ---- */
    li TESTNUM, 50
    la t1, 1f
    c.jr t1
    j pvm_fail
1:
    li TESTNUM, 51
    la t1, 1f
    c.jalr t1
2:  j pvm_fail
1:  CHECK_EQ_ADDR(ra, 2b)
    la t1, 2b
    sub t1, ra, t1
    CHECK_EQ(t1, 0)
    /* c.jalr with rs1 == ra: target is the old ra */
    li TESTNUM, 52
    la ra, 1f
    c.jalr ra
2:  j pvm_fail
1:  CHECK_EQ_ADDR(ra, 2b)

    /* ---- c.ebreak: breakpoint exception, mepc = its address ---- */
    TEST_TRAP(53, CAUSE_BREAKPOINT, c.ebreak)
    /* mtval is either 0 or the pc of the ebreak */
    ld t5, pvm_trap_info + TI_TVAL
    beqz t5, 1f
    CHECK_TRAP_TVAL_ADDR(90002b)
1:

    /* ---- HINTs: must execute as no-ops ---- */
    li TESTNUM, 54
    li a0, 0x55
    .hword 0x4015                   /* c.li x0, 5 */
    .hword 0x0005                   /* c.nop with imm = 1 */
    .hword 0x802a                   /* c.mv x0, a0 */
    .hword 0x902a                   /* c.add x0, a0 */
    .hword 0x6005                   /* c.lui x0, 1 */
    .hword 0x0501                   /* c.addi a0, 0 */
    CHECK_EQ(a0, 0x55)
    CHECK_EQ(zero, 0)

    /* ---- illegal / reserved encodings ---- */
    TEST_ILLEGAL(55, .hword 0x0000)   /* all zero: illegal, mtval = 0 */
    CHECK_TRAP_TVAL(0)
    TEST_ILLEGAL(56, .hword 0x0004)   /* c.addi4spn with nzuimm = 0 */
    CHECK_TRAP_TVAL(0x0004)
    TEST_ILLEGAL(57, .hword 0x4002)   /* c.lwsp rd = x0 */
    CHECK_TRAP_TVAL(0x4002)
    TEST_ILLEGAL(58, .hword 0x6002)   /* c.ldsp rd = x0 */
    TEST_ILLEGAL(59, .hword 0x8002)   /* c.jr rs1 = x0 */
    TEST_ILLEGAL(60, .hword 0x6101)   /* c.addi16sp nzimm = 0 */
    TEST_ILLEGAL(61, .hword 0x6081)   /* c.lui nzimm = 0 */
    TEST_ILLEGAL(62, .hword 0x2001)   /* c.addiw rd = x0 */
    TEST_ILLEGAL(63, .hword 0x9c41)   /* reserved CA encoding (funct6 100111, funct2 10) */
    CHECK_TRAP_TVAL(0x9c41)

    /* ---- mixing: a 32-bit instruction at a 2-byte aligned address ---- */
    li TESTNUM, 64
    .align 2
    c.nop
    li a0, 0x12345000              /* lui+addi(w): 32-bit forms at 4n+2 */
    CHECK_EQ(a0, 0x12345000)

    .option pop
PVM_TEST_END

    .data
    .align 3
cdata:
    .dword 0x0123456789abcdef
    .zero 232
    .dword 0                       /* offset 240 */
    .dword 0x7766554433221100      /* offset 248 */
