import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileBackend } from "../../src/virtio/blk/fileBackend.js";

async function withImage(body: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "paravm-blk-"));
  const path = join(dir, "disk.img");
  await writeFile(path, new Uint8Array(8192).fill(0x33));
  try {
    await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("file backend: read, write, write zeroes, flush; size and id from the file", () =>
  withImage(async (path) => {
    const disk = await FileBackend.open(path);
    assert.equal(disk.size, 8192);
    assert.equal(disk.id, "disk.img");
    assert.equal(disk.readOnly, false);
    await disk.write(512, new Uint8Array(512).fill(7));
    await disk.writeZeroes(1024, 1024);
    await disk.discard();
    await disk.flush();
    assert.deepEqual(await disk.read(510, 4), Uint8Array.of(0x33, 0x33, 7, 7));
    assert.ok((await disk.read(1024, 1024)).every((x) => x === 0));
    await disk.close();
    const bytes = await readFile(path);
    assert.equal(bytes[600], 7);
    assert.equal(bytes[2048], 0x33);
  }));

test("file backend: one writer at a time (IMAGE.lock with the pid)", () =>
  withImage(async (path) => {
    const first = await FileBackend.open(path);
    assert.equal((await readFile(`${path}.lock`, "utf8")).trim(), String(process.pid));
    await assert.rejects(FileBackend.open(path), /in use by this paravm/);
    await first.close();
    assert.equal(existsSync(`${path}.lock`), false, "closing removes the lock");
    const second = await FileBackend.open(path);
    await second.close();
  }));

test("file backend: readers share an image, but not with a writer (QEMU's shared 'write' lock)", () =>
  withImage(async (path) => {
    const reader = await FileBackend.open(path, { readOnly: true, id: "ro" });
    assert.equal(reader.readOnly, true);
    assert.equal(existsSync(`${path}.rlock.${process.pid}`), true);
    await assert.rejects(reader.write(0, new Uint8Array(1)), /read-only/);
    await writeFile(`${path}.rlock.1`, "1\n"); // a reader that runs: pid 1 always does
    await assert.rejects(FileBackend.open(path), /open read-only in process 1/);
    assert.equal(existsSync(`${path}.lock`), false, "a refused writer leaves no lock");
    await rm(`${path}.rlock.1`);
    await reader.close();
    assert.equal(existsSync(`${path}.rlock.${process.pid}`), false, "closing removes the read lock");
    await writeFile(`${path}.lock`, "1\n"); // a writer that runs
    await assert.rejects(FileBackend.open(path, { readOnly: true }), /being written by process 1.*shared "write" lock/);
    assert.equal(existsSync(`${path}.rlock.${process.pid}`), false, "a refused reader leaves no lock");
  }));

test("file backend: the lock of a reader that was killed is taken over", () =>
  withImage(async (path) => {
    await writeFile(`${path}.rlock.2147483646`, "2147483646\n");
    const disk = await FileBackend.open(path);
    assert.equal(existsSync(`${path}.rlock.2147483646`), false);
    await disk.close();
  }));

test("file backend: a stale lock (its process is gone) is taken over; an empty one is not", () =>
  withImage(async (path) => {
    await writeFile(`${path}.lock`, "2147483646\n");
    const disk = await FileBackend.open(path);
    assert.equal((await readFile(`${path}.lock`, "utf8")).trim(), String(process.pid));
    await disk.close();
    await writeFile(`${path}.lock`, "");
    await assert.rejects(FileBackend.open(path), /in use/);
  }));

test("file backend: a missing file fails and leaves no lock behind", () =>
  withImage(async (path) => {
    const missing = `${path}.missing`;
    await assert.rejects(FileBackend.open(missing));
    assert.equal(existsSync(`${missing}.lock`), false);
  }));
