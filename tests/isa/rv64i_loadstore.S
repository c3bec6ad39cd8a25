/*
 * rv64i_loadstore.S - RV64I loads and stores: every width, sign/zero
 * extension, positive/negative offsets, store/load round trips, byte lanes
 * left untouched, and misaligned accesses of every width at every offset.
 * paravm (like QEMU) performs misaligned ordinary loads and stores in
 * hardware: they must complete without trapping (the privileged spec lets
 * an EEI either do that or trap; paravm's choice is to do it).
 */
#include "common.h"

/* load at data+off, compare */
#define TEST_LD(n, insn, off, expected) \
    TEST_CASE(n, a0, expected, la a1, ldata; insn a0, off(a1))

PVM_TEST_BEGIN

    /* ---- aligned loads, sign / zero extension ---- */
    TEST_LD( 1, lb,  0, 0x11)
    TEST_LD( 2, lb,  7, 0xffffffffffffff88)
    TEST_LD( 3, lbu, 7, 0x88)
    TEST_LD( 4, lbu, 15, 0x00)
    TEST_LD( 5, lh,  0, 0x2211)
    TEST_LD( 6, lh,  6, 0xffffffffffff8877)
    TEST_LD( 7, lhu, 6, 0x8877)
    TEST_LD( 8, lw,  0, 0x44332211)
    TEST_LD( 9, lw,  4, 0xffffffff88776655)
    TEST_LD(10, lwu, 4, 0x88776655)
    TEST_LD(11, ld,  0, 0x8877665544332211)
    TEST_LD(12, ld,  8, 0x00ffeeddccbbaa99)
    /* negative offset */
    TEST_CASE(13, a0, 0x8877665544332211, la a1, ldata+8; ld a0, -8(a1))
    TEST_CASE(14, a0, 0xffffffffffffffcc, la a1, ldata+16; lb a0, -5(a1))
    /* large offsets */
    TEST_CASE(15, a0, 0x99, la a1, ldata-2039; lbu a0, 2047(a1))
    TEST_CASE(16, a0, 0x44332211, la a1, ldata+2048; lw a0, -2048(a1))

    /* ---- misaligned loads (must not trap) ---- */
    TEST_LD(17, lh,  1, 0x3322)
    TEST_LD(18, lh,  7, 0xffffffffffff9988)
    TEST_LD(19, lhu, 7, 0x9988)
    TEST_LD(20, lhu, 3, 0x5544)
    TEST_LD(21, lw,  1, 0x55443322)
    TEST_LD(22, lw,  2, 0x66554433)
    TEST_LD(23, lw,  3, 0x77665544)
    TEST_LD(24, lw,  5, 0xffffffff99887766)
    TEST_LD(25, lwu, 5, 0x99887766)
    TEST_LD(26, lwu, 7, 0xbbaa9988)
    TEST_LD(27, ld,  1, 0x9988776655443322)
    TEST_LD(28, ld,  2, 0xaa99887766554433)
    TEST_LD(29, ld,  3, 0xbbaa998877665544)
    TEST_LD(30, ld,  4, 0xccbbaa9988776655)
    TEST_LD(31, ld,  5, 0xddccbbaa99887766)
    TEST_LD(32, ld,  6, 0xeeddccbbaa998877)
    TEST_LD(33, ld,  7, 0xffeeddccbbaa9988)

    /* ---- stores: round trips and untouched neighbours ---- */
    la s0, sbuf
    li s1, 0x0123456789abcdef
    TEST_CASE(34, a0, 0x0123456789abcdef, sd s1, 0(s0); ld a0, 0(s0))
    TEST_CASE(35, a0, 0x01234567895acdef, li a1, 0x5a; sb a1, 2(s0); ld a0, 0(s0))
    TEST_CASE(36, a0, 0xa5234567895acdef, li a1, 0xa5a5a5a5a5a5a5a5; sb a1, 7(s0); ld a0, 0(s0))
    TEST_CASE(37, a0, 0xffffffffffffffa5, lb a0, 7(s0))
    TEST_CASE(38, a0, 0xa523beef895acdef, li a1, 0x1111beef; sh a1, 4(s0); ld a0, 0(s0))
    TEST_CASE(39, a0, 0xffffffffffffbeef, lh a0, 4(s0))
    TEST_CASE(40, a0, 0xa523beefdeadbeef, li a1, 0x77777777deadbeef; sw a1, 0(s0); ld a0, 0(s0))
    TEST_CASE(41, a0, 0xffffffffdeadbeef, lw a0, 0(s0))
    TEST_CASE(42, a0, 0x00000000deadbeef, lwu a0, 0(s0))
    TEST_CASE(43, a0, 0, sd zero, 8(s0); sd zero, 16(s0); ld a0, 8(s0))
    /* negative store offset */
    TEST_CASE(44, a0, 0x00000000000000ab, addi a1, s0, 16; li a2, 0xab; sb a2, -8(a1); ld a0, 8(s0))

    /* ---- misaligned stores (must not trap) ---- */
    sd zero, 0(s0)
    sd zero, 8(s0)
    sd zero, 16(s0)
    TEST_CASE(45, a0, 0x0000000000aabb00, li a1, 0xaabb; sh a1, 1(s0); ld a0, 0(s0))
    TEST_CASE(46, a0, 0x1100000000aabb00, li a1, 0x2211; sh a1, 7(s0); ld a0, 0(s0))
    TEST_CASE(47, a0, 0x0000000000000022, ld a0, 8(s0))
    TEST_CASE(48, a0, 0x1111223344aabb00, li a1, 0x11223344; sw a1, 3(s0); ld a0, 0(s0))
    TEST_CASE(49, a0, 0x0000000000000022, ld a0, 8(s0))
    TEST_CASE(50, a0, 0x000000ccddeeffcc, li a1, 0x8899aabbccddeeff; sw a1, 5(s0); sw a1, 9(s0); ld a0, 8(s0))
    TEST_CASE(62, a0, 0xddeeff3344aabb00, ld a0, 0(s0))
    /* 8-byte store at every misaligned offset, checked with a byte-wise compare */
    li TESTNUM, 51
    li s2, 1
1:  sd zero, 0(s0)
    sd zero, 8(s0)
    sd zero, 16(s0)
    li a1, 0x0807060504030201
    add a2, s0, s2
    sd a1, 0(a2)
    ld a0, 0(a2)                     /* misaligned load of what was stored */
    CHECK_EQ_REG(a0, a1)
    /* byte before the store is untouched, byte after too */
    lbu a3, -1(a2)
    CHECK_EQ(a3, 0)
    lbu a3, 8(a2)
    CHECK_EQ(a3, 0)
    /* bytes are in little-endian order */
    lbu a3, 0(a2)
    CHECK_EQ(a3, 1)
    lbu a3, 7(a2)
    CHECK_EQ(a3, 8)
    addi s2, s2, 1
    li a4, 8
    blt s2, a4, 1b

    /* ---- misaligned accesses crossing a 4 KiB page boundary ---- */
    la s3, pagebuf + 4096
    TEST_CASE(52, a0, 0x1122334455667788, li a1, 0x1122334455667788; sd a1, -3(s3); ld a0, -3(s3))
    TEST_CASE(53, a0, 0x0000000000334455, ld a0, 0(s3); li a1, 0xffffff; and a0, a0, a1)
    TEST_CASE(54, a0, 0xffffffffcafebabe, li a1, 0xcafebabe; sw a1, -1(s3); lw a0, -1(s3))
    TEST_CASE(55, a0, 0xbeba, li a1, 0xbeba; sh a1, -1(s3); lhu a0, -1(s3))

    /* ---- load into x0 has no architectural effect (but is performed) ---- */
    TEST_CASE(56, a0, 0, la a1, ldata; ld zero, 0(a1); lw zero, 1(a1); mv a0, zero)

    /* ---- rd == rs1 for loads ---- */
    TEST_CASE(57, a1, 0x8877665544332211, la a1, ldata; ld a1, 0(a1))

    /* ---- store then dependent load back to back, different widths ---- */
    TEST_CASE(58, a0, 0x00000000000000ff, li a1, -1; sd zero, 0(s0); sb a1, 0(s0); ld a0, 0(s0))
    TEST_CASE(59, a0, 0x000000000000ffff, sh a1, 0(s0); ld a0, 0(s0))
    TEST_CASE(60, a0, 0x00000000ffffffff, sw a1, 0(s0); ld a0, 0(s0))
    TEST_CASE(61, a0, 0xffffffffffffffff, sd a1, 0(s0); ld a0, 0(s0))

    /* ---- stores into code + FENCE.I: the new instructions are executed ---- */
    la s4, codebuf
    li a1, 0x00100513                /* addi a0, zero, 1 */
    sw a1, 0(s4)
    li a1, 0x00008067                /* ret */
    sw a1, 4(s4)
    fence.i
    TEST_CASE(63, a0, 1, li a0, 0; jalr ra, 0(s4))
    li a1, 0x00200513                /* addi a0, zero, 2 */
    sw a1, 0(s4)
    fence.i
    TEST_CASE(64, a0, 2, li a0, 0; jalr ra, 0(s4))
    li a1, 0x0565                    /* c.addi a0, 25 as the first halfword */
    sh a1, 0(s4)
    li a1, 0x8082                    /* c.jr ra */
    sh a1, 2(s4)
    fence.i
    TEST_CASE(65, a0, 30, li a0, 5; jalr ra, 0(s4))

PVM_TEST_END

    .data
    .align 3
ldata:
    .byte 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
    .byte 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00
    .dword 0
    .align 3
sbuf:
    .zero 32

    .align 3
codebuf:
    .zero 16

    .bss
    .align 12
pagebuf:
    .zero 8192
