/*
 * F/D differential-test harness (see tests/tools/fpdiff.test.ts and generate.ts).
 *
 * Bare metal, M-mode, entered at 0x8000_0000.  Runs every case of the table `cases`
 * (cases.bin from generate.ts, CASE_BYTES = 32 each: u32 op, u8 frm, u8 fflags,
 * u8 static rm, u8 0, u64 a, b, c):
 *   frm <- frm, fflags <- fflags (mostly 0), jump through `optable` (ops.inc) to the
 *   operation, which uses rm = dyn wherever the instruction has an rm field the assembler
 *   lets us set, except the *_static handlers: those pick one of five copies of the
 *   instruction, one per static rounding mode, by the case's static rm;
 * and writes 16 bytes per case to `results`: the result (the x register, or all 64 bits
 * of the f register, so NaN-boxing is checked) and fcsr read right after the operation.
 *
 * Operands: a, b, c go to a1, a2, a3 (integer sources) and, through memory with the
 * compressed FP loads and stores (c.fld, c.fsdsp, c.fldsp), to ft0, ft1, ft2 (double
 * sources).  Single-precision operations reload ft0..ft2 with fmv.d.x from a1..a3, so
 * that improperly NaN-boxed patterns reach them exactly as generated.  FP results are
 * stored with c.fsd.
 *
 * End: if the word `use_semihosting` is non-zero (the test patches it in QEMU's copy of
 * the ELF) the result table is written to the host file "fpdiff-results.bin" in QEMU's
 * working directory with RISC-V semihosting (SYS_OPEN/SYS_WRITE/SYS_CLOSE).  Then
 * tohost <- 1.  Under paravm the test reads `results` from guest RAM instead.
 * Failure codes (tohost = code << 1 | 1): 2 bad op index, 3 semihosting failed,
 * 0x100 + mcause for an unexpected trap (mepc in trap_epc).
 */
#include "cases.h"

#define MSTATUS_FS 0x6000

#define SYS_OPEN  0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05

/* single-precision operands: the raw 64-bit patterns into the f registers */
#define LOAD_S  fmv.d.x ft0, a1; fmv.d.x ft1, a2; fmv.d.x ft2, a3
#define F_OP(label, ...)  label: __VA_ARGS__; j fp_done
#define X_OP(label, ...)  label: __VA_ARGS__; j x_done

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    .option push
    .option norvc
    la t0, trap
    csrw mtvec, t0
    li t0, MSTATUS_FS
    csrs mstatus, t0
    csrw fcsr, zero
    la sp, scratch
    la s0, cases
    la s1, results
    li t0, NCASES
    slli t0, t0, 5
    add s2, s0, t0
    la s3, optable
    li s4, NOPS
    j loop
    .option pop

    .align 2
trap:
    csrr t0, mepc
    la t1, trap_epc
    sd t0, 0(t1)
    csrr t0, mcause
    addi t0, t0, 0x100
    j fail

    .text
loop:
    bgeu s0, s2, finished
    lwu t0, 0(s0)
    lbu t1, 4(s0)
    lbu t4, 5(s0)
    lbu t5, 6(s0)
    bgeu t0, s4, bad_op
    li t2, 5
    bgeu t1, t2, bad_op
    bgeu t5, t2, bad_op
    ld a1, 8(s0)
    ld a2, 16(s0)
    ld a3, 24(s0)
    c.fld fa1, 8(s0)
    c.fld fa2, 16(s0)
    c.fld fa3, 24(s0)
    c.fsdsp fa1, 0(sp)
    c.fsdsp fa2, 8(sp)
    c.fsdsp fa3, 16(sp)
    c.fldsp ft0, 0(sp)
    c.fldsp ft1, 8(sp)
    c.fldsp ft2, 16(sp)
    slli t0, t0, 3
    add t0, t0, s3
    ld t0, 0(t0)
    fsrm t1
    fsflags t4
    jr t0

fp_done:
    frcsr t2
    c.fsd fa0, 0(s1)
    j next
x_done:
    frcsr t2
    sd a0, 0(s1)
next:
    sd t2, 8(s1)
    addi s0, s0, 32
    addi s1, s1, 16
    j loop

/* ------------------------------------------------------------ single precision */
F_OP(op_fadd_s,   LOAD_S; fadd.s fa0, ft0, ft1, dyn)
F_OP(op_fsub_s,   LOAD_S; fsub.s fa0, ft0, ft1, dyn)
F_OP(op_fmul_s,   LOAD_S; fmul.s fa0, ft0, ft1, dyn)
F_OP(op_fdiv_s,   LOAD_S; fdiv.s fa0, ft0, ft1, dyn)
F_OP(op_fsqrt_s,  LOAD_S; fsqrt.s fa0, ft0, dyn)
F_OP(op_fmadd_s,  LOAD_S; fmadd.s fa0, ft0, ft1, ft2, dyn)
F_OP(op_fmsub_s,  LOAD_S; fmsub.s fa0, ft0, ft1, ft2, dyn)
F_OP(op_fnmadd_s, LOAD_S; fnmadd.s fa0, ft0, ft1, ft2, dyn)
F_OP(op_fnmsub_s, LOAD_S; fnmsub.s fa0, ft0, ft1, ft2, dyn)
F_OP(op_fsgnj_s,  LOAD_S; fsgnj.s fa0, ft0, ft1)
F_OP(op_fsgnjn_s, LOAD_S; fsgnjn.s fa0, ft0, ft1)
F_OP(op_fsgnjx_s, LOAD_S; fsgnjx.s fa0, ft0, ft1)
F_OP(op_fmin_s,   LOAD_S; fmin.s fa0, ft0, ft1)
F_OP(op_fmax_s,   LOAD_S; fmax.s fa0, ft0, ft1)
X_OP(op_feq_s,    LOAD_S; feq.s a0, ft0, ft1)
X_OP(op_flt_s,    LOAD_S; flt.s a0, ft0, ft1)
X_OP(op_fle_s,    LOAD_S; fle.s a0, ft0, ft1)
X_OP(op_fclass_s, LOAD_S; fclass.s a0, ft0)
X_OP(op_fcvt_w_s,  LOAD_S; fcvt.w.s a0, ft0, dyn)
X_OP(op_fcvt_wu_s, LOAD_S; fcvt.wu.s a0, ft0, dyn)
X_OP(op_fcvt_l_s,  LOAD_S; fcvt.l.s a0, ft0, dyn)
X_OP(op_fcvt_lu_s, LOAD_S; fcvt.lu.s a0, ft0, dyn)
F_OP(op_fcvt_s_w,  fcvt.s.w fa0, a1, dyn)
F_OP(op_fcvt_s_wu, fcvt.s.wu fa0, a1, dyn)
F_OP(op_fcvt_s_l,  fcvt.s.l fa0, a1, dyn)
F_OP(op_fcvt_s_lu, fcvt.s.lu fa0, a1, dyn)

/* ------------------------------------------------------------ double precision */
F_OP(op_fadd_d,   fadd.d fa0, ft0, ft1, dyn)
F_OP(op_fsub_d,   fsub.d fa0, ft0, ft1, dyn)
F_OP(op_fmul_d,   fmul.d fa0, ft0, ft1, dyn)
F_OP(op_fdiv_d,   fdiv.d fa0, ft0, ft1, dyn)
F_OP(op_fsqrt_d,  fsqrt.d fa0, ft0, dyn)
F_OP(op_fmadd_d,  fmadd.d fa0, ft0, ft1, ft2, dyn)
F_OP(op_fmsub_d,  fmsub.d fa0, ft0, ft1, ft2, dyn)
F_OP(op_fnmadd_d, fnmadd.d fa0, ft0, ft1, ft2, dyn)
F_OP(op_fnmsub_d, fnmsub.d fa0, ft0, ft1, ft2, dyn)
F_OP(op_fsgnj_d,  fsgnj.d fa0, ft0, ft1)
F_OP(op_fsgnjn_d, fsgnjn.d fa0, ft0, ft1)
F_OP(op_fsgnjx_d, fsgnjx.d fa0, ft0, ft1)
F_OP(op_fmin_d,   fmin.d fa0, ft0, ft1)
F_OP(op_fmax_d,   fmax.d fa0, ft0, ft1)
X_OP(op_feq_d,    feq.d a0, ft0, ft1)
X_OP(op_flt_d,    flt.d a0, ft0, ft1)
X_OP(op_fle_d,    fle.d a0, ft0, ft1)
X_OP(op_fclass_d, fclass.d a0, ft0)
X_OP(op_fcvt_w_d,  fcvt.w.d a0, ft0, dyn)
X_OP(op_fcvt_wu_d, fcvt.wu.d a0, ft0, dyn)
X_OP(op_fcvt_l_d,  fcvt.l.d a0, ft0, dyn)
X_OP(op_fcvt_lu_d, fcvt.lu.d a0, ft0, dyn)
/* fcvt.d.w and fcvt.d.wu are exact: the assembler encodes rm = 0 and takes no rm operand */
F_OP(op_fcvt_d_w,  fcvt.d.w fa0, a1)
F_OP(op_fcvt_d_wu, fcvt.d.wu fa0, a1)
F_OP(op_fcvt_d_l,  fcvt.d.l fa0, a1, dyn)
F_OP(op_fcvt_d_lu, fcvt.d.lu fa0, a1, dyn)

/* ------------------------------------------------------------ moves, conversions, memory */
X_OP(op_fmv_x_w,  LOAD_S; fmv.x.w a0, ft0)
F_OP(op_fmv_w_x,  fmv.w.x fa0, a1)
X_OP(op_fmv_x_d,  fmv.x.d a0, ft0)
F_OP(op_fmv_d_x,  fmv.d.x fa0, a1)
F_OP(op_fcvt_s_d, fcvt.s.d fa0, ft0, dyn)
F_OP(op_fcvt_d_s, LOAD_S; fcvt.d.s fa0, ft0)
F_OP(op_flw,      sd a1, 24(sp); flw fa0, 24(sp))
X_OP(op_fsw,      LOAD_S; sd a2, 32(sp); fsw ft0, 32(sp); ld a0, 32(sp))

/* ------------------------------------------------------------ static rounding modes */
/* Five 8-byte slots, one per static rm (RNE, RTZ, RDN, RUP, RMM), picked by t5. */
.macro STATIC_RM done, insn:vararg
    .option push
    .option norvc
    auipc t6, 0
    slli t5, t5, 3
    add t6, t6, t5
    jalr x0, 16(t6)
    \insn, rne
    j \done
    \insn, rtz
    j \done
    \insn, rdn
    j \done
    \insn, rup
    j \done
    \insn, rmm
    j \done
    .option pop
.endm

op_fadd_s_static:    LOAD_S; STATIC_RM fp_done, fadd.s fa0, ft0, ft1
op_fsub_d_static:    STATIC_RM fp_done, fsub.d fa0, ft0, ft1
op_fmul_s_static:    LOAD_S; STATIC_RM fp_done, fmul.s fa0, ft0, ft1
op_fmul_d_static:    STATIC_RM fp_done, fmul.d fa0, ft0, ft1
op_fdiv_d_static:    STATIC_RM fp_done, fdiv.d fa0, ft0, ft1
op_fsqrt_s_static:   LOAD_S; STATIC_RM fp_done, fsqrt.s fa0, ft0
op_fmadd_s_static:   LOAD_S; STATIC_RM fp_done, fmadd.s fa0, ft0, ft1, ft2
op_fnmsub_d_static:  STATIC_RM fp_done, fnmsub.d fa0, ft0, ft1, ft2
op_fcvt_w_d_static:  STATIC_RM x_done, fcvt.w.d a0, ft0
op_fcvt_lu_s_static: LOAD_S; STATIC_RM x_done, fcvt.lu.s a0, ft0
op_fcvt_s_l_static:  STATIC_RM fp_done, fcvt.s.l fa0, a1
op_fcvt_s_d_static:  STATIC_RM fp_done, fcvt.s.d fa0, ft0

/* ------------------------------------------------------------ end */
finished:
    la t0, use_semihosting
    ld t0, 0(t0)
    beqz t0, pass
    la a1, sh_open
    li a0, SYS_OPEN
    call semihost
    li t0, -1
    li t1, 3
    beq a0, t0, fail_t1
    la a1, sh_write
    sd a0, 0(a1)
    la a1, sh_close
    sd a0, 0(a1)
    la a1, sh_write
    li a0, SYS_WRITE
    call semihost
    li t1, 3
    bnez a0, fail_t1             /* SYS_WRITE returns the number of bytes NOT written */
    la a1, sh_close
    li a0, SYS_CLOSE
    call semihost
    li t1, 3
    bnez a0, fail_t1
pass:
    fence
    li t0, 1
    la t1, tohost
    sd t0, 0(t1)
1:  j 1b

bad_op:
    li t0, 2
    j fail
fail_t1:
    mv t0, t1
fail:
    slli t0, t0, 1
    ori t0, t0, 1
    la t1, tohost
    sd t0, 0(t1)
2:  j 2b

/* The semihosting call sequence must be uncompressed and must not cross a page. */
    .option push
    .option norvc
    .align 4
semihost:
    slli x0, x0, 0x1f
    ebreak
    srai x0, x0, 7
    ret
    .option pop

/* ------------------------------------------------------------ data */
    .data
    .align 3
    .globl use_semihosting
use_semihosting:
    .dword 0
    .globl ncases
ncases:
    .dword NCASES
    .globl trap_epc
trap_epc:
    .dword 0
sh_fname:
    .asciz "fpdiff-results.bin"
sh_fname_end:
    .align 3
sh_open:
    .dword sh_fname, 5 /* "wb" */, sh_fname_end - sh_fname - 1
sh_write:
    .dword 0, results, NCASES * 16
sh_close:
    .dword 0

    .align 3
optable:
#include "ops.inc"

    .align 5
    .globl cases
cases:
    .incbin "cases.bin"

    .bss
    .align 6
scratch:
    .zero 64
    .globl results
results:
    .zero NCASES * 16

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
    .type tohost, @object
    .size tohost, 8
tohost: .dword 0
    .align 6
    .globl fromhost
    .type fromhost, @object
    .size fromhost, 8
fromhost: .dword 0
