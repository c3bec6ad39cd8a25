// Nothing outside the shared directory is reachable: not by "..", not by names with "/" or NUL,
// not through symbolic links that exist on the host or that the guest makes, not through
// directories swapped for links after a fid was walked; and a read-only share changes nothing.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Enc, errnoOf, QTDIR, QTSYMLINK } from "./p9Client.js";
import { makeShare, O_CREAT, O_DIRECTORY, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from "./p9Fixture.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const ENOENT = 2;
const EINVAL = 22;
const ENOTDIR = 20;
const ELOOP = 40;
const EROFS = 30;

test("virtio-9p security: '..' never leaves the root", async (t) => {
  const { c } = makeShare(t);
  const root = await c.mount();
  for (const names of [[".."], ["..", ".."], ["sub", "..", ".."], ["sub", "..", "..", "..", "..", ".."]]) {
    const qids = await c.walk(0, 1, names);
    assert.equal(qids.length, names.length);
    assert.deepEqual(qids[qids.length - 1], root, names.join("/"));
    assert.deepEqual((await c.getattr(1)).qid, root);
    await c.clunk(1);
  }
  // The outer directory holds secret.txt; from the root, "../secret.txt" is the root's own (missing) child.
  assert.equal((await c.walk(0, 1, ["..", "secret.txt"])).length, 1, "'..' is the root, secret.txt not in it");
  assert.equal(await errnoOf(c.getattr(1)), 9);
  const partial = await c.walk(0, 1, ["sub", "..", "..", "secret.txt"]);
  assert.equal(partial.length, 3, "stops at the missing name");
  assert.equal(await errnoOf(c.getattr(1)), 9, "and makes no fid");
  assert.equal((await c.walk(0, 1, ["..", "share", "hello.txt"])).length, 1);
  assert.equal(await errnoOf(c.walk(0, 1, ["secret.txt"])), ENOENT);
});

test("virtio-9p security: names with '/', NUL, '.', empty or too long are refused", async (t) => {
  const { c, outer, dir } = makeShare(t);
  await c.mount();
  const bad: [string, number][] = [
    ["/etc", EINVAL],
    ["/", EINVAL],
    ["../secret.txt", EINVAL],
    ["sub/inner.txt", EINVAL],
    ["hello.txt\0", EINVAL],
    ["\0", EINVAL],
    [".", EINVAL],
    ["", ENOENT],
    ["x".repeat(256), 36],
  ];
  for (const [name, errno] of bad) {
    assert.equal(await errnoOf(c.walk(0, 1, [name])), errno, `walk ${JSON.stringify(name)}`);
    assert.equal((await c.walk(0, 1, ["sub", name])).length, 1, `walk sub/${JSON.stringify(name)} stops`);
    assert.equal(await errnoOf(c.mkdir(0, name)), errno, `mkdir ${JSON.stringify(name)}`);
    assert.equal(await errnoOf(c.symlink(0, name, "x")), errno, `symlink ${JSON.stringify(name)}`);
    assert.equal(await errnoOf(c.unlinkat(0, name)), errno, `unlinkat ${JSON.stringify(name)}`);
    assert.equal(await errnoOf(c.renameat(0, "hello.txt", 0, name)), errno, `renameat to ${JSON.stringify(name)}`);
    assert.equal(await errnoOf(c.mknod(0, name, 0o100644)), errno, `mknod ${JSON.stringify(name)}`);
    await c.walk(0, 2, ["hello.txt"]);
    assert.equal(await errnoOf(c.link(0, 2, name)), errno, `link ${JSON.stringify(name)}`);
    assert.equal(await errnoOf(c.rename(2, 0, name)), errno, `rename ${JSON.stringify(name)}`);
    await c.clunk(2);
    await c.walk(0, 2, []);
    assert.equal(await errnoOf(c.lcreate(2, name, O_RDWR | O_CREAT, 0o644)), errno, `lcreate ${JSON.stringify(name)}`);
    await c.clunk(2);
  }
  // ".." is not a name to create, remove or rename to.
  assert.equal(await errnoOf(c.mkdir(0, "..")), EINVAL);
  assert.equal(await errnoOf(c.unlinkat(0, "..", 0x200)), EINVAL);
  assert.equal(await errnoOf(c.renameat(0, "hello.txt", 0, "..")), EINVAL);
  // Nothing was made or removed anywhere.
  assert.deepEqual(readdirSync(outer).sort(), ["secret.txt", "share"]);
  assert.deepEqual(readdirSync(dir).sort(), ["hello.txt", "sub"]);
  assert.equal(readFileSync(join(outer, "secret.txt"), "utf8"), "top secret");
});

test("virtio-9p security: a host symlink to /etc is a symlink, never a way out", async (t) => {
  const { c, dir, outer } = makeShare(t);
  symlinkSync("/etc", join(dir, "etc"));
  symlinkSync("../secret.txt", join(dir, "up"));
  symlinkSync(join(outer, "secret.txt"), join(dir, "abs"));
  symlinkSync("sub", join(dir, "subl"));
  await c.mount();
  const [q] = await c.walk(0, 1, ["etc"]);
  assert.equal(q.type, QTSYMLINK);
  assert.equal(await c.readlink(1), "/etc");
  assert.equal((await c.getattr(1)).mode & 0o170000, 0o120000, "lstat, not stat");
  assert.equal(await errnoOf(c.lopen(1, O_RDONLY)), ELOOP);
  assert.equal(await errnoOf(c.lopen(1, O_RDONLY | O_DIRECTORY)), ELOOP);
  // Walking through: the link is where the walk stops.
  const through = await c.walk(0, 2, ["etc", "passwd"]);
  assert.equal(through.length, 1);
  assert.equal(await errnoOf(c.getattr(2)), 9);
  assert.equal(await errnoOf(c.walk(1, 2, ["passwd"])), ENOTDIR);
  assert.equal(await errnoOf(c.walk(1, 2, [".."])), ENOTDIR);
  // Nor as a directory for changes.
  assert.equal(await errnoOf(c.mkdir(1, "x")), ENOTDIR);
  assert.equal(await errnoOf(c.lcreate(1, "x", O_RDWR | O_CREAT, 0o644)), ENOTDIR);
  assert.equal(await errnoOf(c.readdir(1, 0, 1000)), 9);
  // Relative and absolute links out, and even a link inside the share, are not followed.
  for (const name of ["up", "abs", "subl"]) {
    await c.walk(0, 3, [name]);
    assert.equal(await errnoOf(c.lopen(3, O_RDONLY)), ELOOP, name);
    assert.notEqual((await c.getattr(3)).size, 10n, `${name}: not the secret's size`);
    await c.clunk(3);
  }
  assert.equal((await c.walk(0, 3, ["subl", "inner.txt"])).length, 1);
  // setattr on a link changes the link at most, never its target.
  chmodSync(join(outer, "secret.txt"), 0o600);
  const before = statSync(join(outer, "secret.txt"));
  await c.walk(0, 4, ["abs"]);
  assert.equal(await errnoOf(c.setattr(4, { valid: 0x1, mode: 0o777 })), 95);
  assert.equal(await errnoOf(c.setattr(4, { valid: 0x8, size: 0 })), 95);
  await c.setattr(4, { valid: 0x20 | 0x100, mtime: [1000, 0] });
  const after = statSync(join(outer, "secret.txt"));
  assert.equal(after.mode, before.mode);
  assert.equal(after.size, 10);
  assert.equal(after.mtimeMs, before.mtimeMs);
  assert.equal(lstatSync(join(dir, "abs")).mtimeMs, 1_000_000);
  // A hard link to the link is another link.
  await c.link(0, 4, "abs2");
  assert.ok(lstatSync(join(dir, "abs2")).isSymbolicLink());
  assert.equal(readFileSync(join(outer, "secret.txt"), "utf8"), "top secret");
});

test("virtio-9p security: a guest-made link to /etc/passwd is stored, not followed", async (t) => {
  const { c, dir } = makeShare(t);
  await c.mount();
  const q = await c.symlink(0, "pw", "/etc/passwd");
  assert.equal(q.type, QTSYMLINK);
  assert.ok(lstatSync(join(dir, "pw")).isSymbolicLink());
  await c.walk(0, 1, ["pw"]);
  assert.equal(await c.readlink(1), "/etc/passwd");
  assert.equal(await errnoOf(c.lopen(1, O_RDONLY)), ELOOP);
  assert.equal(await errnoOf(c.lopen(1, O_WRONLY | O_TRUNC)), ELOOP);
  const a = await c.getattr(1);
  assert.equal(a.size, BigInt("/etc/passwd".length), "the link's own size");
  // Creating over the link's name does not write through it.
  await c.walk(0, 2, []);
  assert.equal(await errnoOf(c.lcreate(2, "pw", O_RDWR | O_CREAT, 0o644)), ELOOP);
  assert.equal(await errnoOf(c.mknod(0, "pw", 0o100644)), 17);
  // Symlink targets with NUL are refused.
  assert.equal(await errnoOf(c.symlink(0, "nul", "/etc\0x")), EINVAL);
});

test("virtio-9p security: a walked directory replaced by a link is not followed", async (t) => {
  const { c, dir, outer } = makeShare(t);
  mkdirSync(join(outer, "victim"));
  writeFileSync(join(outer, "victim", "inner.txt"), "outside!");
  await c.mount();
  await c.walk(0, 1, ["sub", "inner.txt"]);
  await c.walk(0, 2, ["sub"]);
  await c.lopen(2, O_RDONLY | O_DIRECTORY);
  await c.walk(0, 5, ["sub"]);
  // Behind the server's back (the host, or an earlier guest rename): sub becomes a link out.
  renameSync(join(dir, "sub"), join(dir, "old"));
  symlinkSync(join(outer, "victim"), join(dir, "sub"));
  assert.equal(await errnoOf(c.lopen(1, O_RDONLY)), ELOOP);
  assert.equal(await errnoOf(c.getattr(1)), ELOOP);
  assert.equal(await errnoOf(c.readdir(2, 0, 4096)), ELOOP);
  assert.equal(await errnoOf(c.walk(5, 6, ["inner.txt"])), ELOOP);
  assert.equal(await errnoOf(c.lcreate(5, "planted", O_RDWR | O_CREAT, 0o644)), ELOOP);
  assert.equal(await errnoOf(c.mkdir(5, "planted")), ELOOP);
  assert.equal(await errnoOf(c.unlinkat(5, "inner.txt")), ELOOP);
  assert.equal(await errnoOf(c.setattr(1, { valid: 0x8, size: 0 })), ELOOP);
  assert.deepEqual(readdirSync(join(outer, "victim")), ["inner.txt"]);
  assert.equal(readFileSync(join(outer, "victim", "inner.txt"), "utf8"), "outside!");
});

test("virtio-9p security: guest renames move fids, so a link put in a directory's place is not reached", async (t) => {
  const { c, outer } = makeShare(t);
  mkdirSync(join(outer, "victim"));
  writeFileSync(join(outer, "victim", "inner.txt"), "outside!");
  await c.mount();
  await c.walk(0, 1, ["sub", "inner.txt"]);
  await c.renameat(0, "sub", 0, "old");
  await c.symlink(0, "sub", join(outer, "victim"));
  await c.lopen(1, O_RDONLY);
  assert.equal(text(await c.read(1, 0, 100)), "inner", "the fid followed its file");
  // And with the file gone, its stale path does not lead through the new link.
  await c.walk(0, 2, ["old", "inner.txt"]);
  await c.unlinkat(0, "old", 0).catch(() => {});
  assert.equal((await c.walk(0, 3, ["sub", "inner.txt"])).length, 1, "walk stops at the link");
});

test("virtio-9p security: the root itself cannot be removed or renamed", async (t) => {
  const { c, dir } = makeShare(t);
  await c.mount();
  await c.walk(0, 1, []);
  assert.equal(await errnoOf(c.remove(1)), 16);
  await c.walk(0, 2, ["sub"]);
  assert.equal(await errnoOf(c.rename(0, 2, "root")), 16);
  assert.ok(existsSync(dir));
});

test("virtio-9p security: a read-only share refuses every change", async (t) => {
  const { c, dir } = makeShare(t, { readOnly: true });
  const snapshot = () =>
    JSON.stringify(
      readdirSync(dir, { recursive: true })
        .map(String)
        .sort()
        .map((p) => [p, lstatSync(join(dir, p)).mode, lstatSync(join(dir, p)).size]),
    );
  const before = snapshot();
  await c.mount();
  await c.walk(0, 1, ["hello.txt"]);
  for (const flags of [O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_TRUNC]) {
    assert.equal(await errnoOf(c.lopen(1, flags)), EROFS, `lopen ${flags.toString(8)}`);
  }
  await c.walk(0, 2, []);
  assert.equal(await errnoOf(c.lcreate(2, "new", O_RDWR | O_CREAT, 0o644)), EROFS);
  assert.equal(await errnoOf(c.setattr(1, { valid: 0x1, mode: 0o777 })), EROFS);
  assert.equal(await errnoOf(c.setattr(1, { valid: 0x8, size: 0 })), EROFS);
  assert.equal(await errnoOf(c.setattr(1, { valid: 0x20 })), EROFS);
  assert.equal(await errnoOf(c.setattr(1, { valid: 0x2, uid: 0 })), EROFS);
  assert.equal(await errnoOf(c.mkdir(0, "d")), EROFS);
  assert.equal(await errnoOf(c.unlinkat(0, "hello.txt")), EROFS);
  assert.equal(await errnoOf(c.unlinkat(0, "sub", 0x200)), EROFS);
  assert.equal(await errnoOf(c.renameat(0, "hello.txt", 0, "x")), EROFS);
  assert.equal(await errnoOf(c.rename(1, 0, "x")), EROFS);
  assert.equal(await errnoOf(c.symlink(0, "l", "hello.txt")), EROFS);
  assert.equal(await errnoOf(c.link(0, 1, "h")), EROFS);
  assert.equal(await errnoOf(c.mknod(0, "n", 0o100644)), EROFS);
  // Reading works; writing through a read-only fid does not.
  await c.lopen(1, O_RDONLY);
  assert.equal(text(await c.read(1, 0, 100)), "hello, world\n");
  assert.equal(await errnoOf(c.write(1, 0, new Uint8Array([1]))), 9);
  await c.walk(0, 3, ["sub"]);
  await c.lopen(3, O_RDONLY | O_DIRECTORY);
  assert.equal((await c.readdirAll(3)).length, 3);
  await c.fsync(1);
  await c.walk(0, 4, ["hello.txt"]);
  assert.equal(await errnoOf(c.remove(4)), EROFS);
  assert.equal(await errnoOf(c.getattr(4)), 9, "Tremove clunked the fid anyway");
  assert.equal(await errnoOf(c.call(118, new Enc().u32(1).u64(0).u32(1).u8(0).done())), 9);
  assert.equal(snapshot(), before);
  await c.walk(0, 5, ["sub"]);
  assert.equal((await c.getattr(5)).qid.type, QTDIR);
});
