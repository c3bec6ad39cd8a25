# A minimal S-mode "kernel" in the Linux Image format: it greets through the SBI (DBCN and
# legacy putchar), checks a few SBI answers, and shuts the machine down through SRST.
# Under paravm --mode pv the hypervisor serves these calls; under --mode full, OpenSBI does.
.section .text.head
.globl _start
_start:
  j real_start              # code0, code1
  .balign 8
  .dword 0x200000           # text_offset
  .dword _end - _start      # image_size
  .dword 0                  # flags
  .word 2                   # version
  .word 0
  .dword 0
  .ascii "RISCV\0\0\0"      # magic (deprecated)
  .ascii "RSC\x05"          # magic2
  .word 0

.text
real_start:
  mv s0, a0                 # hartid
  mv s1, a1                 # device tree
  # DBCN console_write of the greeting, a physical address in a1.
  la a1, greeting
  la a0, greeting_end
  sub a0, a0, a1
  li a2, 0
  li a6, 0
  li a7, 0x4442434E
  ecall
  beqz a0, 2f
  # No DBCN (SBI before 2.0, e.g. OpenSBI 1.1): the legacy putchar, byte by byte.
  la s2, greeting
  la s3, greeting_end
1:
  lbu a0, 0(s2)
  li a7, 1
  ecall
  addi s2, s2, 1
  bltu s2, s3, 1b
2:
  # BASE: spec version must be 0.2 or later (TIME, IPI and RFENCE exist from 0.2 on)
  li a6, 0
  li a7, 0x10
  ecall
  bnez a0, fail
  li t0, 2
  blt a1, t0, fail
  # An unknown extension must answer -2.
  li a7, 0x0abcdef0
  ecall
  li t0, -2
  bne a0, t0, fail
  # The device tree pointer must point at an FDT (magic d00dfeed, big-endian).
  lwu t0, 0(s1)
  li t1, 0xedfe0dd0
  bne t0, t1, fail
  # Legacy putchar of a newline marker, then "ok".
  li a7, 1
  li a0, 'o'
  ecall
  li a0, 'k'
  ecall
  li a0, '\n'
  ecall
  # SRST shutdown, no reason.
  li a0, 0
  li a1, 0
  li a6, 0
  li a7, 0x53525354
  ecall
fail:
  # SRST shutdown with "system failure".
  li a0, 0
  li a1, 1
  li a6, 0
  li a7, 0x53525354
  ecall
1: wfi
  j 1b

.section .rodata
greeting: .ascii "Hello from S-mode, through the SBI.\n"
greeting_end:
