/*
 * priv_csr.S - CSR access rules and CSR values (privileged spec 1.12):
 * CSR instruction semantics, read-only and non-existent CSRs, privilege
 * checks, misa/mhartid/mstatus fixed fields, sstatus/sie/sip as views of
 * mstatus/mie/mip, writable bits of mip/mie/medeleg/mideleg, WARL mtvec and
 * satp, counters cycle/instret (and time) gated by mcounteren/scounteren.
 */
#include "common.h"

#define MISA_BIT(c) (1 << ((c) - 'A'))
#define S_INTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define M_INTS (MIP_MSIP | MIP_MTIP | MIP_MEIP)

PVM_TEST_BEGIN

    /* ---------------- CSR instruction semantics (on mscratch) ---------------- */
    TEST_CASE( 1, a0, 0x0123456789abcdef, li a1, 0x0123456789abcdef; csrw mscratch, a1; csrr a0, mscratch)
    TEST_CASE( 2, a0, 0x0123456789abcdef, li a1, 0xff; csrrw a0, mscratch, a1)          /* old value */
    TEST_CASE( 3, a0, 0xff, csrr a0, mscratch)
    TEST_CASE( 4, a0, 0xff, li a1, 0xf00; csrrs a0, mscratch, a1)
    TEST_CASE( 5, a0, 0xfff, csrr a0, mscratch)
    TEST_CASE( 6, a0, 0xfff, li a1, 0x0f0; csrrc a0, mscratch, a1)
    TEST_CASE( 7, a0, 0xf0f, csrr a0, mscratch)
    TEST_CASE( 8, a0, 0xf0f, csrrwi a0, mscratch, 31)
    TEST_CASE( 9, a0, 31, csrrsi a0, mscratch, 0)
    TEST_CASE(10, a0, 31, csrrci a0, mscratch, 0x15)
    TEST_CASE(11, a0, 0x0a, csrrsi a0, mscratch, 0x10; csrr a0, mscratch; li a1, 0x1a; bne a0, a1, pvm_fail; csrrci a0, mscratch, 0x10; csrr a0, mscratch)
    TEST_CASE(12, a0, -1, li a1, -1; csrrw zero, mscratch, a1; csrr a0, mscratch)
    TEST_CASE(13, a0, 0x5555, li a1, 0x5555; csrw sscratch, a1; csrr a0, sscratch)
    /* restore the framework's scratch pointers */
    la a0, pvm_trap_info
    csrw mscratch, a0
    csrw sscratch, a0

    /* ---------------- identification / fixed values ---------------- */
    /* misa: MXL = 2 (64-bit); I, M, A, C, S, U present; E absent */
    li TESTNUM, 14
    csrr a0, misa
    srli a1, a0, 62
    CHECK_EQ(a1, 2)
    CHECK_MASKED(a0, MISA_BIT('I') | MISA_BIT('M') | MISA_BIT('A') | MISA_BIT('C') | MISA_BIT('S') | MISA_BIT('U') | MISA_BIT('E'), \
                     MISA_BIT('I') | MISA_BIT('M') | MISA_BIT('A') | MISA_BIT('C') | MISA_BIT('S') | MISA_BIT('U'))
    TEST_CASE(15, a0, 0, csrr a0, mhartid)
    TEST_NO_TRAP(16, csrr a0, mvendorid; csrr a0, marchid; csrr a0, mimpid)
    /* mstatus: SXL = UXL = 2 (read-only for RV64-only harts), MBE = SBE = UBE = 0 */
    li TESTNUM, 17
    CHECK_CSR_MASKED(mstatus, MSTATUS_SXL | MSTATUS_UXL | MSTATUS_MBE | MSTATUS_SBE | MSTATUS_UBE, 0xa00000000)
    li a0, MSTATUS_SXL | MSTATUS_UXL
    csrc mstatus, a0
    CHECK_CSR_MASKED(mstatus, MSTATUS_SXL | MSTATUS_UXL, 0xa00000000)

    /* ---------------- read-only CSRs ---------------- */
    TEST_ILLEGAL(18, csrw mvendorid, zero)
    CHECK_TRAP_TVAL(0xf1101073)
    TEST_ILLEGAL(19, csrw marchid, a0)
    TEST_ILLEGAL(20, csrw mimpid, a0)
    TEST_ILLEGAL(21, csrw mhartid, a0)
    TEST_ILLEGAL(22, csrw cycle, zero)
    CHECK_TRAP_TVAL(0xc0001073)
    TEST_ILLEGAL(23, csrw instret, zero)
    TEST_ILLEGAL(24, csrrwi a0, mhartid, 0)       /* csrrw* always writes */
    /* (25, 26: csrrs/csrrc with rs1 != x0 holding 0, see the end) */
    TEST_ILLEGAL(27, csrrsi a0, mhartid, 1)
    /* rs1 = x0 / uimm = 0: no write, so legal on read-only CSRs */
    TEST_NO_TRAP(28, csrrs a0, mvendorid, zero; csrrc a0, mhartid, zero; csrrsi a0, marchid, 0; csrrci a0, mimpid, 0; csrrs a0, cycle, zero; csrrc a0, instret, zero)
    CHECK_EQ(zero, 0)

    /* ---------------- non-existent CSRs ---------------- */
    TEST_ILLEGAL(29, csrr a0, 0x8ff)
    TEST_ILLEGAL(30, csrw 0x7ff, a0)
    TEST_ILLEGAL(31, csrr a0, 0x5ff)

    /* ---------------- privilege checks on CSR numbers ---------------- */
#define S_ILLEGAL(n, ...) li TESTNUM, n; PVM_M_ENTER(PRV_S); TEST_ILLEGAL(n, __VA_ARGS__); CHECK_TRAP_LEVEL(PRV_M)
#define U_ILLEGAL(n, ...) li TESTNUM, n; PVM_M_ENTER(PRV_U); TEST_ILLEGAL(n, __VA_ARGS__); CHECK_TRAP_LEVEL(PRV_M)
    S_ILLEGAL(32, csrr a0, mstatus)
    S_ILLEGAL(33, csrr a0, mie)
    S_ILLEGAL(34, csrw mtvec, a0)
    S_ILLEGAL(35, csrr a0, mscratch)
    S_ILLEGAL(36, csrr a0, mepc)
    S_ILLEGAL(37, csrr a0, mcause)
    S_ILLEGAL(38, csrr a0, mtval)
    S_ILLEGAL(39, csrr a0, mip)
    S_ILLEGAL(40, csrr a0, medeleg)
    S_ILLEGAL(41, csrr a0, mideleg)
    S_ILLEGAL(42, csrr a0, mhartid)
    S_ILLEGAL(43, csrr a0, misa)
    S_ILLEGAL(44, csrr a0, mcounteren)
    S_ILLEGAL(45, csrr a0, mcycle)
    S_ILLEGAL(46, csrr a0, pmpcfg0)
    U_ILLEGAL(47, csrr a0, sstatus)
    U_ILLEGAL(48, csrr a0, sie)
    U_ILLEGAL(49, csrr a0, stvec)
    U_ILLEGAL(50, csrr a0, sscratch)
    U_ILLEGAL(51, csrr a0, sepc)
    U_ILLEGAL(52, csrr a0, scause)
    U_ILLEGAL(53, csrr a0, stval)
    U_ILLEGAL(54, csrr a0, sip)
    U_ILLEGAL(55, csrr a0, satp)
    U_ILLEGAL(56, csrr a0, scounteren)
    U_ILLEGAL(57, csrr a0, mstatus)
    /* S may access its own CSRs */
    li TESTNUM, 58
    PVM_M_ENTER(PRV_S)
    csrr a0, sstatus
    csrr a0, sie
    csrr a0, sip
    csrr a0, stvec
    csrr a0, sscratch
    csrr a0, sepc
    csrr a0, scause
    csrr a0, stval
    csrr a0, satp
    csrr a0, scounteren
    PVM_ENTER_M

    /* ---------------- sstatus is a view of mstatus ---------------- */
    li TESTNUM, 59
    csrw mstatus, zero
    li a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SUM | MSTATUS_MXR
    csrs sstatus, a0
    CHECK_CSR_MASKED(mstatus, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SUM | MSTATUS_MXR, \
                              MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SUM | MSTATUS_MXR)
    li TESTNUM, 60
    csrc mstatus, a0
    CHECK_CSR_MASKED(sstatus, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SUM | MSTATUS_MXR, 0)
    /* M-only fields are invisible in sstatus and cannot be written through it */
    li TESTNUM, 61
    li a0, MSTATUS_MPP_M | MSTATUS_MPIE | MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM | MSTATUS_MPRV
    csrs mstatus, a0
    li a1, MSTATUS_MPP | MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM | MSTATUS_MPRV | MSTATUS_SXL | MSTATUS_MBE | MSTATUS_SBE
    csrr a2, sstatus
    and a2, a2, a1
    CHECK_EQ(a2, 0)
    li TESTNUM, 62
    csrc sstatus, a0                   /* clearing through sstatus: no effect on M fields */
    csrr a2, mstatus
    and a2, a2, a0
    CHECK_EQ_REG(a2, a0)
    csrc mstatus, a0
    li a1, MSTATUS_MIE
    csrs sstatus, a1
    CHECK_CSR_MASKED(mstatus, MSTATUS_MIE, 0)
    /* sstatus.UXL reads 2, SD = 0 while FS/XS (and VS) are off */
    TEST_CASE(63, a0, 0x200000000, csrr a1, sstatus; li a2, MSTATUS_UXL | MSTATUS_SD; and a0, a1, a2)

    /* ---------------- writable bits of mie / mip ---------------- */
    /* keep the machine timer quiet: mtimecmp = max (MTIP clear) */
    li a1, CLINT_MTIMECMP
    li a2, -1
    sd a2, 0(a1)
    li TESTNUM, 64
    li a0, -1
    csrw mie, a0
    CHECK_CSR_MASKED(mie, S_INTS | M_INTS, S_INTS | M_INTS)
    csrw mie, zero
    CHECK_CSR_MASKED(mie, S_INTS | M_INTS, 0)
    /* mip: SSIP, STIP, SEIP writable by M; MSIP/MTIP/MEIP are read-only */
    li TESTNUM, 65
    csrw mip, a0
    CHECK_CSR_MASKED(mip, S_INTS | M_INTS, S_INTS)
    csrw mip, zero
    CHECK_CSR_MASKED(mip, S_INTS | M_INTS, 0)
    /* MSIP reflects the CLINT msip register */
    li TESTNUM, 66
    li a1, CLINT_MSIP
    li a2, 1
    sw a2, 0(a1)
    CHECK_CSR_MASKED(mip, MIP_MSIP, MIP_MSIP)
    csrc mip, a0                       /* cannot be cleared through mip */
    CHECK_CSR_MASKED(mip, MIP_MSIP, MIP_MSIP)
    sw zero, 0(a1)
    CHECK_CSR_MASKED(mip, MIP_MSIP, 0)

    /* ---------------- medeleg / mideleg ---------------- */
    li TESTNUM, 67
    li a0, -1
    csrw medeleg, a0
    /* causes 0-9, 12, 13, 15 are delegable */
    CHECK_CSR_MASKED(medeleg, 0xb3ff, 0xb3ff)
    csrw medeleg, zero
    CHECK_CSR(medeleg, 0)
    li TESTNUM, 68
    csrw mideleg, a0
    CHECK_CSR_MASKED(mideleg, S_INTS | M_INTS, S_INTS)   /* M-level interrupts are not delegable */
    csrw mideleg, zero
    CHECK_CSR_MASKED(mideleg, S_INTS | M_INTS, 0)

    /* ---------------- sie / sip are views of mie / mip under mideleg ---------------- */
    li TESTNUM, 69
    li a0, S_INTS | M_INTS
    csrw mie, a0
    CHECK_CSR_MASKED(sie, S_INTS | M_INTS, 0)          /* nothing delegated: read-only zero */
    li a1, S_INTS
    csrw mideleg, a1
    CHECK_CSR_MASKED(sie, S_INTS | M_INTS, S_INTS)     /* M bits never visible */
    li TESTNUM, 70
    csrw sie, zero
    CHECK_CSR_MASKED(mie, S_INTS | M_INTS, M_INTS)
    li a2, MIP_STIP
    csrw sie, a2
    CHECK_CSR_MASKED(mie, S_INTS | M_INTS, M_INTS | MIP_STIP)
    csrw mie, zero
    /* sip */
    li TESTNUM, 71
    csrw mideleg, zero
    li a0, MIP_SSIP
    csrs mip, a0
    CHECK_CSR_MASKED(sip, S_INTS, 0)                   /* not delegated: invisible */
    li a1, S_INTS
    csrw mideleg, a1
    CHECK_CSR_MASKED(sip, S_INTS, MIP_SSIP)
    csrc sip, a0                                       /* SSIP writable through sip */
    CHECK_CSR_MASKED(mip, MIP_SSIP, 0)
    li TESTNUM, 72
    csrs sip, a0
    CHECK_CSR_MASKED(mip, MIP_SSIP, MIP_SSIP)
    csrc mip, a0
    /* STIP / SEIP are read-only in sip */
    li TESTNUM, 73
    li a0, MIP_STIP | MIP_SEIP
    csrs sip, a0
    CHECK_CSR_MASKED(mip, MIP_STIP | MIP_SEIP, 0)
    csrs mip, a0
    CHECK_CSR_MASKED(sip, MIP_STIP | MIP_SEIP, MIP_STIP | MIP_SEIP)
    csrc sip, a0
    CHECK_CSR_MASKED(mip, MIP_STIP | MIP_SEIP, MIP_STIP | MIP_SEIP)
    csrc mip, a0
    csrw mideleg, zero

    /* ---------------- WARL mtvec / stvec / satp ---------------- */
    /* reserved MODE values (2, 3) are never read back */
    li TESTNUM, 74
    la a0, pvm_m_trap_handler
    ori a1, a0, 2
    csrw mtvec, a1
    csrr a2, mtvec
    andi a2, a2, 3
    li a3, 2
    bltu a2, a3, 1f
    j pvm_fail
1:  csrw mtvec, a0
    csrr a2, mtvec
    CHECK_EQ_REG(a2, a0)
    li TESTNUM, 75
    la a0, pvm_s_trap_handler
    ori a1, a0, 3
    csrw stvec, a1
    csrr a2, stvec
    andi a2, a2, 3
    li a3, 2
    bltu a2, a3, 1f
    j pvm_fail
1:  csrw stvec, a0
    /* satp: Sv39 is accepted; an unsupported MODE makes the whole write a no-op */
    li TESTNUM, 76
    li a0, SATP_MODE_SV39 | 0x80123
    csrw satp, a0
    CHECK_CSR(satp, SATP_MODE_SV39 | 0x80123)
    li a1, 0x1000000000000456           /* MODE = 1: reserved */
    csrw satp, a1
    CHECK_CSR(satp, SATP_MODE_SV39 | 0x80123)
    li a1, 0xf000000000000456           /* MODE = 15: reserved */
    csrw satp, a1
    CHECK_CSR(satp, SATP_MODE_SV39 | 0x80123)
    csrw satp, zero
    CHECK_CSR(satp, 0)

    /* ---------------- counters: cycle / instret ---------------- */
    li TESTNUM, 77
    csrr a0, cycle
    li a2, 100
1:  addi a2, a2, -1
    bnez a2, 1b
    csrr a1, cycle
    bltu a0, a1, 2f                    /* strictly increasing */
    j pvm_fail
2:
    li TESTNUM, 78
    csrr a0, instret
    li a2, 100
1:  addi a2, a2, -1
    bnez a2, 1b
    csrr a1, instret
    bltu a0, a1, 2f
    j pvm_fail
2:
    /* mcycle/minstret are the same counters and are writable */
    li TESTNUM, 79
    csrr a0, mcycle
    csrr a1, cycle
    bgeu a1, a0, 2f
    j pvm_fail
2:  li a0, 0x100000000000
    csrw minstret, a0
    csrr a1, instret
    bgeu a1, a0, 3f
    j pvm_fail
3:  li a2, 0x100000100000
    bltu a1, a2, 4f
    j pvm_fail
4:
    /* gating: mcounteren controls S (and U), scounteren additionally controls U */
    csrw mcounteren, zero
    csrw scounteren, zero
    S_ILLEGAL(80, csrr a0, cycle)
    S_ILLEGAL(81, csrr a0, instret)
    S_ILLEGAL(82, csrr a0, hpmcounter3)
    U_ILLEGAL(83, csrr a0, cycle)
    li a0, 0x5                          /* CY | IR */
    csrw mcounteren, a0
    li TESTNUM, 84
    PVM_M_ENTER(PRV_S)
    csrr a0, cycle
    csrr a0, instret
    PVM_ENTER_M
    U_ILLEGAL(85, csrr a0, cycle)       /* scounteren.CY = 0 */
    U_ILLEGAL(86, csrr a0, instret)
    li a0, 0x1                          /* scounteren.CY only */
    csrw scounteren, a0
    li TESTNUM, 87
    PVM_M_ENTER(PRV_U)
    csrr a0, cycle
    PVM_ENTER_M
    U_ILLEGAL(88, csrr a0, instret)
    li a0, 0x4
    csrw mcounteren, a0                 /* mcounteren.CY = 0 blocks U even with scounteren.CY = 1 */
    U_ILLEGAL(89, csrr a0, cycle)
    S_ILLEGAL(90, csrr a0, cycle)
    csrw mcounteren, zero
    csrw scounteren, zero
    /* M-mode is never gated */
    TEST_NO_TRAP(91, csrr a0, cycle; csrr a0, instret)

    /* ---------------- the CLINT mtime advances ---------------- */
    li TESTNUM, 92
    li a1, CLINT_MTIME
    ld a0, 0(a1)
    li a3, 100000
1:  ld a2, 0(a1)
    bne a2, a0, 2f
    addi a3, a3, -1
    bnez a3, 1b
    j pvm_fail
2:  bltu a0, a2, 3f
    j pvm_fail
3:

#ifndef PVM_QEMU_COMPAT
    /* ---------------- medeleg[11] (ecall from M) is read-only zero ---------------- */
    /* QEMU 7.2 lets medeleg[11] be set. */
    li TESTNUM, 93
    li a0, -1
    csrw medeleg, a0
    CHECK_CSR_MASKED(medeleg, (1 << CAUSE_ECALL_M), 0)
    csrw medeleg, zero

    /* ---------------- mepc/sepc bit 0 is always zero (IALIGN = 16) ---------------- */
    /* QEMU 7.2 reads back the odd value. */
    TEST_CASE(94, a0, 0xfffffffffffffffe, li a1, -1; csrw mepc, a1; csrr a0, mepc)
    TEST_CASE(95, a0, 0xfffffffffffffffe, li a1, -1; csrw sepc, a1; csrr a0, sepc)

    /* ---------------- time CSR (Zicntr) ---------------- */
    /* QEMU's spike machine does not implement the time CSR (reads trap). */
    li TESTNUM, 96
    li a1, CLINT_MTIME
    ld a0, 0(a1)
    csrr a2, time
    bgeu a2, a0, 1f                    /* time is a shadow of mtime */
    j pvm_fail
1:  ld a3, 0(a1)
    bgeu a3, a2, 2f
    j pvm_fail
2:
    csrw mcounteren, zero
    csrw scounteren, zero
    S_ILLEGAL(97, csrr a0, time)
    U_ILLEGAL(98, csrr a0, time)
    li a0, 0x2                          /* TM */
    csrw mcounteren, a0
    li TESTNUM, 99
    PVM_M_ENTER(PRV_S)
    csrr a0, time
    PVM_ENTER_M
    U_ILLEGAL(100, csrr a0, time)
    li a0, 0x2
    csrw scounteren, a0
    li TESTNUM, 101
    PVM_M_ENTER(PRV_U)
    csrr a0, time
    PVM_ENTER_M
    TEST_ILLEGAL(102, csrw time, zero)
    csrw mcounteren, zero
    csrw scounteren, zero
#endif

#ifndef PVM_QEMU_COMPAT
    /* ---------------- CSRRS/CSRRC with rs1 != x0 always write ---------------- */
    /* Even when the register holds 0 (Zicsr: "will still attempt to write the
     * unmodified value back"), so a read-only CSR raises illegal instruction.
     * QEMU 7.2 only checks the value of rs1 and does not trap. */
    li a1, 0
    TEST_ILLEGAL(25, csrrs a0, mvendorid, a1)
    li a1, 0
    TEST_ILLEGAL(26, csrrc a0, cycle, a1)
#endif

PVM_TEST_END
