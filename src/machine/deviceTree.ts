// The device tree of paravm's virt platform, shaped like QEMU virt's so that Linux (6.1 and
// later) and OpenSBI find what they look for. The mode shows in the tree: `pv` leaves the
// CLINT out and gives the PLIC S-mode contexts only, as QEMU does under KVM (timer and IPIs
// then come from SBI); `full` describes the M-mode hardware the guest firmware drives.

import { PLIC_SIZE, PLIC_SOURCES, plicContextLayout } from "../devices/plic.js";
import { FdtBuilder } from "./fdt.js";
import { PLATFORM } from "./platform.js";

export interface DeviceTreeConfig {
  mode: "pv" | "full";
  harts: number;
  ramBase: number;
  ramSize: number;
  bootargs: string;
  initrd?: { start: number; end: number };
  /** base: single-letter part ("rv64imafdc"); extensions: every extension, one name each ("i", "zicsr" …). */
  isa: { base: string; extensions: string[] };
  timebaseHz: number;
  virtioSlots: number;
  /** The guest's console; the DT names the UART either way (Linux takes hvc0 from console=). */
  stdout: "uart" | "hvc";
}

const IRQ_MSI = 3;
const IRQ_MTI = 7;
const UART_CLOCK_HZ = 3_686_400;

const hex = (n: number) => n.toString(16);

/** `reg` with #address-cells = #size-cells = 2. */
function reg(b: FdtBuilder, base: number, size: number): void {
  b.propU64s("reg", [base, size]);
}

/** "rv64imafdc" + "_zicsr_zifencei…": the multi-letter extensions, in the order given. */
export function isaString(isa: DeviceTreeConfig["isa"]): string {
  return [isa.base, ...isa.extensions.filter((e) => e.length > 1)].join("_");
}

export function buildDeviceTree(cfg: DeviceTreeConfig): Uint8Array {
  if (!Number.isInteger(cfg.harts) || cfg.harts < 1) throw new RangeError(`device tree: ${cfg.harts} harts`);
  if (cfg.virtioSlots < 0 || cfg.virtioSlots > PLATFORM.virtio.slots) {
    throw new RangeError(`device tree: ${cfg.virtioSlots} virtio slots (at most ${PLATFORM.virtio.slots})`);
  }
  let nextPhandle = 1;
  const cpuPhandle = Array.from({ length: cfg.harts }, () => nextPhandle++);
  const intcPhandle = Array.from({ length: cfg.harts }, () => nextPhandle++);
  const plicPhandle = nextPhandle++;
  const testPhandle = nextPhandle++;
  const uartPath = `/soc/serial@${hex(PLATFORM.uart.base)}`;

  const b = new FdtBuilder();
  b.beginNode("");
  b.propU32("#address-cells", 2);
  b.propU32("#size-cells", 2);
  b.prop("compatible", "riscv-virtio");
  b.prop("model", "paravm");

  b.beginNode("chosen");
  if (cfg.bootargs) b.prop("bootargs", cfg.bootargs);
  b.prop("stdout-path", uartPath);
  if (cfg.initrd) {
    b.propU64("linux,initrd-start", cfg.initrd.start);
    b.propU64("linux,initrd-end", cfg.initrd.end);
  }
  b.endNode();

  b.beginNode(`memory@${hex(cfg.ramBase)}`);
  b.prop("device_type", "memory");
  reg(b, cfg.ramBase, cfg.ramSize);
  b.endNode();

  b.beginNode("cpus");
  b.propU32("#address-cells", 1);
  b.propU32("#size-cells", 0);
  b.propU32("timebase-frequency", cfg.timebaseHz);
  for (let h = 0; h < cfg.harts; h++) {
    b.beginNode(`cpu@${hex(h)}`);
    b.propU32("phandle", cpuPhandle[h]);
    b.prop("device_type", "cpu");
    b.propU32("reg", h);
    b.prop("status", "okay");
    b.prop("compatible", "riscv");
    b.prop("riscv,isa", isaString(cfg.isa));
    b.prop("riscv,isa-base", cfg.isa.base.slice(0, 4) + "i");
    b.propStrings("riscv,isa-extensions", cfg.isa.extensions);
    // Linux caps its page-table depth at the DT's mmu-type and probes downwards from there
    // (arch/riscv/mm/init.c): sv48 is the deepest mode the hart implements.
    b.prop("mmu-type", "riscv,sv48");
    b.beginNode("interrupt-controller");
    b.propU32("#address-cells", 0); // interrupt providers need it for interrupt-map lookups (dtc warns without)
    b.propU32("#interrupt-cells", 1);
    b.propEmpty("interrupt-controller");
    b.prop("compatible", "riscv,cpu-intc");
    b.propU32("phandle", intcPhandle[h]);
    b.endNode();
    b.endNode();
  }
  b.beginNode("cpu-map");
  b.beginNode("cluster0");
  for (let h = 0; h < cfg.harts; h++) {
    b.beginNode(`core${h}`);
    b.propU32("cpu", cpuPhandle[h]);
    b.endNode();
  }
  b.endNode();
  b.endNode();
  b.endNode(); // cpus

  b.beginNode("soc");
  b.propU32("#address-cells", 2);
  b.propU32("#size-cells", 2);
  b.prop("compatible", "simple-bus");
  b.propEmpty("ranges");

  if (cfg.mode === "full") {
    b.beginNode(`clint@${hex(PLATFORM.clint.base)}`);
    b.propStrings("compatible", ["sifive,clint0", "riscv,clint0"]);
    reg(b, PLATFORM.clint.base, PLATFORM.clint.size);
    b.propCells(
      "interrupts-extended",
      intcPhandle.flatMap((p) => [p, IRQ_MSI, p, IRQ_MTI]),
    );
    b.endNode();
  }

  // The order of interrupts-extended is the PLIC's context numbering (see plic.ts).
  b.beginNode(`plic@${hex(PLATFORM.plic.base)}`);
  b.propU32("phandle", plicPhandle);
  b.propStrings("compatible", ["sifive,plic-1.0.0", "riscv,plic0"]);
  reg(b, PLATFORM.plic.base, PLIC_SIZE);
  b.propU32("#address-cells", 0);
  b.propU32("#interrupt-cells", 1);
  b.propEmpty("interrupt-controller");
  b.propU32("riscv,ndev", PLIC_SOURCES - 1);
  b.propCells(
    "interrupts-extended",
    plicContextLayout(cfg.mode, cfg.harts).flatMap((c) => [intcPhandle[c.hart], c.irq]),
  );
  b.endNode();

  b.beginNode(`serial@${hex(PLATFORM.uart.base)}`);
  b.prop("compatible", "ns16550a");
  reg(b, PLATFORM.uart.base, PLATFORM.uart.size);
  b.propU32("clock-frequency", UART_CLOCK_HZ);
  b.propU32("interrupts", PLATFORM.uart.irq);
  b.propU32("interrupt-parent", plicPhandle);
  b.endNode();

  b.beginNode(`rtc@${hex(PLATFORM.rtc.base)}`);
  b.prop("compatible", "google,goldfish-rtc");
  reg(b, PLATFORM.rtc.base, PLATFORM.rtc.size);
  b.propU32("interrupts", PLATFORM.rtc.irq);
  b.propU32("interrupt-parent", plicPhandle);
  b.endNode();

  b.beginNode(`test@${hex(PLATFORM.syscon.base)}`);
  b.propU32("phandle", testPhandle);
  b.propStrings("compatible", ["sifive,test1", "sifive,test0", "syscon"]);
  reg(b, PLATFORM.syscon.base, PLATFORM.syscon.size);
  b.endNode();

  for (let i = 0; i < cfg.virtioSlots; i++) {
    const base = PLATFORM.virtio.base + i * PLATFORM.virtio.stride;
    b.beginNode(`virtio_mmio@${hex(base)}`);
    b.prop("compatible", "virtio,mmio");
    reg(b, base, PLATFORM.virtio.stride);
    b.propU32("interrupts", PLATFORM.virtio.firstIrq + i);
    b.propU32("interrupt-parent", plicPhandle);
    b.endNode();
  }
  b.endNode(); // soc

  // Power off and reboot through the test device, the syscon way Linux's generic drivers know.
  for (const [node, compatible, value] of [
    ["poweroff", "syscon-poweroff", 0x5555],
    ["reboot", "syscon-reboot", 0x7777],
  ] as const) {
    b.beginNode(node);
    b.prop("compatible", compatible);
    b.propU32("regmap", testPhandle);
    b.propU32("offset", 0);
    b.propU32("value", value);
    b.endNode();
  }

  b.endNode(); // root
  return b.finish(0);
}
