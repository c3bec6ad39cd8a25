// A small WebAssembly binary writer: the opcodes the translator uses, LEB128 immediates, and
// the assembly of a module from function bodies. Only what translated blocks need.

export const enum Op {
  Block = 0x02,
  Loop = 0x03,
  If = 0x04,
  Else = 0x05,
  Try = 0x06,
  Rethrow = 0x09,
  End = 0x0b,
  Br = 0x0c,
  BrIf = 0x0d,
  Return = 0x0f,
  Call = 0x10,
  CallIndirect = 0x11,
  CatchAll = 0x19,
  Drop = 0x1a,
  Select = 0x1b,
  LocalGet = 0x20,
  LocalSet = 0x21,
  LocalTee = 0x22,
  I32Load = 0x28,
  I64Load = 0x29,
  F64Load = 0x2b,
  I64Load8S = 0x30,
  I64Load8U = 0x31,
  I64Load16S = 0x32,
  I64Load16U = 0x33,
  I64Load32S = 0x34,
  I64Load32U = 0x35,
  I32Store = 0x36,
  I64Store = 0x37,
  F64Store = 0x39,
  I64Store8 = 0x3c,
  I64Store16 = 0x3d,
  I64Store32 = 0x3e,
  I32Const = 0x41,
  I64Const = 0x42,
  I32Eqz = 0x45,
  I32Eq = 0x46,
  I32Ne = 0x47,
  I32LtU = 0x49,
  I32GtS = 0x4a,
  I32LeS = 0x4c,
  I32LeU = 0x4d,
  I64Eqz = 0x50,
  I64Eq = 0x51,
  I64Ne = 0x52,
  I64LtS = 0x53,
  I64LtU = 0x54,
  I64LeU = 0x58,
  I64GeS = 0x59,
  I64GeU = 0x5a,
  F64Eq = 0x61,
  F64Ne = 0x62,
  F64Lt = 0x63,
  F64Le = 0x65,
  I32Add = 0x6a,
  I32Sub = 0x6b,
  I32Mul = 0x6c,
  I32DivS = 0x6d,
  I32DivU = 0x6e,
  I32RemS = 0x6f,
  I32RemU = 0x70,
  I32And = 0x71,
  I32Or = 0x72,
  I32Shl = 0x74,
  I32ShrS = 0x75,
  I32ShrU = 0x76,
  I64Add = 0x7c,
  I64Sub = 0x7d,
  I64Mul = 0x7e,
  I64DivS = 0x7f,
  I64DivU = 0x80,
  I64RemS = 0x81,
  I64RemU = 0x82,
  I64And = 0x83,
  I64Or = 0x84,
  I64Xor = 0x85,
  I64Shl = 0x86,
  I64ShrS = 0x87,
  I64ShrU = 0x88,
  I32WrapI64 = 0xa7,
  I64ExtendI32S = 0xac,
  I64ExtendI32U = 0xad,
  I64TruncF64S = 0xb0,
  F64ConvertI32S = 0xb7,
  F64ConvertI32U = 0xb8,
  F64ConvertI64S = 0xb9,
  F64ConvertI64U = 0xba,
}

export const enum Type {
  I32 = 0x7f,
  I64 = 0x7e,
  F64 = 0x7c,
  Void = 0x40,
}

/** Bytes of one function body (or any section) under construction. */
export class WasmCode {
  private buf = new Uint8Array(256);
  length = 0;
  /** Structured blocks (block, loop, if, try) open at the current position: what a br counts. */
  depth = 0;

  /** Opens a block, loop, if or try of result type `type`. */
  open(o: Op, type: Type = Type.Void): this {
    this.depth++;
    return this.byte(o).byte(type);
  }

  /** Closes the innermost structured block. */
  end(): this {
    this.depth--;
    return this.byte(Op.End);
  }

  byte(b: number): this {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(b: ArrayLike<number>): this {
    if (this.length + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  private grow(more: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + more) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  u32(v: number): this {
    if (v < 128) return this.byte(v);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      this.byte(b);
    } while (v > 0);
    return this;
  }

  /** Signed LEB128 of a safe integer. */
  s(v: number): this {
    if (v >= -64 && v < 64) return this.byte(v & 0x7f);
    for (;;) {
      const b = ((v % 128) + 128) % 128;
      v = Math.floor(v / 128);
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  /** Signed LEB128 of a 64-bit value. */
  s64(v: bigint): this {
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  op(o: Op): this {
    return this.byte(o);
  }

  i32(v: number): this {
    return this.byte(Op.I32Const).s(v | 0);
  }

  i64(v: number | bigint): this {
    if (typeof v === "number" && Number.isSafeInteger(v)) return this.byte(Op.I64Const).s(v);
    return this.byte(Op.I64Const).s64(BigInt.asIntN(64, BigInt(v)));
  }

  get(local: number): this {
    return this.byte(Op.LocalGet).u32(local);
  }

  set(local: number): this {
    return this.byte(Op.LocalSet).u32(local);
  }

  tee(local: number): this {
    return this.byte(Op.LocalTee).u32(local);
  }

  /** A load or store with alignment hint 0 (guest accesses may be misaligned) and an offset. */
  mem(o: Op, offset: number): this {
    return this.byte(o).u32(0).u32(offset);
  }

  /** A section or vector: its byte length, then its bytes. */
  sized(inner: WasmCode): this {
    return this.u32(inner.length).bytes(inner.view());
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export interface FuncType {
  params: Type[];
  results: Type[];
}

export interface ModuleSpec {
  types: FuncType[];
  /** Imported functions "h"."name" with their type index, in order (function indices 0…). */
  imports: { name: string; type: number }[];
  /** The memory is imported as "h"."mem". */
  memoryPages: number;
  /** Import a function table as "h"."table" (for call_indirect). */
  table?: boolean;
  /** Defined functions: type index, extra locals (type, count) and body (without the final end). */
  funcs: { type: number; locals: [Type, number][]; body: WasmCode; export?: string }[];
}

/** Encodes a whole module. */
export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const out = new WasmCode().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, body: WasmCode) => out.byte(id).sized(body);

  const types = new WasmCode().u32(spec.types.length);
  for (const t of spec.types) {
    types.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
  }
  section(1, types);

  const imports = new WasmCode().u32(spec.imports.length + 1 + (spec.table ? 1 : 0));
  const name = (c: WasmCode, s: string) => c.u32(s.length).bytes([...s].map((ch) => ch.charCodeAt(0)));
  for (const imp of spec.imports) {
    name(name(imports, "h"), imp.name).byte(0x00).u32(imp.type);
  }
  name(name(imports, "h"), "mem").byte(0x02).byte(0x00).u32(spec.memoryPages);
  if (spec.table) name(name(imports, "h"), "table").byte(0x01).byte(0x70).byte(0x00).u32(0);
  section(2, imports);

  const funcs = new WasmCode().u32(spec.funcs.length);
  for (const f of spec.funcs) funcs.u32(f.type);
  section(3, funcs);

  const exported = spec.funcs.map((f, i) => [f.export, i] as const).filter(([e]) => e !== undefined);
  const exports = new WasmCode().u32(exported.length);
  for (const [e, i] of exported)
    name(exports, e!)
      .byte(0x00)
      .u32(spec.imports.length + i);
  section(7, exports);

  const code = new WasmCode().u32(spec.funcs.length);
  for (const f of spec.funcs) {
    const body = new WasmCode().u32(f.locals.length);
    for (const [type, count] of f.locals) body.u32(count).byte(type);
    body.bytes(f.body.view()).byte(Op.End);
    code.sized(body);
  }
  section(10, code);
  return new Uint8Array(out.view());
}
