# guests/bare-metal: entry and trap entry. Hart 0 gets a stack, a zeroed .bss and a trap
# vector, then runs main(); any other hart parks in wfi with its interrupts off.

  .section .text.start
  .globl _start
_start:
  csrw mie, zero
  csrr t0, mhartid
  bnez t0, park
  la sp, __stack_top
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:
  la t0, trap_entry
  csrw mtvec, t0          # direct mode: trap_entry is 4-byte aligned, so MODE = 0
  call main
  # main does not return (it powers off); if it did, fall through and park
park:
  wfi
  j park

# Every trap lands here (mtvec direct mode). The caller-saved registers go on the stack, the C
# handler gets mcause and mepc, and mret resumes the interrupted code. Exceptions are fatal
# in the handler, so mepc is never advanced here.
  .text
  .balign 4
  .globl trap_entry
trap_entry:
  addi sp, sp, -128
  sd ra, 0(sp)
  sd t0, 8(sp)
  sd t1, 16(sp)
  sd t2, 24(sp)
  sd a0, 32(sp)
  sd a1, 40(sp)
  sd a2, 48(sp)
  sd a3, 56(sp)
  sd a4, 64(sp)
  sd a5, 72(sp)
  sd a6, 80(sp)
  sd a7, 88(sp)
  sd t3, 96(sp)
  sd t4, 104(sp)
  sd t5, 112(sp)
  sd t6, 120(sp)
  csrr a0, mcause
  csrr a1, mepc
  csrr a2, mtval
  call trap_handler
  ld ra, 0(sp)
  ld t0, 8(sp)
  ld t1, 16(sp)
  ld t2, 24(sp)
  ld a0, 32(sp)
  ld a1, 40(sp)
  ld a2, 48(sp)
  ld a3, 56(sp)
  ld a4, 64(sp)
  ld a5, 72(sp)
  ld a6, 80(sp)
  ld a7, 88(sp)
  ld t3, 96(sp)
  ld t4, 104(sp)
  ld t5, 112(sp)
  ld t6, 120(sp)
  addi sp, sp, 128
  mret
