// A temporary share for the virtio-9p tests: a host directory (inside an outer directory that
// holds things the guest must never reach), a device on it and a client.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { VirtioP9, type P9Options } from "../../src/virtio/9p/device.js";
import type { FsBackend } from "../../src/virtio/9p/fsBackend.js";
import { HostFsBackend } from "../../src/virtio/9p/hostFsBackend.js";
import { P9Client } from "./p9Client.js";

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;

export interface Share {
  /** The outer directory; the share is `dir`, its child. */
  outer: string;
  dir: string;
  backend: HostFsBackend;
  device: VirtioP9;
  c: P9Client;
}

export interface ShareOptions extends P9Options {
  readOnly?: boolean;
  /** Wraps the backend (to slow it down, count calls …). */
  wrap?: (b: FsBackend) => FsBackend;
}

/** A share with hello.txt ("hello, world\n"), sub/inner.txt and an outer secret.txt. */
export function makeShare(t: TestContext, o: ShareOptions = {}): Share {
  const outer = mkdtempSync(join(tmpdir(), "paravm-9p-"));
  t.after(() => rmSync(outer, { recursive: true, force: true }));
  const dir = join(outer, "share");
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "hello.txt"), "hello, world\n");
  writeFileSync(join(dir, "sub", "inner.txt"), "inner");
  writeFileSync(join(outer, "secret.txt"), "top secret");
  const backend = new HostFsBackend(dir, { readOnly: o.readOnly });
  const device = new VirtioP9(o.wrap ? o.wrap(backend) : backend, "share", o);
  t.after(() => device.close());
  return { outer, dir, backend, device, c: new P9Client(device) };
}
