# Compressed code: the integer loop's shape in RVC encodings, 10 instructions an iteration.
#define ITERATIONS 20000000
#include "common.inc"
.option rvc
.text
bench:
  li s0, 1
  li s1, 7
1:
  c.add s0, s1
  c.slli s0, 3
  c.xor s1, s0
  c.srli s1, 2
  c.addi s0, 5
  c.mv a1, s0
  c.and a1, s1
  c.or s1, a1
  c.addi a0, -1
  c.bnez a0, 1b
  ret
