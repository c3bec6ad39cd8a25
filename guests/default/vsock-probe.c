/*
 * vsock-probe: a small vsock client and server for the default guest
 * (busybox has none): the self-test's probe, and bulk transfers with a
 * sha256 of what crossed.
 *
 *   vsock-probe CID PORT
 *       connect, then close. Prints one line "cid=<local cid> <result>" and
 *       exits with 0 connected, 1 the peer answered with a reset or refusal
 *       (the transport works but nothing listens there), 2 anything else (no
 *       transport, timeout, bad arguments).
 *   vsock-probe send CID PORT BYTES
 *       connect, send BYTES pseudo-random bytes (xorshift64, fixed seed), shut
 *       down the sending side, read until the peer closes. Prints
 *       "sent=BYTES sha256=<hex> received=N sha256=<hex>".
 *   vsock-probe recv PORT
 *       listen on PORT (any CID), print "listening port=PORT", accept one
 *       connection, read until the peer shuts down, close. Prints
 *       "received=N sha256=<hex>".
 *   Both transfer modes exit 0 on success, 2 on an error (printed). A last
 *   argument "nohash" skips the sha256 (printed as "-"), for benchmarks that
 *   measure the transport rather than the guest's hashing.
 *
 * Freestanding: raw Linux system calls, no C library, so the binary is a few
 * KB. Built by guests/default/build.sh with Debian's gcc-riscv64-linux-gnu.
 */

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define SYS_ioctl 29
#define SYS_openat 56
#define SYS_close 57
#define SYS_read 63
#define SYS_write 64
#define SYS_exit_group 94
#define SYS_socket 198
#define SYS_bind 200
#define SYS_listen 201
#define SYS_accept 202
#define SYS_connect 203
#define SYS_shutdown 210

#define AF_VSOCK 40
#define SOCK_STREAM 1
#define SHUT_WR 1
#define AT_FDCWD (-100)
#define O_RDONLY 0
#define IOCTL_VM_SOCKETS_GET_LOCAL_CID 0x7b9
#define VMADDR_CID_ANY 0xffffffffu

#define ECONNREFUSED 111
#define ECONNRESET 104
#define ETIMEDOUT 110
#define ENODEV 19
#define EINTR 4

#define CHUNK 65536

struct sockaddr_vm {
	unsigned short svm_family;
	unsigned short svm_reserved1;
	unsigned int svm_port;
	unsigned int svm_cid;
	unsigned char svm_flags;
	unsigned char svm_zero[3];
};

static long sys(long n, long a, long b, long c, long d)
{
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a7 __asm__("a7") = n;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a1), "r"(a2), "r"(a3), "r"(a7)
			 : "memory");
	return a0;
}

/*
 * The compiler may call these for structure copies and initialisers (and must
 * not turn their loops back into calls to themselves).
 */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALLS void *memset(void *d, int c, u64 n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

NO_LIBCALLS void *memcpy(void *d, const void *s, u64 n)
{
	u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static u64 len(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

static void out(const char *s)
{
	sys(SYS_write, 1, (long)s, (long)len(s), 0);
}

static void out_num(u64 v)
{
	char buf[24];
	int i = sizeof buf - 1;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	out(buf + i);
}

static int parse(const char *s, u64 *v)
{
	u64 n = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (~0ul - 9) / 10)
			return -1;
		n = n * 10 + (u64)(*s - '0');
	}
	*v = n;
	return 0;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static __attribute__((noreturn)) void quit(int code)
{
	for (;;)
		sys(SYS_exit_group, code, 0, 0, 0);
}

static __attribute__((noreturn)) void fail(const char *what, long r)
{
	out(what);
	out(" errno=");
	out_num((u64)-r);
	out("\n");
	quit(2);
}

/* --- SHA-256 (FIPS 180-4) */

struct sha256 {
	u32 h[8];
	u8 block[64];
	u32 fill;
	u64 total;
};

static const u32 K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static u32 ror(u32 x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha_block(u32 *h, const u8 *p)
{
	u32 w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;
	for (i = 0; i < 16; i++)
		w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 |
		       (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
#pragma GCC unroll 8
	for (; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], k = h[7];
	/* unrolled: the eight working variables stay in registers, unshuffled */
#pragma GCC unroll 64
	for (i = 0; i < 64; i++) {
		t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
		     K[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void sha_init(struct sha256 *s)
{
	static const u32 iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	int i;
	for (i = 0; i < 8; i++)
		s->h[i] = iv[i];
	s->fill = 0;
	s->total = 0;
}

static int hashing = 1;

static void sha_update(struct sha256 *s, const u8 *p, u64 n)
{
	s->total += n;
	if (!hashing)
		return;
	while (n) {
		if (s->fill == 0 && n >= 64) {
			sha_block(s->h, p);
			p += 64, n -= 64;
			continue;
		}
		s->block[s->fill++] = *p++, n--;
		if (s->fill == 64) {
			sha_block(s->h, s->block);
			s->fill = 0;
		}
	}
}

/* Prints the digest in hex (and ends the hash). */
static void sha_out(struct sha256 *s)
{
	static const char hex[] = "0123456789abcdef";
	u64 bits = s->total * 8;
	u8 pad = 0x80, len8[8];
	char txt[65];
	int i;
	if (!hashing) {
		out("-");
		return;
	}
	sha_update(s, &pad, 1);
	pad = 0;
	while (s->fill != 56)
		sha_update(s, &pad, 1);
	for (i = 0; i < 8; i++)
		len8[i] = (u8)(bits >> (56 - 8 * i));
	sha_update(s, len8, 8);
	for (i = 0; i < 32; i++) {
		u8 v = (u8)(s->h[i / 4] >> (24 - 8 * (i % 4)));
		txt[2 * i] = hex[v >> 4];
		txt[2 * i + 1] = hex[v & 15];
	}
	txt[64] = 0;
	out(txt);
}

/* --- transfers */

static u8 buf[CHUNK] __attribute__((aligned(8)));
static struct sha256 sha_tx, sha_rx;

static void write_all(long fd, const u8 *p, u64 n)
{
	while (n) {
		long r = sys(SYS_write, fd, (long)p, (long)n, 0);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			fail("write", r);
		p += r, n -= (u64)r;
	}
}

/* Reads until end of stream, hashing; returns the byte count. */
static u64 read_all(long fd, struct sha256 *s)
{
	u64 total = 0;
	for (;;) {
		long r = sys(SYS_read, fd, (long)buf, CHUNK, 0);
		if (r == -EINTR)
			continue;
		if (r < 0)
			fail("read", r);
		if (r == 0)
			return total;
		sha_update(s, buf, (u64)r);
		total += (u64)r;
	}
}

static long vsock_socket(void)
{
	long fd = sys(SYS_socket, AF_VSOCK, SOCK_STREAM, 0, 0);
	if (fd < 0)
		fail("socket", fd);
	return fd;
}

static __attribute__((noreturn)) void do_send(u64 cid, u64 port, u64 bytes)
{
	struct sockaddr_vm sa = { 0 };
	u64 x = 0x9e3779b97f4a7c15ul, left = bytes, received;
	long fd = vsock_socket(), r;
	sa.svm_family = AF_VSOCK;
	sa.svm_port = (unsigned int)port;
	sa.svm_cid = (unsigned int)cid;
	r = sys(SYS_connect, fd, (long)&sa, sizeof sa, 0);
	if (r)
		fail("connect", r);
	sha_init(&sha_tx);
	sha_init(&sha_rx);
	while (left) {
		u64 n = left < CHUNK ? left : CHUNK, i;
		for (i = 0; i < CHUNK / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			((u64 *)buf)[i] = x;
		}
		sha_update(&sha_tx, buf, n);
		write_all(fd, buf, n);
		left -= n;
	}
	r = sys(SYS_shutdown, fd, SHUT_WR, 0, 0);
	if (r)
		fail("shutdown", r);
	received = read_all(fd, &sha_rx);
	sys(SYS_close, fd, 0, 0, 0);
	out("sent=");
	out_num(bytes);
	out(" sha256=");
	sha_out(&sha_tx);
	out(" received=");
	out_num(received);
	out(" sha256=");
	sha_out(&sha_rx);
	out("\n");
	quit(0);
}

static __attribute__((noreturn)) void do_recv(u64 port)
{
	struct sockaddr_vm sa = { 0 };
	long fd = vsock_socket(), c, r;
	u64 received;
	sa.svm_family = AF_VSOCK;
	sa.svm_port = (unsigned int)port;
	sa.svm_cid = VMADDR_CID_ANY;
	r = sys(SYS_bind, fd, (long)&sa, sizeof sa, 0);
	if (r)
		fail("bind", r);
	r = sys(SYS_listen, fd, 1, 0, 0);
	if (r)
		fail("listen", r);
	out("listening port=");
	out_num(port);
	out("\n");
	do
		c = sys(SYS_accept, fd, 0, 0, 0);
	while (c == -EINTR);
	if (c < 0)
		fail("accept", c);
	sys(SYS_close, fd, 0, 0, 0);
	sha_init(&sha_rx);
	received = read_all(c, &sha_rx);
	sys(SYS_close, c, 0, 0, 0);
	out("received=");
	out_num(received);
	out(" sha256=");
	sha_out(&sha_rx);
	out("\n");
	quit(0);
}

static __attribute__((noreturn)) void do_probe(u64 cid, u64 port)
{
	unsigned int local = 0xffffffffu;
	long fd, r;
	struct sockaddr_vm sa = { 0 };

	fd = sys(SYS_openat, AT_FDCWD, (long)"/dev/vsock", O_RDONLY, 0);
	if (fd >= 0) {
		sys(SYS_ioctl, fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, (long)&local, 0);
		sys(SYS_close, fd, 0, 0, 0);
	}
	out("cid=");
	if (local == 0xffffffffu)
		out("none");
	else
		out_num(local);

	fd = sys(SYS_socket, AF_VSOCK, SOCK_STREAM, 0, 0);
	if (fd < 0) {
		out(" socket errno=");
		out_num((u64)-fd);
		out("\n");
		quit(2);
	}
	sa.svm_family = AF_VSOCK;
	sa.svm_port = (unsigned int)port;
	sa.svm_cid = (unsigned int)cid;
	r = sys(SYS_connect, fd, (long)&sa, sizeof sa, 0);
	sys(SYS_close, fd, 0, 0, 0);
	if (r == 0) {
		out(" connected\n");
		quit(0);
	}
	if (r == -ECONNRESET || r == -ECONNREFUSED) {
		out(r == -ECONNRESET ? " reset-by-peer\n" : " refused\n");
		quit(1);
	}
	out(r == -ETIMEDOUT ? " timeout" : r == -ENODEV ? " no-transport" : " connect");
	out(" errno=");
	out_num((u64)-r);
	out("\n");
	quit(2);
}

static __attribute__((used, noreturn)) void cmain(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	u64 cid, port, bytes;

	if (argc > 3 && streq(argv[argc - 1], "nohash")) {
		hashing = 0;
		argc--;
	}
	if (argc == 3 && !parse(argv[1], &cid) && !parse(argv[2], &port))
		do_probe(cid, port);
	if (argc == 5 && streq(argv[1], "send") && !parse(argv[2], &cid) &&
	    !parse(argv[3], &port) && !parse(argv[4], &bytes))
		do_send(cid, port, bytes);
	if (argc == 3 && streq(argv[1], "recv") && !parse(argv[2], &port))
		do_recv(port);
	out("usage: vsock-probe CID PORT | send CID PORT BYTES [nohash] | recv PORT [nohash]\n");
	quit(2);
}

__asm__(".section .text._start,\"ax\",@progbits\n"
	".globl _start\n"
	"_start:\n"
	"	mv a0, sp\n"
	"	andi sp, sp, -16\n"
	"	call cmain\n");
