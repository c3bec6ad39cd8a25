# An S-mode program, an ELF without a Linux Image header, that waits in wfi for timer
# interrupts programmed each way a supervisor can: SBI TIME set_timer, legacy v0.1 set_timer
# (each also with a deadline in the past) and Sstc's stimecmp. Each interrupt must come, not
# before its deadline, and only once (disarming drops the line). With a second hart, that hart
# does the same while the boot hart waits on a timer of its own. One line per case, then SRST
# shutdown; on a failure the line says FAIL and the shutdown reason is "system failure".

#define EID_LEGACY_SET_TIMER 0
#define EID_LEGACY_PUTCHAR 1
#define EID_TIME 0x54494D45
#define EID_HSM 0x48534D
#define EID_SRST 0x53525354
#define CSR_STIMECMP 0x14d
#define SSTATUS_SIE 2
#define SIE_STIE (1 << 5)
#define TICKS_1MS 10000              /* the 10 MHz timebase of QEMU virt and paravm */

/* Each hart's area (128 bytes); sscratch holds its address while the hart runs. */
#define A_SAVE 0                     /* t0 t1 a0 a1 a6 a7 of the interrupted code */
#define A_MODE 48                    /* how the handler disarms: 0 SBI TIME, 1 legacy, 2 stimecmp */
#define A_COUNT 56                   /* timer interrupts taken */
#define A_WHEN 64                    /* time read in the last one */

/* Runs one case: mode, deadline kind (0: now + 2 ms, 1: in the past, 2: now + 5 ms), name. */
.macro CASE mode, kind, name
  li s4, \mode
  li s5, \kind
  la s6, \name
  call timer_case
.endm

.section .text.start
.globl _start
_start:
  mv s0, a0                          # hart ID
  call setup
  CASE 0, 0, n_time
  call ok_line
  CASE 1, 0, n_legacy
  call ok_line
  CASE 0, 1, n_time_past
  call ok_line
  CASE 1, 1, n_legacy_past
  call ok_line
  CASE 2, 0, n_sstc
  call ok_line
  # A second hart? (HSM get_status fails for a hart ID that does not exist.)
  xori s8, s0, 1
  mv a0, s8
  li a6, 2
  li a7, EID_HSM
  ecall
  bnez a0, finish
  mv a0, s8
  la a1, secondary
  li a2, 0
  li a6, 0
  li a7, EID_HSM
  ecall
  bnez a0, fail
  # This hart waits on its own timer while the other one runs its cases, then for its verdict
  # (with no time limit: how long that takes is the host's business; a hang is the caller's).
  CASE 0, 2, n_both
1:
  fence
  lw t0, other_done
  beqz t0, 1b
  call ok_line
finish:
  li a0, 0
  li a1, 0
  li a6, 0
  li a7, EID_SRST
  ecall
fail:
  li a0, 0
  li a1, 1
  li a6, 0
  li a7, EID_SRST
  ecall
halt:
  wfi
  j halt

# The second hart, started by HSM with a0 = its hart ID.
secondary:
  mv s0, a0
  call setup
  CASE 0, 0, n_other_time
  call ok_line
  CASE 2, 0, n_other_sstc
  call ok_line
  li t0, 1
  fence
  la t1, other_done
  sw t0, 0(t1)
  li a6, 1                           # HSM hart_stop
  li a7, EID_HSM
  ecall
  j halt

# s0 = hart ID (0 or 1) -> s1 = this hart's area, in sscratch; the trap vector; STIE on.
setup:
  la s1, areas
  andi t0, s0, 1
  slli t0, t0, 7
  add s1, s1, t0
  csrw sscratch, s1
  la t0, trap
  csrw stvec, t0
  li t0, SIE_STIE
  csrs sie, t0
  ret

# One timer case (s4 mode, s5 deadline kind, s6 name); returns only if it passed.
timer_case:
  mv s7, ra
  csrci sstatus, SSTATUS_SIE         # off while arming and checking: no lost wake-up
  sd s4, A_MODE(s1)
  sd zero, A_COUNT(s1)
  rdtime s2
  li t0, 2 * TICKS_1MS
  add s3, s2, t0
  li t0, 1
  bne s5, t0, 1f
  srli s3, s2, 1                     # in the past: half of now
1:
  li t0, 2
  bne s5, t0, 1f
  li t0, 5 * TICKS_1MS
  add s3, s2, t0
1:
  mv a0, s3
  call arm
2:
  ld t0, A_COUNT(s1)
  bnez t0, 3f
  wfi                                # wakes on a pending enabled interrupt even with SIE off
  csrsi sstatus, SSTATUS_SIE         # the interrupt is taken here
  csrci sstatus, SSTATUS_SIE
  j 2b
3:
  ld t0, A_WHEN(s1)
  bltu t0, s3, case_fail             # came before its deadline
  csrsi sstatus, SSTATUS_SIE         # 1 ms with interrupts on: the disarmed timer stays quiet
  rdtime t1
  li t2, TICKS_1MS
  add t1, t1, t2
4:
  rdtime t2
  bltu t2, t1, 4b
  csrci sstatus, SSTATUS_SIE
  ld t0, A_COUNT(s1)
  li t1, 1
  bne t0, t1, case_fail
  mv ra, s7
  ret
case_fail:
  mv a0, s6
  call puts
  la a0, m_fail
  call puts
  j fail

# Programs the timer the way A_MODE says: a0 = deadline (all ones disarms).
arm:
  ld t0, A_MODE(s1)
  li t1, 2
  beq t0, t1, 2f
  li a6, 0
  li a7, EID_TIME
  beqz t0, 1f
  li a7, EID_LEGACY_SET_TIMER
1:
  ecall
  ret
2:
  csrw CSR_STIMECMP, a0
  ret

# Prints s6 and ": ok".
ok_line:
  mv s9, ra
  mv a0, s6
  call puts
  la a0, m_ok
  call puts
  mv ra, s9
  ret

# Prints the NUL-terminated string at a0 through the legacy putchar (t3, a0, a7).
puts:
  mv t3, a0
1:
  lbu a0, 0(t3)
  beqz a0, 2f
  li a7, EID_LEGACY_PUTCHAR
  ecall
  addi t3, t3, 1
  j 1b
2:
  ret

# The trap vector: a supervisor timer interrupt is counted, timed and disarmed; anything else fails.
.balign 4
trap:
  csrrw t6, sscratch, t6
  sd t0, 0(t6)
  sd t1, 8(t6)
  sd a0, 16(t6)
  sd a1, 24(t6)
  sd a6, 32(t6)
  sd a7, 40(t6)
  csrr t0, scause
  li t1, 0x8000000000000005
  bne t0, t1, unexpected
  rdtime t0
  sd t0, A_WHEN(t6)
  ld t0, A_COUNT(t6)
  addi t0, t0, 1
  sd t0, A_COUNT(t6)
  li a0, -1
  mv s10, s1                         # arm reads the area from s1
  mv s1, t6
  mv s11, ra
  call arm
  mv ra, s11
  mv s1, s10
  ld t0, 0(t6)
  ld t1, 8(t6)
  ld a0, 16(t6)
  ld a1, 24(t6)
  ld a6, 32(t6)
  ld a7, 40(t6)
  csrrw t6, sscratch, t6
  sret
unexpected:
  la a0, m_trap
  call puts
  j fail

.section .rodata
n_time: .asciz "sbi time set_timer"
n_legacy: .asciz "sbi legacy set_timer"
n_time_past: .asciz "sbi time set_timer in the past"
n_legacy_past: .asciz "sbi legacy set_timer in the past"
n_sstc: .asciz "sstc stimecmp"
n_both: .asciz "boot hart's timer while the other hart waits on its own"
n_other_time: .asciz "other hart: sbi time set_timer"
n_other_sstc: .asciz "other hart: sstc stimecmp"
m_ok: .asciz ": ok\n"
m_fail: .asciz ": FAIL\n"
m_trap: .asciz "unexpected trap: FAIL\n"

.section .bss
.balign 8
areas: .space 256
other_done: .word 0
