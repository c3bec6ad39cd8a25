import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_MSIZE, VirtioP9 } from "../../src/virtio/9p/device.js";
import { checkDistinctTags, openShare, parseShareSpec } from "../../src/virtio/9p/share.js";
import { MMIO } from "../../src/virtio/mmioTransport.js";
import { Enc, errnoOf, QTDIR, QTFILE, QTSYMLINK } from "./p9Client.js";
import { makeShare, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from "./p9Fixture.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

test("virtio-9p: device ID, mount-tag feature and config", (t) => {
  const { c } = makeShare(t);
  assert.equal(c.drv.r(MMIO.DeviceID), 9);
  assert.ok(c.drv.offered() & 1n, "VIRTIO_9P_MOUNT_TAG");
  const len = c.drv.r(0x100, 2);
  assert.equal(len, 5);
  const tag = Array.from({ length: len }, (_, i) => c.drv.r(0x102 + i, 1));
  assert.equal(String.fromCharCode(...tag), "share");
});

test("virtio-9p: version negotiates msize and the dialect", async (t) => {
  const { c } = makeShare(t);
  assert.deepEqual(await c.version(65536), { msize: 65536, version: "9P2000.L" });
  assert.deepEqual(await c.version(0xffffffff), { msize: MAX_MSIZE, version: "9P2000.L" });
  assert.equal((await c.version(8192, "9P2000.u")).version, "unknown");
  assert.equal((await c.version(8192, "9P2000")).version, "unknown");
  assert.equal(await errnoOf(c.version(0)), 22);
  assert.equal(await errnoOf(c.version(4095)), 22);
  assert.equal((await c.version(4096)).msize, 4096);
});

test("virtio-9p: attach, walk, clone and getattr", async (t) => {
  const { c, dir } = makeShare(t);
  const root = await c.mount();
  assert.equal(root.type, QTDIR);
  assert.equal(root.path, statSync(dir, { bigint: true }).ino);
  const qids = await c.walk(0, 1, ["sub", "inner.txt"]);
  assert.deepEqual(
    qids.map((q) => q.type),
    [QTDIR, QTFILE],
  );
  assert.equal(qids[1].path, BigInt(statSync(join(dir, "sub", "inner.txt")).ino));
  const a = await c.getattr(1);
  assert.equal(a.size, 5n);
  assert.equal(a.mode & 0o170000, 0o100000);
  const st = statSync(join(dir, "sub", "inner.txt"), { bigint: true });
  assert.equal(a.mtime[0] * 1_000_000_000n + a.mtime[1], st.mtimeNs);
  assert.equal(a.nlink, 1n);
  assert.equal(a.valid & 0x7ffn, 0x7ffn);
  // Zero names clone; the clone is independent of the original.
  assert.deepEqual(await c.walk(1, 2, []), []);
  assert.equal((await c.getattr(2)).size, 5n);
  await c.clunk(1);
  assert.equal((await c.getattr(2)).size, 5n);
  // A partial walk answers the qids so far and makes no fid.
  const partial = await c.walk(0, 3, ["sub", "missing", "x"]);
  assert.equal(partial.length, 1);
  assert.equal(await errnoOf(c.getattr(3)), 9);
  // The first name failing is an error.
  assert.equal(await errnoOf(c.walk(0, 3, ["missing"])), 2);
  // Walking in place (newfid = fid).
  await c.walk(0, 4, []);
  await c.walk(4, 4, ["sub"]);
  assert.equal((await c.getattr(4)).qid.type, QTDIR);
  // newfid in use: EINVAL (QEMU's answer).
  assert.equal(await errnoOf(c.walk(0, 2, ["sub"])), 22);
  // Walking on from a file: ENOTDIR.
  assert.equal(await errnoOf(c.walk(2, 5, ["x"])), 20);
  assert.equal(c.device.fidCount, 3);
});

test("virtio-9p: open, read and write files", async (t) => {
  const { c, dir } = makeShare(t);
  await c.mount();
  await c.walk(0, 1, ["hello.txt"]);
  const q = await c.lopen(1, O_RDONLY);
  assert.equal(q.type, QTFILE);
  assert.equal(text(await c.read(1, 0, 100)), "hello, world\n");
  assert.equal(text(await c.read(1, 7, 5)), "world");
  assert.equal((await c.read(1, 100, 10)).length, 0, "past the end");
  assert.equal(await errnoOf(c.write(1, 0, bytes("x"))), 9, "read-only fid");
  assert.equal(await errnoOf(c.lopen(1, O_RDONLY)), 22, "opened twice");
  // Write through a second fid, read back through the first.
  await c.walk(0, 2, ["hello.txt"]);
  await c.lopen(2, O_RDWR);
  assert.equal(await c.write(2, 7, bytes("there")), 5);
  assert.equal(text(await c.read(1, 0, 100)), "hello, there\n");
  assert.equal(readFileSync(join(dir, "hello.txt"), "utf8"), "hello, there\n");
  // Writes past the end leave a hole.
  assert.equal(await c.write(2, 20, bytes("!")), 1);
  assert.equal(statSync(join(dir, "hello.txt")).size, 21);
  // O_TRUNC empties the file.
  await c.walk(0, 3, ["hello.txt"]);
  await c.lopen(3, O_WRONLY | O_TRUNC);
  assert.equal(statSync(join(dir, "hello.txt")).size, 0);
  // A large read is cut to fit msize.
  writeFileSync(join(dir, "big"), new Uint8Array(20000).fill(7));
  await c.walk(0, 4, ["big"]);
  await c.lopen(4, O_RDONLY);
  const big = await c.read(4, 0, 20000);
  assert.equal(big.length, c.msize - 11);
  // Directories: O_DIRECTORY on a file is ENOTDIR; a directory opened for writing is EISDIR.
  await c.walk(0, 5, ["big"]);
  assert.equal(await errnoOf(c.lopen(5, O_RDONLY | O_DIRECTORY)), 20);
  await c.walk(0, 6, ["sub"]);
  assert.equal(await errnoOf(c.lopen(6, O_WRONLY)), 21);
  await c.lopen(6, O_RDONLY | O_DIRECTORY);
  assert.equal(await errnoOf(c.read(6, 0, 10)), 21);
  assert.equal(await errnoOf(c.read(5, 0, 10)), 9, "not open");
});

test("virtio-9p: lcreate makes, opens and moves the fid; modes are exact", async (t) => {
  const { c, dir } = makeShare(t);
  await c.mount();
  await c.walk(0, 1, []);
  const q = await c.lcreate(1, "new.txt", O_RDWR | O_CREAT, 0o666);
  assert.equal(q.type, QTFILE);
  assert.equal(statSync(join(dir, "new.txt")).mode & 0o777, 0o666, "host umask not applied");
  assert.equal(await c.write(1, 0, bytes("created")), 7);
  assert.equal(text(await c.read(1, 0, 100)), "created");
  assert.equal((await c.getattr(1)).size, 7n, "the fid is now the file");
  await c.walk(0, 2, []);
  assert.equal(await errnoOf(c.lcreate(2, "new.txt", O_RDWR | O_CREAT | O_EXCL, 0o600)), 17);
  // Without O_EXCL an existing file is opened (and its mode kept).
  await c.lcreate(2, "new.txt", O_RDONLY | O_CREAT, 0o600);
  assert.equal(text(await c.read(2, 0, 100)), "created");
  assert.equal(statSync(join(dir, "new.txt")).mode & 0o777, 0o666);
  await c.walk(0, 3, ["hello.txt"]);
  assert.equal(await errnoOf(c.lcreate(3, "x", O_RDWR | O_CREAT, 0o600)), 20, "create in a file");
});

test("virtio-9p: readdir lists with offsets, in batches", async (t) => {
  const { c, dir } = makeShare(t);
  for (let i = 0; i < 40; i++) writeFileSync(join(dir, `file-${String(i).padStart(2, "0")}`), "");
  await c.mount();
  await c.walk(0, 1, []);
  await c.lopen(1, O_RDONLY | O_DIRECTORY);
  const all = await c.readdirAll(1, 200);
  const names = all.map((e) => e.name).sort();
  assert.equal(all.length, 44);
  assert.deepEqual(names.slice(0, 2), [".", ".."]);
  assert.ok(names.includes("hello.txt") && names.includes("sub") && names.includes("file-39"));
  const sub = all.find((e) => e.name === "sub")!;
  assert.equal(sub.type, 4);
  assert.equal(sub.qid.type, QTDIR);
  assert.equal(all.find((e) => e.name === "hello.txt")!.type, 8);
  assert.equal(new Set(all.map((e) => e.offset)).size, all.length, "distinct offsets");
  // Restarting from a cookie in the middle gives the rest.
  const rest = await c.readdir(1, all[10].offset, 8192);
  assert.deepEqual(
    rest.map((e) => e.name),
    all.slice(11).map((e) => e.name),
  );
  // A count too small for one entry gives an empty answer, not a broken one.
  assert.deepEqual(await c.readdir(1, 0, 10), []);
  // Readdir on a fid that is not open, or is a file.
  await c.walk(0, 2, []);
  assert.equal(await errnoOf(c.readdir(2, 0, 100)), 9);
  await c.walk(0, 3, ["hello.txt"]);
  await c.lopen(3, O_RDONLY);
  assert.equal(await errnoOf(c.readdir(3, 0, 100)), 20);
});

test("virtio-9p: setattr changes mode, size, times and owner", async (t) => {
  const { c, dir } = makeShare(t);
  const f = join(dir, "hello.txt");
  await c.mount();
  await c.walk(0, 1, ["hello.txt"]);
  await c.setattr(1, { valid: 0x1, mode: 0o100600 });
  assert.equal(statSync(f).mode & 0o7777, 0o600);
  await c.setattr(1, { valid: 0x8, size: 5 });
  assert.equal(readFileSync(f, "utf8"), "hello");
  // ATIME_SET/MTIME_SET with explicit values.
  await c.setattr(1, { valid: 0x10 | 0x20 | 0x80 | 0x100, atime: [1_000_000, 5000], mtime: [2_000_000, 0] });
  let st = statSync(f);
  assert.equal(Math.round(st.atimeMs / 1000), 1_000_000);
  assert.equal(st.mtimeMs, 2_000_000_000);
  // MTIME alone (no _SET) is "now"; atime stays.
  await c.setattr(1, { valid: 0x20 });
  st = statSync(f);
  assert.ok(Math.abs(st.mtimeMs - Date.now()) < 60_000);
  assert.equal(Math.round(st.atimeMs / 1000), 1_000_000);
  // Owner: answered honestly (as root it works; otherwise EPERM).
  const res = await c.setattr(1, { valid: 0x2 | 0x4, uid: 1234, gid: 4321 }).then(
    () => 0,
    (e) => e.errno as number,
  );
  if (process.getuid?.() === 0) {
    assert.equal(res, 0);
    assert.equal(statSync(f).uid, 1234);
  } else assert.equal(res, 1);
  // Through an open writable fid too.
  await c.walk(0, 2, ["hello.txt"]);
  await c.lopen(2, O_RDWR);
  await c.setattr(2, { valid: 0x8, size: 2 });
  assert.equal(readFileSync(f, "utf8"), "he");
  // Nanoseconds out of range.
  assert.equal(await errnoOf(c.setattr(1, { valid: 0x20 | 0x100, mtime: [0, 1_000_000_000] })), 22);
  // Truncating a directory.
  await c.walk(0, 3, ["sub"]);
  assert.equal(await errnoOf(c.setattr(3, { valid: 0x8, size: 0 })), 21);
});

test("virtio-9p: mkdir, unlinkat, renameat, rename; fids follow renames", async (t) => {
  const { c, dir } = makeShare(t);
  await c.mount();
  const q = await c.mkdir(0, "made", 0o750);
  assert.equal(q.type, QTDIR);
  assert.equal(statSync(join(dir, "made")).mode & 0o777, 0o750);
  assert.equal(await errnoOf(c.mkdir(0, "made")), 17);
  await c.walk(0, 1, ["sub", "inner.txt"]);
  await c.walk(0, 2, ["sub"]);
  await c.renameat(0, "sub", 0, "moved");
  assert.ok(existsSync(join(dir, "moved", "inner.txt")) && !existsSync(join(dir, "sub")));
  assert.equal((await c.getattr(1)).size, 5n, "a fid under the renamed directory follows it");
  await c.lopen(1, O_RDONLY);
  assert.equal(text(await c.read(1, 0, 10)), "inner");
  // Trename moves the fid's file into a directory.
  await c.walk(0, 3, ["hello.txt"]);
  await c.walk(0, 4, ["made"]);
  await c.rename(3, 4, "greeting");
  assert.ok(existsSync(join(dir, "made", "greeting")));
  assert.equal((await c.getattr(3)).size, 13n);
  // Removing: a file, a non-empty directory, a directory without AT_REMOVEDIR.
  assert.equal(await errnoOf(c.unlinkat(0, "made", 0x200)), 39);
  assert.equal(await errnoOf(c.unlinkat(0, "made")), 21);
  await c.unlinkat(4, "greeting");
  await c.unlinkat(0, "made", 0x200);
  assert.ok(!existsSync(join(dir, "made")));
  assert.equal(await errnoOf(c.unlinkat(0, "made")), 2);
  // Tremove removes and clunks.
  await c.walk(0, 5, ["moved", "inner.txt"]);
  await c.remove(5);
  assert.ok(!existsSync(join(dir, "moved", "inner.txt")));
  assert.equal(await errnoOf(c.getattr(5)), 9);
  // A failed Tremove still clunks the fid.
  writeFileSync(join(dir, "moved", "x"), "");
  await c.walk(0, 6, ["moved"]);
  assert.equal(await errnoOf(c.remove(6)), 39);
  assert.equal(await errnoOf(c.getattr(6)), 9);
});

test("virtio-9p: symlink, readlink, link, mknod", async (t) => {
  const { c, dir } = makeShare(t);
  await c.mount();
  const q = await c.symlink(0, "ln", "hello.txt");
  assert.equal(q.type, QTSYMLINK);
  assert.equal(readlinkSync(join(dir, "ln")), "hello.txt");
  await c.walk(0, 1, ["ln"]);
  assert.equal(await c.readlink(1), "hello.txt");
  assert.equal((await c.getattr(1)).mode & 0o170000, 0o120000);
  await c.walk(0, 2, ["hello.txt"]);
  assert.equal(await errnoOf(c.readlink(2)), 22, "not a link");
  await c.link(0, 2, "hard");
  assert.equal(statSync(join(dir, "hard")).ino, statSync(join(dir, "hello.txt")).ino);
  assert.equal((await c.getattr(2)).nlink, 2n);
  // Linking a symbolic link gives a second link, not a link to its target.
  await c.link(0, 1, "ln2");
  assert.ok(lstatSync(join(dir, "ln2")).isSymbolicLink());
  const n = await c.mknod(0, "plain", 0o100640);
  assert.equal(n.type, QTFILE);
  assert.equal(statSync(join(dir, "plain")).mode & 0o777, 0o640);
  assert.equal(await errnoOf(c.mknod(0, "fifo", 0o010644)), 1);
  assert.equal(await errnoOf(c.mknod(0, "dev", 0o020644)), 1);
  assert.ok(!existsSync(join(dir, "fifo")));
});

test("virtio-9p: fsync, statfs, lock, getlock, flush, clunk", async (t) => {
  const { c } = makeShare(t);
  await c.mount();
  await c.walk(0, 1, ["hello.txt"]);
  await c.fsync(1); // not open: nothing to do
  await c.lopen(1, O_RDWR);
  await c.fsync(1);
  await c.fsync(1, 1);
  const s = await c.statfs(0);
  const type = s.u32();
  const bsize = s.u32();
  const blocks = s.u64();
  void type;
  assert.ok(bsize > 0 && blocks > 0n);
  s.u64();
  s.u64();
  s.u64();
  s.u64();
  s.u64();
  assert.equal(s.u32(), 255);
  assert.equal(await c.lock(1), 0);
  assert.equal(await c.lock(1, 2), 0, "unlock");
  assert.deepEqual(await c.getlock(1), { type: 2, start: 10n, length: 20n, procId: 42, client: "guest" });
  assert.equal(await errnoOf(c.lock(99)), 9);
  await c.flush(5);
  await c.clunk(1);
  assert.equal(await errnoOf(c.clunk(1)), 9);
  assert.equal(await errnoOf(c.getattr(1)), 9);
});

test("virtio-9p: unsupported messages answer EOPNOTSUPP", async (t) => {
  const { c } = makeShare(t);
  await c.mount();
  assert.equal(await errnoOf(c.call(30, new Enc().u32(0).u32(1).str("user.x").done())), 95, "Txattrwalk");
  assert.equal(await errnoOf(c.call(32, new Enc().u32(0).str("user.x").u64(1).u32(0).done())), 95, "Txattrcreate");
  assert.equal(await errnoOf(c.call(102, new Enc().u32(5).str("u").str("").u32(0).done())), 95, "Tauth");
  for (const type of [0, 1, 6, 112, 124, 126, 200, 255]) {
    assert.equal(await errnoOf(c.call(type, new Uint8Array(8))), 95, `type ${type}`);
  }
});

test("virtio-9p: a session ends at Tversion and at reset", async (t) => {
  const { c } = makeShare(t);
  await c.mount();
  await c.walk(0, 1, ["hello.txt"]);
  await c.lopen(1, O_RDONLY);
  assert.equal(c.device.fidCount, 2);
  await c.version();
  assert.equal(c.device.fidCount, 0);
  assert.equal(await errnoOf(c.getattr(0)), 9);
  await c.attach(0);
  c.drv.w(MMIO.Status, 0);
  assert.equal(c.device.fidCount, 0);
  assert.equal(c.device.state.msize, 8192);
});

test("virtio-9p: --share specs are parsed and checked", (t) => {
  const { dir } = makeShare(t);
  assert.deepEqual(parseShareSpec("/a/b:tag"), { dir: "/a/b", tag: "tag", readOnly: false });
  assert.deepEqual(parseShareSpec("/a:b/c:t,ro"), { dir: "/a:b/c", tag: "t", readOnly: true });
  for (const bad of ["", "/a", "/a:", ":tag", "/a:t,rw", "/a:t,ro,x", "/a:" + "x".repeat(256), "/a:t\0"]) {
    assert.throws(() => parseShareSpec(bad), Error, JSON.stringify(bad));
  }
  const share = openShare(parseShareSpec(`${dir}:host,ro`));
  const device = new VirtioP9(share.backend, share.tag);
  assert.equal(device.tag, "host");
  assert.equal(device.backend.readOnly, true);
  assert.throws(() => openShare({ dir: join(dir, "missing"), tag: "x", readOnly: false }), /does not exist/);
  assert.throws(() => openShare({ dir: join(dir, "hello.txt"), tag: "x", readOnly: false }), /not a directory/);
  assert.throws(() => checkDistinctTags([parseShareSpec("/a:t"), parseShareSpec("/b:t")]), /two shares/);
  checkDistinctTags([parseShareSpec("/a:t"), parseShareSpec("/b:u")]);
});
