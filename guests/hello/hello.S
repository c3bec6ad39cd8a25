# A bare-metal greeting: prints through the NS16550A UART, then powers off through the
# syscon. Runs under `paravm elf` and `qemu-system-riscv64 -machine virt -bios none`.
.section .text.init
.globl _start
_start:
  csrr a0, mhartid
  bnez a0, park
  la a1, message
  li a2, 0x10000000
1:
  lbu a3, 0(a1)
  beqz a3, 2f
  sb a3, 0(a2)
  addi a1, a1, 1
  j 1b
2:
  li a2, 0x100000
  li a3, 0x5555
  sw a3, 0(a2)
park:
  wfi
  j park

.section .rodata
message: .asciz "Hello from a RISC-V guest, running on paravm.\n"
