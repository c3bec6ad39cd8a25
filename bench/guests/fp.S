# Double-precision arithmetic in round-to-nearest: a damped recurrence, 10 instructions an
# iteration (fmadd, fmul, fadd, fsub, fdiv, fsqrt-free so that it measures the common ops).
#define ITERATIONS 2000000
#include "common.inc"
.option norvc
.text
bench:
  li t0, 1
  fcvt.d.l ft0, t0          # 1.0
  li t0, 3
  fcvt.d.l ft1, t0          # 3.0
  fdiv.d ft2, ft0, ft1      # 1/3
  fmv.d ft3, ft0            # x
  fmv.d ft4, ft2            # y
1:
  fmadd.d ft3, ft3, ft2, ft4   # x = x·(1/3) + y
  fmul.d ft5, ft3, ft2
  fadd.d ft4, ft5, ft0         # y = x/3 + 1
  fsub.d ft6, ft4, ft3
  fdiv.d ft7, ft6, ft1
  fadd.d ft3, ft3, ft7
  fmul.d ft4, ft4, ft2
  fadd.d ft4, ft4, ft2
  addi a0, a0, -1
  bnez a0, 1b
  ret
