# Loads and stores over a 4 KiB buffer, 10 instructions an iteration.
#define ITERATIONS 20000000
#include "common.inc"
.option norvc
.text
bench:
  la a1, buffer
  li a2, 0
1:
  andi t0, a2, 0x7f8
  add t0, t0, a1
  ld t1, 0(t0)
  addi t1, t1, 1
  sd t1, 0(t0)
  lw t2, 4(t0)
  sw t2, 8(t0)
  addi a2, a2, 24
  addi a0, a0, -1
  bnez a0, 1b
  ret
