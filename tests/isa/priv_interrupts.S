/*
 * priv_interrupts.S - interrupts (privileged spec 1.12): software-set
 * SSIP/STIP/SEIP, CLINT machine software (msip) and timer (mtime/mtimecmp)
 * interrupts, delegation through mideleg, global enables per privilege
 * (xIE only matters at the same privilege; lower privileges are always
 * interruptible, higher never), per-source enables in mie/sie, priority
 * among simultaneously pending interrupts, xEPC of an interrupt, and WFI
 * wake-up on a pending-but-disabled interrupt.
 */
#include "common.h"

/* spin for a while; reaching the end fails the test (the interrupt should
 * have arrived) */
#define WAIT_FOR_IRQ \
    li a5, 2000000; 80001: addi a5, a5, -1; bnez a5, 80001b; j pvm_fail

/* wait up to 10,000,000 mtime ticks (1 s at QEMU's 10 MHz) for a timer
 * interrupt: a host-timer based CLINT can be late by milliseconds */
#define WAIT_FOR_TIMER_IRQ \
    ld a4, 0(s1); li a5, 10000000; add a4, a4, a5; \
    80003: ld a5, 0(s1); bltu a5, a4, 80003b; j pvm_fail

/* spin for a while; an interrupt during the wait fails via the default handler */
#define SPIN \
    li a5, 2000; 80002: addi a5, a5, -1; bnez a5, 80002b

PVM_TEST_BEGIN

    /* machine timer off: mtimecmp = max */
    li s0, CLINT_MTIMECMP
    li a0, -1
    sd a0, 0(s0)
    li s1, CLINT_MTIME
    li s2, CLINT_MSIP
    csrw mie, zero
    csrw mip, zero

    /* ---------------- M-level: SSIP not delegated is taken in M ---------------- */
    li TESTNUM, 1
    li a0, MIP_SSIP
    csrs mip, a0
    csrs mie, a0
    SPIN                               /* MIE = 0 in M: stays pending */
    CHECK_CSR_MASKED(mip, MIP_SSIP, MIP_SSIP)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_LEVEL(PRV_M)
    CHECK_TRAP_STATUS(MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE | MSTATUS_MPP_M)
    CHECK_TRAP_TVAL(0)
    /* in S with MIE = 0, a pending enabled M-level interrupt is still taken */
    li TESTNUM, 2
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    li a0, MSTATUS_MPIE
    csrc mstatus, a0                   /* MIE = 0 after the mret */
    PVM_M_ENTER(PRV_S)
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_LEVEL(PRV_M)
    CHECK_TRAP_STATUS(MSTATUS_MPP | MSTATUS_MPIE, MSTATUS_MPP_S)
    /* the per-source enable (mie) gates it */
    li TESTNUM, 3
    li a0, MIP_SSIP
    csrc mie, a0
    csrsi mstatus, MSTATUS_MIE
    SPIN
    csrci mstatus, MSTATUS_MIE
    csrc mip, a0

    /* ---------------- SSIP delegated to S ---------------- */
    li a0, MIP_SSIP | MIP_STIP | MIP_SEIP
    csrw mideleg, a0
    /* pending and enabled but S interrupts are never taken in M */
    li TESTNUM, 4
    li a0, MIP_SSIP
    csrs mie, a0
    csrs mip, a0
    csrsi mstatus, MSTATUS_MIE | MSTATUS_SIE
    SPIN
    csrci mstatus, MSTATUS_MIE | MSTATUS_SIE
    /* in S with SIE = 0: not taken */
    li TESTNUM, 5
    PVM_M_ENTER(PRV_S)
    SPIN
    /* ... set SIE: taken in S with scause = interrupt | 1 */
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi sstatus, MSTATUS_SIE
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_STATUS(MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE)
    CHECK_TRAP_TVAL(0)
    /* S clears it through sip */
    li TESTNUM, 6
    li a0, MIP_SSIP
    csrc sip, a0
    CHECK_CSR_MASKED(sip, MIP_SSIP, 0)
    PVM_ENTER_M
    /* in U, S-level interrupts are taken even with SIE = 0 */
    li TESTNUM, 7
    csrci sstatus, MSTATUS_SIE
    li a0, MIP_SSIP
    csrs mip, a0
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    PVM_M_ENTER(PRV_U)
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_LEVEL(PRV_S)
    CHECK_TRAP_STATUS(MSTATUS_SPP | MSTATUS_SPIE, 0)
    li a0, MIP_SSIP
    csrc sip, a0
    PVM_ENTER_M
    /* sie gates it in S */
    li TESTNUM, 8
    li a0, MIP_SSIP
    csrc mie, a0
    csrs mip, a0
    PVM_M_ENTER(PRV_S)
    csrsi sstatus, MSTATUS_SIE
    SPIN
    csrci sstatus, MSTATUS_SIE
    /* S software sets its own SSIP through sip: taken once enabled */
    li TESTNUM, 9
    li a0, MIP_SSIP
    csrc sip, a0
    csrs sie, a0
    csrsi sstatus, MSTATUS_SIE
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrs sip, a0
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_LEVEL(PRV_S)
    li a0, MIP_SSIP
    csrc sip, a0
    csrw sie, zero
    PVM_ENTER_M

    /* ---------------- STIP / SEIP set by M, delegated ---------------- */
    li TESTNUM, 10
    li a0, MIP_STIP
    csrs mie, a0
    csrs mip, a0
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    PVM_M_ENTER(PRV_U)
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_TIMER)
    CHECK_TRAP_LEVEL(PRV_S)
    PVM_ENTER_M                        /* in S with SIE = 0: STIP not retaken */
    li a0, MIP_STIP
    csrc mip, a0
    csrc mie, a0
    li TESTNUM, 11
    li a0, MIP_SEIP
    csrs mie, a0
    csrs mip, a0
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    PVM_M_ENTER(PRV_U)
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_EXT)
    CHECK_TRAP_LEVEL(PRV_S)
    PVM_ENTER_M
    li a0, MIP_SEIP
    csrc mip, a0
    csrc mie, a0
    csrw mideleg, zero

    /* ---------------- machine software interrupt (CLINT msip) ---------------- */
    li TESTNUM, 12
    li a0, MIP_MSIP
    csrw mie, a0
    li a1, 1
    sw a1, 0(s2)
    CHECK_CSR_MASKED(mip, MIP_MSIP, MIP_MSIP)
    lw a2, 0(s2)
    CHECK_EQ(a2, 1)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
2:  WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_SOFT)
    CHECK_TRAP_LEVEL(PRV_M)
    /* the interrupt is taken right after the enabling instruction:
     * mepc = address of the first instruction not executed */
    CHECK_TRAP_EPC(2b)
    sw zero, 0(s2)
    CHECK_CSR_MASKED(mip, MIP_MSIP, 0)
    /* msip only uses bit 0 */
    li TESTNUM, 13
    li a1, 0xfffffffe
    sw a1, 0(s2)
    CHECK_CSR_MASKED(mip, MIP_MSIP, 0)
    sw zero, 0(s2)
    /* an M interrupt interrupts U-mode regardless of MIE */
    li TESTNUM, 14
    li a1, 1
    sw a1, 0(s2)
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    li a0, MSTATUS_MPIE
    csrc mstatus, a0                   /* MIE = 0 once in U: irrelevant there */
    PVM_M_ENTER(PRV_U)
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_SOFT)
    CHECK_TRAP_LEVEL(PRV_M)
    CHECK_TRAP_STATUS(MSTATUS_MPP | MSTATUS_MPIE, 0)
    sw zero, 0(s2)
    csrw mie, zero

    /* ---------------- machine timer interrupt (CLINT mtimecmp) ---------------- */
    li TESTNUM, 15
    CHECK_CSR_MASKED(mip, MIP_MTIP, 0)
    ld a0, 0(s1)
    addi a0, a0, 200
    sd a0, 0(s0)
    li a0, MIP_MTIP
    csrw mie, a0
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
    WAIT_FOR_TIMER_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_TIMER)
    CHECK_CSR_MASKED(mip, MIP_MTIP, MIP_MTIP)
    ld a1, 0(s1)
    ld a2, 0(s0)
    bgeu a1, a2, 2f                    /* mtime >= mtimecmp */
    j pvm_fail
2:  /* writing mtimecmp into the future clears MTIP */
    li TESTNUM, 16
    li a0, -1
    sd a0, 0(s0)
    CHECK_CSR_MASKED(mip, MIP_MTIP, 0)
    /* 32-bit halves of mtimecmp are individually writable */
    li TESTNUM, 17
    li a0, 0x12345678
    sw a0, 0(s0)
    ld a1, 0(s0)
    CHECK_EQ(a1, 0xffffffff12345678)
    li a0, -1
    sd a0, 0(s0)
    csrw mie, zero

    /* ---------------- WFI wake-up ---------------- */
    /* pending + enabled in mie but MIE = 0: WFI returns, no trap */
    li TESTNUM, 18
    li a0, MIP_MSIP
    csrw mie, a0
    li a1, 1
    sw a1, 0(s2)
    wfi
    sw zero, 0(s2)
    /* WFI waits for the timer, then resumes after it (MIE = 0: no trap) */
    li TESTNUM, 19
    li a0, MIP_MTIP
    csrw mie, a0
    ld a0, 0(s1)
    addi a0, a0, 1000
    sd a0, 0(s0)
1:  wfi
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    beqz a1, 1b                        /* WFI may also return spuriously */
    ld a2, 0(s1)
    ld a3, 0(s0)
    bgeu a2, a3, 2f
    j pvm_fail
2:  li a0, -1
    sd a0, 0(s0)
    /* WFI in S (TW = 0) with an enabled M interrupt: the interrupt is taken */
    li TESTNUM, 20
    li a0, MIP_MSIP
    csrw mie, a0
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    PVM_M_ENTER(PRV_S)
    li a1, 1
    sw a1, 0(s2)
    wfi
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_SOFT)
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)
    sw zero, 0(s2)
    csrw mie, zero

    /* (21-25: priority among M-level interrupts, at the end) */
    /* an M-level interrupt beats a delegated one while in S */
    li TESTNUM, 26
    li a0, MIP_MSIP | MIP_SSIP
    csrw mie, a0
    li a0, MIP_SSIP
    csrw mideleg, a0
    csrs mip, a0
    li a1, 1
    sw a1, 0(s2)
    csrsi mstatus, MSTATUS_SIE         /* S will run with SIE = 1 */
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    PVM_M_ENTER(PRV_S)
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_SOFT)
    CHECK_TRAP_LEVEL(PRV_M)
    CHECK_TRAP_STATUS(MSTATUS_MPP, MSTATUS_MPP_S)
    sw zero, 0(s2)
    /* ... then the delegated one is taken in S */
    li TESTNUM, 27
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    li a0, MSTATUS_MPIE
    csrc mstatus, a0
    PVM_M_ENTER(PRV_S)                 /* sstatus.SIE is still 1 */
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    CHECK_TRAP_LEVEL(PRV_S)
    li a0, MIP_SSIP
    csrc sip, a0
    PVM_ENTER_M
    csrw mideleg, zero
    csrw mie, zero
    csrci mstatus, MSTATUS_MIE | MSTATUS_SIE

#ifndef PVM_QEMU_COMPAT
    /* ---------------- priority ---------------- */
    /* M-level order: MEI > MSI > MTI > SEI > SSI > STI (priv 1.12, 3.1.9).
     * QEMU 7.2 (without AIA) takes the lowest-numbered pending interrupt
     * first (SSI before MSI). */
    li a0, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP
    csrw mie, a0
    li a0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrs mip, a0
    li a1, 1
    sw a1, 0(s2)                       /* MSIP */
    sd zero, 0(s0)                     /* MTIP */
1:  csrr a1, mip                       /* wait until MTIP is visible */
    andi a1, a1, MIP_MTIP
    beqz a1, 1b
    li TESTNUM, 21
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_SOFT)
    sw zero, 0(s2)
    li TESTNUM, 22
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
    WAIT_FOR_TIMER_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_TIMER)
    li a0, -1
    sd a0, 0(s0)
    li TESTNUM, 23
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_EXT)
    li a0, MIP_SEIP
    csrc mip, a0
    li TESTNUM, 24
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_SOFT)
    li a0, MIP_SSIP
    csrc mip, a0
    li TESTNUM, 25
    PVM_EXPECT(PVM_EXPECT_JUMP, 1f)
    csrsi mstatus, MSTATUS_MIE
    WAIT_FOR_IRQ
1:  CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_TIMER)
    li a0, MIP_STIP
    csrc mip, a0
    csrw mie, zero
    csrci mstatus, MSTATUS_MIE
#endif

PVM_TEST_END
