// A flattened device tree (DTB, version 17) writer. The guest learns the platform from this
// blob alone, so the layout follows the devicetree specification exactly: big-endian, a
// 40-byte header, the memory reservation block (8-aligned), the structure block (tokens,
// 4-aligned) and a deduplicated strings block.

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;
const HEADER_SIZE = 40;
const VERSION = 17;
const LAST_COMP_VERSION = 16;

const utf8 = new TextEncoder();

/** A growable big-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u32(v: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Zero padding up to a multiple of `n`. */
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Splits a 64-bit value into big-endian cells (numbers must be safe non-negative integers). */
function u64Cells(v: number | bigint): [number, number] {
  const b = BigInt(v);
  if (b < 0n || b > 0xffffffffffffffffn) throw new RangeError(`fdt: ${v} does not fit in 64 bits`);
  return [Number(b >> 32n), Number(b & 0xffffffffn)];
}

export class FdtBuilder {
  private readonly struct = new ByteWriter();
  private readonly strings = new ByteWriter();
  private readonly stringOffsets = new Map<string, number>();
  private readonly reservations: Array<[bigint, bigint]> = [];
  private depth = 0;
  private finished = false;

  /** Adds a /memreserve/ entry (none are needed for paravm's guests: the block stays empty). */
  addReservation(address: number | bigint, size: number | bigint): this {
    this.reservations.push([BigInt(address), BigInt(size)]);
    return this;
  }

  /** Opens a node; the root is `beginNode("")`, others "name@unit-address". */
  beginNode(name: string): this {
    this.check();
    if (this.depth === 0 && (name !== "" || this.struct.length > 0)) throw new Error('fdt: one root node, named ""');
    if (name.includes("/") || name.includes("\0")) throw new Error(`fdt: bad node name ${JSON.stringify(name)}`);
    this.struct.u32(FDT_BEGIN_NODE);
    this.struct.bytes(utf8.encode(name + "\0"));
    this.struct.align(4);
    this.depth++;
    return this;
  }

  endNode(): this {
    this.check();
    if (this.depth === 0) throw new Error("fdt: endNode without beginNode");
    this.struct.u32(FDT_END_NODE);
    this.depth--;
    return this;
  }

  /** A raw property value; every other prop* method is a shape of this one. */
  propBytes(name: string, value: Uint8Array): this {
    this.check();
    if (this.depth === 0) throw new Error(`fdt: property ${name} outside a node`);
    this.struct.u32(FDT_PROP);
    this.struct.u32(value.length);
    this.struct.u32(this.nameOffset(name));
    this.struct.bytes(value);
    this.struct.align(4);
    return this;
  }

  /** A boolean property (`interrupt-controller;`, `ranges;`). */
  propEmpty(name: string): this {
    return this.propBytes(name, new Uint8Array(0));
  }

  prop(name: string, value: string): this {
    return this.propStrings(name, [value]);
  }

  /** A stringlist: each string NUL-terminated, back to back. */
  propStrings(name: string, values: string[]): this {
    for (const v of values) if (v.includes("\0")) throw new Error(`fdt: NUL inside a string of ${name}`);
    return this.propBytes(name, utf8.encode(values.map((v) => v + "\0").join("")));
  }

  propU32(name: string, value: number): this {
    return this.propCells(name, [value]);
  }

  /** 32-bit big-endian cells (`reg = <0x0 0x80000000 ...>`). */
  propCells(name: string, cells: number[]): this {
    const out = new Uint8Array(cells.length * 4);
    const view = new DataView(out.buffer);
    cells.forEach((c, i) => {
      if (!Number.isInteger(c) || c < -0x80000000 || c > 0xffffffff) throw new RangeError(`fdt: cell ${c} in ${name}`);
      view.setUint32(i * 4, c >>> 0);
    });
    return this.propBytes(name, out);
  }

  propU64(name: string, value: number | bigint): this {
    return this.propU64s(name, [value]);
  }

  /** 64-bit values, each as two cells, high first (`linux,initrd-start`, `reg` with 2 cells). */
  propU64s(name: string, values: Array<number | bigint>): this {
    return this.propCells(name, values.flatMap(u64Cells));
  }

  /** The DTB: header, reservations, structure and strings blocks. */
  finish(bootCpuId = 0): Uint8Array {
    this.check();
    if (this.depth !== 0) throw new Error(`fdt: ${this.depth} node(s) left open`);
    if (this.struct.length === 0) throw new Error("fdt: no root node");
    this.struct.u32(FDT_END);
    this.finished = true;

    const out = new ByteWriter();
    for (let i = 0; i < HEADER_SIZE / 4; i++) out.u32(0); // filled in below
    out.align(8);
    const offRsv = out.length;
    for (const [addr, size] of this.reservations) {
      for (const c of [...u64Cells(addr), ...u64Cells(size)]) out.u32(c);
    }
    for (let i = 0; i < 4; i++) out.u32(0); // the terminating {0, 0} entry
    const offStruct = out.length;
    const struct = this.struct.result();
    out.bytes(struct);
    const offStrings = out.length;
    const strings = this.strings.result();
    out.bytes(strings);
    out.align(4); // not required by the spec, but keeps totalsize word-aligned for loaders that copy by words

    const dtb = out.result();
    const view = new DataView(dtb.buffer);
    const header = [
      FDT_MAGIC,
      dtb.length,
      offStruct,
      offStrings,
      offRsv,
      VERSION,
      LAST_COMP_VERSION,
      bootCpuId,
      strings.length,
      struct.length,
    ];
    header.forEach((v, i) => view.setUint32(i * 4, v >>> 0));
    return dtb;
  }

  /** Property names are stored once in the strings block and referenced by offset. */
  private nameOffset(name: string): number {
    let off = this.stringOffsets.get(name);
    if (off === undefined) {
      if (name.length === 0 || name.includes("\0")) throw new Error(`fdt: bad property name ${JSON.stringify(name)}`);
      off = this.strings.length;
      this.strings.bytes(utf8.encode(name + "\0"));
      this.stringOffsets.set(name, off);
    }
    return off;
  }

  private check(): void {
    if (this.finished) throw new Error("fdt: builder already finished");
  }
}
