// What the hart implements, as the device tree tells the guest: exactly this, no more.

export const HART_ISA = {
  base: "rv64imafdc",
  extensions: ["i", "m", "a", "f", "d", "c", "sstc", "zicntr", "zicsr", "zifencei"],
};
