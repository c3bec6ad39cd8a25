// Network acceptance tests: the default guest (busybox httpd, wget, ping) on paravm's virtio-net
// with the user network (hostfwd both ways) and with the socket network between two paravm
// processes. Each boots its VMs through `paravm run` and types at the guest's shell.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createServer as createHttpServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, GuestShell, PARAVM_MAIN } from "./guestShell.js";

function httpGet(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** The guest's eth0 on the user network, addressed by DHCP as a user would. */
const DHCP = "ip link set eth0 up && udhcpc -i eth0 -q -n -t 5 -T 1 >/dev/null";

test("user network: a host HTTP client fetches a page from the guest's busybox httpd through hostfwd", async () => {
  const port = await freePort();
  const vm = GuestShell.paravm(["--net", `user,hostfwd=tcp::${port}-:80`]);
  try {
    await vm.booted();
    await vm.run(DHCP);
    assert.match(await vm.run("ip -4 addr show eth0"), /inet 10\.0\.2\.15\/24/);
    await vm.run(
      'mkdir -p /www && echo "hello from the guest, $((6*7))" >/www/index.html && httpd -p 80 -h /www && echo started',
    );
    const r = await httpGet(`http://127.0.0.1:${port}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "hello from the guest, 42\n");
    // a second, larger page, so that the transfer spans many segments
    await vm.run("i=0; while [ $i -lt 4000 ]; do echo line-$i; i=$((i+1)); done >/www/big.txt");
    const big = await httpGet(`http://127.0.0.1:${port}/big.txt`);
    const want = Array.from({ length: 4000 }, (_, i) => `line-${i}\n`).join("");
    assert.equal(big.body.toString(), want);
    assert.equal(await vm.poweroff(), 0);
  } finally {
    vm.kill();
  }
});

test("user network: the guest fetches a page from a host HTTP server at 10.0.2.2 with wget", async () => {
  // about 300 KB that no compression or caching could fake
  const page = Buffer.alloc(300_000);
  for (let i = 0, x = 12345; i < page.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    page[i] = x >>> 24;
  }
  const sha = createHash("sha256").update(page).digest("hex");
  const server = createHttpServer((req, res) => {
    if (req.url === "/page.bin") res.end(page);
    else res.end(`hello guest, you asked for ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const vm = GuestShell.paravm(["--net", "user"]);
  try {
    await vm.booted();
    await vm.run(DHCP);
    assert.equal(await vm.run(`wget -q -O - http://10.0.2.2:${port}/hi`), "hello guest, you asked for /hi\n");
    const got = await vm.run(`wget -q -O /tmp/page.bin http://10.0.2.2:${port}/page.bin && sha256sum /tmp/page.bin`);
    assert.equal(got, `${sha}  /tmp/page.bin\n`);
    assert.equal(await vm.poweroff(), 0);
  } finally {
    vm.kill();
    server.close();
  }
});

test("socket network: two paravm processes with static addresses ping each other", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pvseg-"));
  const vms = [1, 2].map((n) => GuestShell.paravm(["--net", `socket,path=${dir},mac=52:54:00:00:03:0${n}`, "--stats"]));
  try {
    await Promise.all(vms.map((vm) => vm.booted()));
    await Promise.all(
      vms.map((vm, i) => vm.run(`ip addr add 10.0.3.${i + 1}/24 dev eth0 && ip link set eth0 up && echo up`)),
    );
    const [one, two] = await Promise.all([vm(0).run("ping -c 3 10.0.3.2"), vm(1).run("ping -c 3 10.0.3.1")]);
    assert.match(one, /3 packets transmitted, 3 packets received, 0% packet loss/, one);
    assert.match(two, /3 packets transmitted, 3 packets received, 0% packet loss/, two);
    assert.match(await vm(0).run("ip neigh show dev eth0"), /10\.0\.3\.2 lladdr 52:54:00:00:03:02/);
    assert.deepEqual(await Promise.all(vms.map((v) => v.poweroff())), [0, 0]);
  } finally {
    for (const v of vms) v.kill();
  }
  function vm(i: number): GuestShell {
    return vms[i];
  }
});

test("--net errors are one line and exit status 2", () => {
  const file = join(mkdtempSync(join(tmpdir(), "pvseg-")), "plain-file");
  writeFileSync(file, "");
  for (const [spec, message] of [
    ["socket", /socket wants path=DIR/],
    [`socket,path=${file}`, /--net socket,path=.*: .*(EEXIST|ENOTDIR|exists|not a directory)/],
    ["tap,ifname=tap0", /unknown network 'tap' \(user, socket\)/],
  ] as const) {
    const r = spawnSync(process.execPath, [PARAVM_MAIN, "run", "--net", spec], { encoding: "utf8" });
    assert.equal(r.status, 2, spec);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
