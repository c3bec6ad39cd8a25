import { test } from "node:test";
import assert from "node:assert/strict";
import { buildDeviceTree, type DeviceTreeConfig } from "../../src/machine/deviceTree.js";
import {
  findNode,
  parseFdt,
  propCells,
  propString,
  propStrings,
  propU64s,
  type FdtNode,
} from "../../src/machine/fdtParse.js";
import { deviceTreeConfig } from "./fdtFixtures.js";

function tree(over: Partial<DeviceTreeConfig> = {}): FdtNode {
  return parseFdt(buildDeviceTree(deviceTreeConfig(over))).root;
}

function node(root: FdtNode, path: string): FdtNode {
  const n = findNode(root, path);
  assert.ok(n, `${path} exists`);
  return n;
}

function phandleOf(n: FdtNode): number {
  return propCells(n, "phandle")![0];
}

test("device tree: root, chosen and memory", () => {
  const root = tree({ initrd: { start: 0x8800_0000, end: 0x8812_3456 } });
  assert.deepEqual(propCells(root, "#address-cells"), [2]);
  assert.deepEqual(propCells(root, "#size-cells"), [2]);
  assert.equal(propString(root, "compatible"), "riscv-virtio");
  assert.equal(propString(root, "model"), "paravm");
  const chosen = node(root, "/chosen");
  assert.equal(propString(chosen, "bootargs"), "console=hvc0 quiet");
  assert.equal(propString(chosen, "stdout-path"), "/soc/serial@10000000");
  assert.deepEqual(propU64s(chosen, "linux,initrd-start"), [0x8800_0000n]);
  assert.deepEqual(propU64s(chosen, "linux,initrd-end"), [0x8812_3456n]);
  assert.deepEqual(propU64s(node(root, "/memory@80000000"), "reg"), [0x8000_0000n, 256n << 20n]);
  assert.equal(node(tree(), "/chosen").props["linux,initrd-start"], undefined);
});

test("device tree: one cpu node per hart, with its ISA and interrupt controller", () => {
  const root = tree({ harts: 3 });
  const cpus = node(root, "/cpus");
  assert.deepEqual(propCells(cpus, "timebase-frequency"), [10_000_000]);
  assert.deepEqual(propCells(cpus, "#address-cells"), [1]);
  assert.deepEqual(propCells(cpus, "#size-cells"), [0]);
  for (let h = 0; h < 3; h++) {
    const cpu = node(root, `/cpus/cpu@${h}`);
    assert.equal(propString(cpu, "device_type"), "cpu");
    assert.deepEqual(propCells(cpu, "reg"), [h]);
    assert.equal(propString(cpu, "status"), "okay");
    assert.equal(propString(cpu, "compatible"), "riscv");
    assert.equal(propString(cpu, "riscv,isa"), "rv64imafdc_zicsr_zifencei_zicntr");
    assert.equal(propString(cpu, "riscv,isa-base"), "rv64i");
    assert.deepEqual(propStrings(cpu, "riscv,isa-extensions"), deviceTreeConfig().isa.extensions);
    assert.equal(propString(cpu, "mmu-type"), "riscv,sv48");
    const intc = node(cpu, "interrupt-controller");
    assert.equal(propString(intc, "compatible"), "riscv,cpu-intc");
    assert.deepEqual(propCells(intc, "#interrupt-cells"), [1]);
    assert.ok(intc.props["interrupt-controller"]);
    assert.deepEqual(propCells(node(root, `/cpus/cpu-map/cluster0/core${h}`), "cpu"), [phandleOf(cpu)]);
  }
  assert.equal(findNode(root, "/cpus/cpu@3"), undefined);
});

test("device tree: the CLINT is there in full mode only", () => {
  assert.equal(findNode(tree({ mode: "pv" }), "/soc/clint@2000000"), undefined);
  const root = tree({ mode: "full", harts: 2 });
  const clint = node(root, "/soc/clint@2000000");
  assert.deepEqual(propStrings(clint, "compatible"), ["sifive,clint0", "riscv,clint0"]);
  assert.deepEqual(propU64s(clint, "reg"), [0x200_0000n, 0x1_0000n]);
  const i0 = phandleOf(node(root, "/cpus/cpu@0/interrupt-controller"));
  const i1 = phandleOf(node(root, "/cpus/cpu@1/interrupt-controller"));
  assert.deepEqual(propCells(clint, "interrupts-extended"), [i0, 3, i0, 7, i1, 3, i1, 7]);
});

test("device tree: PLIC contexts are M+S per hart in full mode, S only in pv mode", () => {
  for (const mode of ["full", "pv"] as const) {
    const root = tree({ mode, harts: 2 });
    const plic = node(root, "/soc/plic@c000000");
    assert.deepEqual(propStrings(plic, "compatible"), ["sifive,plic-1.0.0", "riscv,plic0"]);
    assert.deepEqual(propU64s(plic, "reg"), [0xc00_0000n, 0x60_0000n]);
    assert.deepEqual(propCells(plic, "riscv,ndev"), [31]);
    assert.deepEqual(propCells(plic, "#interrupt-cells"), [1]);
    assert.ok(plic.props["interrupt-controller"]);
    const i0 = phandleOf(node(root, "/cpus/cpu@0/interrupt-controller"));
    const i1 = phandleOf(node(root, "/cpus/cpu@1/interrupt-controller"));
    const expected = mode === "full" ? [i0, 11, i0, 9, i1, 11, i1, 9] : [i0, 9, i1, 9];
    assert.deepEqual(propCells(plic, "interrupts-extended"), expected, mode);
  }
});

test("device tree: UART, RTC, test device, poweroff and reboot", () => {
  const root = tree();
  const plic = phandleOf(node(root, "/soc/plic@c000000"));
  const uart = node(root, "/soc/serial@10000000");
  assert.equal(propString(uart, "compatible"), "ns16550a");
  assert.deepEqual(propU64s(uart, "reg"), [0x1000_0000n, 0x100n]);
  assert.deepEqual(propCells(uart, "clock-frequency"), [3_686_400]);
  assert.deepEqual(propCells(uart, "interrupts"), [10]);
  assert.deepEqual(propCells(uart, "interrupt-parent"), [plic]);
  const rtc = node(root, "/soc/rtc@101000");
  assert.equal(propString(rtc, "compatible"), "google,goldfish-rtc");
  assert.deepEqual(propCells(rtc, "interrupts"), [11]);
  assert.deepEqual(propCells(rtc, "interrupt-parent"), [plic]);
  const testDev = node(root, "/soc/test@100000");
  assert.deepEqual(propStrings(testDev, "compatible"), ["sifive,test1", "sifive,test0", "syscon"]);
  for (const [path, compatible, value] of [
    ["/poweroff", "syscon-poweroff", 0x5555],
    ["/reboot", "syscon-reboot", 0x7777],
  ] as const) {
    const n = node(root, path);
    assert.equal(propString(n, "compatible"), compatible);
    assert.deepEqual(propCells(n, "regmap"), [phandleOf(testDev)]);
    assert.deepEqual(propCells(n, "offset"), [0]);
    assert.deepEqual(propCells(n, "value"), [value]);
  }
});

test("device tree: one virtio-mmio node per slot, IRQ 1 + slot", () => {
  const root = tree({ virtioSlots: 3 });
  const plic = phandleOf(node(root, "/soc/plic@c000000"));
  for (let i = 0; i < 3; i++) {
    const base = 0x1000_1000 + i * 0x1000;
    const v = node(root, `/soc/virtio_mmio@${base.toString(16)}`);
    assert.equal(propString(v, "compatible"), "virtio,mmio");
    assert.deepEqual(propU64s(v, "reg"), [BigInt(base), 0x1000n]);
    assert.deepEqual(propCells(v, "interrupts"), [1 + i]);
    assert.deepEqual(propCells(v, "interrupt-parent"), [plic]);
  }
  assert.equal(findNode(root, "/soc/virtio_mmio@10004000"), undefined);
  assert.throws(() => buildDeviceTree(deviceTreeConfig({ virtioSlots: 9 })), RangeError);
});

test("device tree: phandles are unique", () => {
  const seen = new Set<number>();
  const walk = (n: FdtNode) => {
    if (n.props["phandle"]) {
      const p = phandleOf(n);
      assert.ok(!seen.has(p), `phandle ${p} used twice`);
      seen.add(p);
    }
    n.children.forEach(walk);
  };
  walk(tree({ mode: "full", harts: 4 }));
  assert.equal(seen.size, 4 + 4 + 2);
});
