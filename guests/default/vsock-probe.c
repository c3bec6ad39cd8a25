/*
 * vsock-probe: connect to a vsock port and report what happened, for the
 * default guest's self-test (busybox has no vsock client).
 *
 *   vsock-probe CID PORT
 *
 * Prints one line "cid=<local cid> <result>" and exits with
 *   0  connected (then closes the connection),
 *   1  the peer answered with a reset or refusal: the transport works but
 *      nothing listens on that port,
 *   2  anything else (no transport, timeout, bad arguments).
 *
 * Freestanding: raw Linux system calls, no C library, so the binary is a few
 * KB. Built by guests/default/build.sh with Debian's gcc-riscv64-linux-gnu.
 */

typedef unsigned long u64;

#define SYS_ioctl 29
#define SYS_openat 56
#define SYS_close 57
#define SYS_write 64
#define SYS_exit_group 94
#define SYS_socket 198
#define SYS_connect 203

#define AF_VSOCK 40
#define SOCK_STREAM 1
#define AT_FDCWD (-100)
#define O_RDONLY 0
#define IOCTL_VM_SOCKETS_GET_LOCAL_CID 0x7b9

#define ECONNREFUSED 111
#define ECONNRESET 104
#define ETIMEDOUT 110
#define ENODEV 19
#define EAFNOSUPPORT 97

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
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (u64)(*s - '0');
	}
	*v = n;
	return 0;
}

static __attribute__((noreturn)) void quit(int code)
{
	for (;;)
		sys(SYS_exit_group, code, 0, 0, 0);
}

static __attribute__((used, noreturn)) void cmain(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	u64 cid, port;
	unsigned int local = 0xffffffffu;
	long fd, r;
	struct sockaddr_vm sa = { 0 };

	if (argc != 3 || parse(argv[1], &cid) || parse(argv[2], &port)) {
		out("usage: vsock-probe CID PORT\n");
		quit(2);
	}
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

__asm__(".section .text._start,\"ax\",@progbits\n"
	".globl _start\n"
	"_start:\n"
	"	mv a0, sp\n"
	"	andi sp, sp, -16\n"
	"	call cmain\n");
