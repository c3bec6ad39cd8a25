# Branches: a data-dependent compare chain, 10 instructions an iteration.
#define ITERATIONS 20000000
#include "common.inc"
.option norvc
.text
bench:
  li t0, 0
  li t1, 12345
1:
  andi t2, a0, 3
  beqz t2, 2f
  addi t0, t0, 1
2:
  blt t0, t1, 3f
  addi t0, t0, -5
3:
  bltu t1, t0, 4f
  addi t0, t0, 2
4:
  addi a0, a0, -1
  bnez a0, 1b
  ret
