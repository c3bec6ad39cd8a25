/*
 * rv64a.S - RV64A: LR/SC (success, failure without reservation, failure
 * after the reservation was consumed, sign extension), every AMO in .W and
 * .D form (old value in rd, new value in memory, neighbouring word
 * untouched, only the low 32 bits of rs2 used by .W), ordering bits, and
 * misaligned LR/SC/AMO exceptions.
 *
 * Misaligned atomics: the A chapter requires natural alignment and says an
 * address-misaligned (or access-fault) exception "will be generated".  LR is
 * a load (cause 4, load address misaligned); SC and AMOs are stores/AMOs
 * (cause 6, store/AMO address misaligned).  mtval = faulting address.
 * paravm raises the misaligned exceptions.  QEMU 7.2 differs in two spots,
 * guarded with PVM_QEMU_COMPAT below:
 *   - misaligned AMOs raise cause 4 (load misaligned) instead of 6;
 *   - a misaligned SC without a matching reservation does not trap at all
 *     (it just fails, rd = 1).
 */
#include "common.h"

/* 32-bit AMO: memory dword = 0xa5a5a5a5_<init>; check rd (sign-extended old
 * value), the new low word and that the high word is untouched */
#define TEST_AMO_W(n, op, init, src, exp_rd, exp_mem) \
    li TESTNUM, n; la a1, amobuf; \
    li a2, (0xa5a5a5a500000000 | ((init) & 0xffffffff)); sd a2, 0(a1); \
    li a3, src; op a0, a3, (a1); \
    CHECK_EQ(a0, exp_rd); \
    lwu a4, 0(a1); CHECK_EQ(a4, ((exp_mem) & 0xffffffff)); \
    lwu a4, 4(a1); CHECK_EQ(a4, 0xa5a5a5a5)

#define TEST_AMO_D(n, op, init, src, exp_rd, exp_mem) \
    li TESTNUM, n; la a1, amobuf; \
    li a2, init; sd a2, 0(a1); \
    li a3, src; op a0, a3, (a1); \
    CHECK_EQ(a0, exp_rd); \
    ld a4, 0(a1); CHECK_EQ(a4, exp_mem)

PVM_TEST_BEGIN

    la s0, amobuf
    la s1, otherpage

    /* ---- SC without any reservation fails and does not write ---- */
    li TESTNUM, 1
    li a1, 0x1111
    sd a1, 0(s0)
    li a2, 0x2222
    sc.w a0, a2, (s0)
    bnez a0, 1f                     /* failure: nonzero code */
    j pvm_fail
1:  ld a3, 0(s0)
    CHECK_EQ(a3, 0x1111)

    /* ---- LR/SC success ---- */
    li TESTNUM, 2
    lr.w a0, (s0)
    CHECK_EQ(a0, 0x1111)
    li a2, 0x2222
    sc.w a3, a2, (s0)
    CHECK_EQ(a3, 0)                 /* success: 0 */
    ld a4, 0(s0)
    CHECK_EQ(a4, 0x2222)

    /* ---- the reservation is consumed: a second SC fails ---- */
    li TESTNUM, 3
    li a2, 0x3333
    sc.w a3, a2, (s0)
    bnez a3, 1f
    j pvm_fail
1:  ld a4, 0(s0)
    CHECK_EQ(a4, 0x2222)

    /* ---- LR.W sign-extends; SC.W writes only 32 bits ---- */
    li TESTNUM, 4
    li a1, 0x12345678fedcba98
    sd a1, 0(s0)
    lr.w a0, (s0)
    CHECK_EQ(a0, 0xfffffffffedcba98)
    li a2, 0x7777777700000001
    sc.w a3, a2, (s0)
    CHECK_EQ(a3, 0)
    ld a4, 0(s0)
    CHECK_EQ(a4, 0x1234567800000001)

    /* ---- LR.D / SC.D ---- */
    li TESTNUM, 5
    li a1, 0x8000000000000001
    sd a1, 8(s0)
    addi a5, s0, 8
    lr.d a0, (a5)
    CHECK_EQ(a0, 0x8000000000000001)
    li a2, 0x0123456789abcdef
    sc.d a3, a2, (a5)
    CHECK_EQ(a3, 0)
    ld a4, 8(s0)
    CHECK_EQ(a4, 0x0123456789abcdef)

    li TESTNUM, 6
    sc.d a3, zero, (a5)             /* no reservation any more */
    bnez a3, 1f
    j pvm_fail
1:  ld a4, 8(s0)
    CHECK_EQ(a4, 0x0123456789abcdef)

    /* ---- SC to an address in another page than the reservation fails ---- */
    li TESTNUM, 7
    sd zero, 0(s1)
    lr.d a0, (s0)
    li a2, 0x55
    sc.d a3, a2, (s1)
    bnez a3, 1f
    j pvm_fail
1:  ld a4, 0(s1)
    CHECK_EQ(a4, 0)
    sc.d a3, a2, (s0)               /* clears any reservation left over */

    /* ---- LR/SC retry loop (atomic increment) with aq/rl bits ---- */
    li TESTNUM, 8
    li a1, 41
    sd a1, 16(s0)
    addi a5, s0, 16
1:  lr.d.aq a0, (a5)
    addi a0, a0, 1
    sc.d.rl a3, a0, (a5)
    bnez a3, 1b
    ld a4, 16(s0)
    CHECK_EQ(a4, 42)
    li TESTNUM, 9
1:  lr.w.aqrl a0, (a5)
    addi a0, a0, 1
    sc.w.aqrl a3, a0, (a5)
    bnez a3, 1b
    ld a4, 16(s0)
    CHECK_EQ(a4, 43)

    /* ---- AMO .W ---- */
    TEST_AMO_W(10, amoswap.w, 0x80000001, 0x0000000f, 0xffffffff80000001, 0x0000000f)
    TEST_AMO_W(11, amoadd.w,  0x7fffffff, 1, 0x7fffffff, 0x80000000)
    TEST_AMO_W(12, amoadd.w,  0xffffffff, 0x100000001, 0xffffffffffffffff, 0x00000000) /* no carry out */
    TEST_AMO_W(13, amoxor.w,  0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xf0f0f0f0)
    TEST_AMO_W(14, amoand.w,  0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0x0f000f00)
    TEST_AMO_W(15, amoor.w,   0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xfff0fff0)
    TEST_AMO_W(16, amomin.w,  0x80000001, 5, 0xffffffff80000001, 0x80000001)
    TEST_AMO_W(17, amomin.w,  5, -1, 5, 0xffffffff)
    TEST_AMO_W(18, amomin.w,  5, 0x00000000ffffffff, 5, 0xffffffff)  /* rs2 low word = -1 */
    TEST_AMO_W(19, amomax.w,  0x80000001, 5, 0xffffffff80000001, 5)
    TEST_AMO_W(20, amomax.w,  0, 0x00000000ffffffff, 0, 0)
    TEST_AMO_W(21, amominu.w, 0x80000001, 5, 0xffffffff80000001, 5)
    TEST_AMO_W(22, amominu.w, 5, 0xffffffff00000003, 5, 3)
    TEST_AMO_W(23, amomaxu.w, 0x80000001, 5, 0xffffffff80000001, 0x80000001)
    TEST_AMO_W(24, amomaxu.w, 5, 0x00000001fffffffe, 5, 0xfffffffe)
    TEST_AMO_W(25, amoadd.w.aq, 1, 2, 1, 3)
    TEST_AMO_W(26, amoadd.w.rl, 1, 2, 1, 3)
    TEST_AMO_W(27, amoadd.w.aqrl, 1, 2, 1, 3)

    /* ---- AMO .D ---- */
    TEST_AMO_D(28, amoswap.d, 0x0123456789abcdef, -1, 0x0123456789abcdef, -1)
    TEST_AMO_D(29, amoadd.d,  -1, 2, -1, 1)
    TEST_AMO_D(30, amoadd.d,  0xffffffff, 1, 0xffffffff, 0x100000000)
    TEST_AMO_D(31, amoxor.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
    TEST_AMO_D(32, amoand.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
    TEST_AMO_D(33, amoor.d,   0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
    TEST_AMO_D(34, amomin.d,  0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO_D(35, amomin.d,  5, 0x00000000ffffffff, 5, 5)
    TEST_AMO_D(36, amomax.d,  0x8000000000000000, 1, 0x8000000000000000, 1)
    TEST_AMO_D(37, amominu.d, 0x8000000000000000, 1, 0x8000000000000000, 1)
    TEST_AMO_D(38, amomaxu.d, 0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO_D(39, amomaxu.d, 0xfffffffe, 0xffffffff00000000, 0xfffffffe, 0xffffffff00000000)
    TEST_AMO_D(40, amoswap.d.aqrl, 7, 8, 7, 8)

    /* ---- rd = x0 (value discarded, memory still updated) ---- */
    li TESTNUM, 41
    li a1, 10
    sd a1, 0(s0)
    li a2, 5
    amoadd.d zero, a2, (s0)
    ld a4, 0(s0)
    CHECK_EQ(a4, 15)
    /* ---- rd == rs2 ---- */
    li TESTNUM, 42
    li a2, 3
    amoadd.d a2, a2, (s0)
    CHECK_EQ(a2, 15)
    ld a4, 0(s0)
    CHECK_EQ(a4, 18)
    /* ---- rs2 = x0: amoor with 0 is an atomic load ---- */
    li TESTNUM, 43
    amoor.w a0, zero, (s0)
    CHECK_EQ(a0, 18)

    /* ---- misaligned LR: load address misaligned, mtval = address ---- */
    addi s2, s0, 1
    TEST_TRAP(44, CAUSE_MISALIGNED_LOAD, lr.w a0, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    addi s2, s0, 4
    TEST_TRAP(45, CAUSE_MISALIGNED_LOAD, lr.d a0, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    addi s2, s0, 2
    TEST_TRAP(46, CAUSE_MISALIGNED_LOAD, lr.w.aqrl a0, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)

#ifndef PVM_QEMU_COMPAT
    /* ---- misaligned AMOs: store/AMO address misaligned, memory untouched ---- */
    li a1, 0x0123456789abcdef
    sd a1, 0(s0)
    addi s2, s0, 2
    TEST_TRAP(47, CAUSE_MISALIGNED_STORE, amoadd.w a0, a1, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    addi s2, s0, 1
    TEST_TRAP(48, CAUSE_MISALIGNED_STORE, amoswap.w a0, a1, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    addi s2, s0, 4
    TEST_TRAP(49, CAUSE_MISALIGNED_STORE, amoor.d a0, a1, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    addi s2, s0, 7
    TEST_TRAP(50, CAUSE_MISALIGNED_STORE, amomaxu.d a0, a1, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    li TESTNUM, 51
    ld a4, 0(s0)
    li a1, 0x0123456789abcdef
    CHECK_EQ_REG(a4, a1)

    /* ---- misaligned SC: store/AMO address misaligned (even without a
     *      reservation, the alignment check is part of the instruction) ---- */
    addi s2, s0, 2
    TEST_TRAP(52, CAUSE_MISALIGNED_STORE, sc.w a0, a1, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    addi s2, s0, 4
    lr.d a0, (s0)
    TEST_TRAP(53, CAUSE_MISALIGNED_STORE, sc.d a0, a1, (s2))
    ld t5, pvm_trap_info + TI_TVAL
    CHECK_EQ_REG(t5, s2)
    li TESTNUM, 54
    ld a4, 0(s0)
    li a1, 0x0123456789abcdef
    CHECK_EQ_REG(a4, a1)
#endif

PVM_TEST_END

    .data
    .align 4
amobuf:
    .zero 64
    .bss
    .align 12
    .zero 4096
otherpage:
    .zero 64
