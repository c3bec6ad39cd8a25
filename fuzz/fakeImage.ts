// A kernel for the fuzzer's pv-mode VMs, which want one: the fuzzer writes the few
// instructions it runs into RAM itself.

/** A Linux Image header (magic, text offset 0, 4 KiB) and nothing else. */
export function fakeImage(): Uint8Array {
  const image = new Uint8Array(4096);
  new DataView(image.buffer).setBigUint64(16, 4096n, true);
  image.set([0x52, 0x53, 0x43, 0x05], 56);
  return image;
}
