/*
 * rv64i_branch_jump.S - conditional branches (taken / not taken, forward /
 * backward, signed / unsigned edge cases), JAL and JALR (link values,
 * offsets, LSB clearing, rd == rs1), and 2-byte aligned targets (legal
 * because C is implemented).
 */
#include "common.h"

/* branch `op v1, v2` must be taken */
#define TEST_BR_TAKEN(n, op, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; \
    op a1, a2, 80001f; j pvm_fail; 80001:
/* branch `op v1, v2` must fall through */
#define TEST_BR_NOT_TAKEN(n, op, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; \
    op a1, a2, 80002f; j 80003f; 80002: j pvm_fail; 80003:

PVM_TEST_BEGIN

    TEST_BR_TAKEN( 1, beq, 0, 0)
    TEST_BR_TAKEN( 2, beq, -1, -1)
    TEST_BR_NOT_TAKEN( 3, beq, 0, 1)
    TEST_BR_NOT_TAKEN( 4, beq, 0x100000000, 0)
    TEST_BR_TAKEN( 5, bne, 0x100000000, 0)
    TEST_BR_TAKEN( 6, bne, 1, 0)
    TEST_BR_NOT_TAKEN( 7, bne, 5, 5)
    TEST_BR_TAKEN( 8, blt, -1, 0)
    TEST_BR_TAKEN( 9, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(10, blt, 0, -1)
    TEST_BR_NOT_TAKEN(11, blt, 3, 3)
    TEST_BR_TAKEN(12, bge, 3, 3)
    TEST_BR_TAKEN(13, bge, 0, -1)
    TEST_BR_NOT_TAKEN(14, bge, -1, 0)
    TEST_BR_NOT_TAKEN(15, bge, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_TAKEN(16, bltu, 0, -1)
    TEST_BR_TAKEN(17, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(18, bltu, -1, 0)
    TEST_BR_NOT_TAKEN(19, bltu, 7, 7)
    TEST_BR_TAKEN(20, bgeu, -1, 0)
    TEST_BR_TAKEN(21, bgeu, 7, 7)
    TEST_BR_NOT_TAKEN(22, bgeu, 0, -1)
    TEST_BR_NOT_TAKEN(23, bgeu, 0xfffffffe, 0xffffffff)
    /* comparisons are 64-bit: values differing only in the upper half */
    TEST_BR_TAKEN(24, blt, 0xffffffff00000000, 0x00000000ffffffff)
    TEST_BR_TAKEN(25, bltu, 0x00000000ffffffff, 0xffffffff00000000)

    /* backward branch: loop 10 times */
    TEST_CASE(26, a0, 10, li a0, 0; li a1, 10; 1: addi a0, a0, 1; bne a0, a1, 1b)
    TEST_CASE(27, a0, 55, li a0, 0; li a1, 10; 1: add a0, a0, a1; addi a1, a1, -1; bgtz a1, 1b)

    /* branch target far away (> 1 KiB forward and backward) */
    li TESTNUM, 28
    beq zero, zero, far_fwd
    j pvm_fail
far_back:
    j far_done
    .fill 300, 4, 0x00000013        /* 300 nops */
far_fwd:
    bne zero, TESTNUM, far_back
    j pvm_fail
far_done:

    /* ---- JAL ---- */
    li TESTNUM, 29
    jal a0, 1f
2:  j pvm_fail
1:  CHECK_EQ_ADDR(a0, 2b)           /* link = pc + 4 */

    li TESTNUM, 30
    li a0, 0
    jal zero, 1f                     /* j: no link */
    li a0, 1
1:  CHECK_EQ(a0, 0)

    /* jal backwards */
    li TESTNUM, 31
    li a1, 0
    j 2f
1:  addi a1, a1, 1
    j 3f
2:  jal ra, 1b
3:  CHECK_EQ(a1, 1)

    /* ---- JALR ---- */
    li TESTNUM, 32
    la a1, 1f
    jalr a0, 0(a1)
2:  j pvm_fail
1:  CHECK_EQ_ADDR(a0, 2b)

    /* positive and negative offsets */
    li TESTNUM, 33
    la a1, 1f
    addi a1, a1, -16
    jalr a0, 16(a1)
    j pvm_fail
1:
    li TESTNUM, 34
    la a1, 1f
    addi a1, a1, 100
    jalr a0, -100(a1)
    j pvm_fail
1:
    /* the sum's LSB is cleared: target = (rs1 + imm) & ~1 */
    li TESTNUM, 35
    la a1, 1f
    jalr a0, 1(a1)
    j pvm_fail
    .align 2
1:
    li TESTNUM, 36
    la a1, 1f
    addi a1, a1, 1
    jalr a0, 0(a1)
    j pvm_fail
    .align 2
1:
    /* rd == rs1: target uses the old value, rd gets the link */
    li TESTNUM, 37
    la a1, 1f
    jalr a1, 0(a1)
2:  j pvm_fail
1:  CHECK_EQ_ADDR(a1, 2b)

    /* jalr x0 (jr) and ret */
    li TESTNUM, 38
    la a1, 1f
    li a0, 0
    jr a1
    li a0, 1
1:  CHECK_EQ(a0, 0)

    li TESTNUM, 39
    li a0, 0
    call sub_inc
    call sub_inc
    CHECK_EQ(a0, 2)

    /* ---- 2-byte aligned targets are legal with C ---- */
    li TESTNUM, 40
    .option push
    .option norvc
    .align 2
    j 1f
    .option pop
    .hword 0x0001                   /* c.nop padding: target is 4n+2 */
1:  c.nop
    la a1, 2f
    andi a2, a1, 3
    CHECK_EQ(a2, 2)
    jalr a0, 0(a1)
    j pvm_fail
    .align 2
    c.nop
2:

    /* branch to a 2-byte aligned target */
    li TESTNUM, 41
    .option push
    .option norvc
    .align 2
    beq zero, zero, 1f
    .option pop
    .hword 0x0001
1:  nop

    /* taken branch with rs1 == rs2 register */
    TEST_BR_TAKEN(42, blt, -5, 0)
    li TESTNUM, 43
    li a1, -5
    blt a1, a1, 1f
    bge a1, a1, 2f
1:  j pvm_fail
2:  bltu a1, a1, 1b
    bgeu a1, a1, 3f
    j pvm_fail
3:

    /* x0 compares */
    li TESTNUM, 44
    bnez zero, 1f
    beqz zero, 2f
1:  j pvm_fail
2:

PVM_TEST_END

sub_inc:
    addi a0, a0, 1
    ret
