// virtio-blk's acceptance: in the default guest (pv mode), mkfs.ext4 on /dev/vda, 64 MiB of
// random data into a file, sync, power off; on the host the image passes `e2fsck -fn` and the
// file, read back with debugfs, has the checksum the guest printed. The guest's mkfs.ext4 comes
// from an initramfs overlay of Debian's e2fsprogs (guests/e2fsprogs/build.sh, which .ci/run
// runs), appended to the default guest's initramfs; the host needs e2fsprogs too.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, truncateSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const GUEST = fileURLToPath(new URL("../../../guests/default/", import.meta.url));
const OVERLAY = process.env.PARAVM_E2FSPROGS_OVERLAY ?? join(homedir(), ".cache/paravm/e2fsprogs/e2fsprogs.cpio.gz");

test("virtio-blk: mkfs.ext4 and 64 MiB of random data in the guest; e2fsck and the checksum on the host", () => {
  assert.ok(existsSync(OVERLAY), `no ${OVERLAY}: run guests/e2fsprogs/build.sh`);
  const dir = mkdtempSync(join(tmpdir(), "paravm-ext4-"));
  const disk = join(dir, "disk.img");
  writeFileSync(disk, "");
  truncateSync(disk, 128 << 20);
  const initrd = join(dir, "initrd.cpio.gz");
  writeFileSync(initrd, Buffer.concat([readFileSync(join(GUEST, "initramfs.cpio.gz")), readFileSync(OVERLAY)]));
  const script = [
    "",
    "mkfs.ext4 -q -F /dev/vda && mount -t ext4 /dev/vda /mnt &&" +
      " dd if=/dev/urandom of=/mnt/random.bin bs=1M count=64 2>/dev/null && sync &&" +
      " echo SUM=$(sha256sum /mnt/random.bin) && umount /mnt && echo EXT4-DONE",
    "poweroff -f",
    "",
  ].join("\n");
  const r = spawnSync(
    process.execPath,
    [MAIN, "run", "--initrd", initrd, "--disk", disk, "--timeout", "900", "--stats"],
    { input: script, encoding: "latin1", maxBuffer: 64 << 20 },
  );
  const out = r.stdout.replace(/\r/g, "");
  assert.equal(r.status, 0, out.slice(-3000) + r.stderr);
  assert.match(out, /\nEXT4-DONE\n/, out.slice(-3000));
  const guestSum = /\nSUM=([0-9a-f]{64}) +\/mnt\/random\.bin\n/.exec(out)?.[1];
  assert.ok(guestSum, `the guest printed no checksum:\n${out.slice(-2000)}`);

  const fsck = spawnSync("e2fsck", ["-fn", disk], { encoding: "utf8" });
  assert.equal(fsck.status, 0, `e2fsck -fn: ${fsck.stdout}${fsck.stderr}`);
  const dumped = join(dir, "random.bin");
  const dump = spawnSync("debugfs", ["-R", `dump /random.bin ${dumped}`, disk], { encoding: "utf8" });
  assert.equal(dump.status, 0, dump.stderr);
  const data = readFileSync(dumped);
  assert.equal(data.length, 64 << 20);
  assert.equal(createHash("sha256").update(data).digest("hex"), guestSum);
});
