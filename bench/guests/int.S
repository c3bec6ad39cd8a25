# Integer arithmetic: a xorshift-multiply mix, 12 instructions an iteration.
#define ITERATIONS 20000000
#include "common.inc"
.option norvc
.text
bench:
  li t0, 0x9e3779b97f4a7c15
  li t1, 1
1:
  xor t1, t1, t0
  slli t2, t1, 13
  xor t1, t1, t2
  srli t2, t1, 7
  xor t1, t1, t2
  add t3, t3, t1
  mul t4, t1, t0
  sub t3, t3, t4
  addiw t5, t3, 17
  or t6, t5, t1
  addi a0, a0, -1
  bnez a0, 1b
  ret
