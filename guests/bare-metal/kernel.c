// guests/bare-metal: a kernel that runs in M-mode with no firmware on the QEMU virt platform
// (paravm --mode full --firmware kernel.elf, or qemu-system-riscv64 -bios none -kernel).
// Hart 0 takes machine timer interrupts from the CLINT, UART receive and transmit interrupts
// through the PLIC, and drives a virtio-blk disk over the virtio-mmio v2 transport with
// completions signalled through the PLIC; it prints what it saw, then powers off through the
// syscon. Everything it prints is deterministic, so paravm's output can be compared with QEMU's.

#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

// ---- the platform (QEMU virt memory map)

#define SYSCON 0x100000UL
#define CLINT 0x2000000UL
#define CLINT_MTIMECMP0 (CLINT + 0x4000)
#define CLINT_MTIME (CLINT + 0xbff8)
#define TIMEBASE_HZ 10000000UL
#define PLIC 0xc000000UL
#define PLIC_PRIORITY(src) (PLIC + 4 * (src))
#define PLIC_ENABLE(ctx) (PLIC + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_THRESHOLD(ctx) + 4)
#define PLIC_CTX 0 // hart 0, M-mode
#define UART 0x10000000UL
#define UART_IRQ 10
#define VIRTIO_BASE 0x10001000UL
#define VIRTIO_STRIDE 0x1000UL
#define VIRTIO_SLOTS 8
#define VIRTIO_FIRST_IRQ 1

// 16550 registers and bits
#define RBR 0
#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_ID 0x0e
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0c
#define LSR_DR 0x01
#define LSR_THRE 0x20

// virtio-mmio registers (virtio 1.2 §4.2.2)
#define VM_MAGIC 0x000
#define VM_VERSION 0x004
#define VM_DEVICE_ID 0x008
#define VM_DEVICE_FEATURES 0x010
#define VM_DEVICE_FEATURES_SEL 0x014
#define VM_DRIVER_FEATURES 0x020
#define VM_DRIVER_FEATURES_SEL 0x024
#define VM_QUEUE_SEL 0x030
#define VM_QUEUE_NUM_MAX 0x034
#define VM_QUEUE_NUM 0x038
#define VM_QUEUE_READY 0x044
#define VM_QUEUE_NOTIFY 0x050
#define VM_INTERRUPT_STATUS 0x060
#define VM_INTERRUPT_ACK 0x064
#define VM_STATUS 0x070
#define VM_QUEUE_DESC_LOW 0x080
#define VM_QUEUE_DESC_HIGH 0x084
#define VM_QUEUE_DRIVER_LOW 0x090
#define VM_QUEUE_DRIVER_HIGH 0x094
#define VM_QUEUE_DEVICE_LOW 0x0a0
#define VM_QUEUE_DEVICE_HIGH 0x0a4
#define VM_CONFIG_GENERATION 0x0fc
#define VM_CONFIG 0x100
#define VIRTIO_MAGIC 0x74726976
#define ST_ACKNOWLEDGE 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8
#define ST_NEEDS_RESET 0x40
#define ST_FAILED 0x80
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_F_VERSION_1_HI 1 // bit 32: bit 0 of the high feature word
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define SECTOR 512
#define QSIZE 8

// machine CSR bits
#define MSTATUS_MIE (1UL << 3)
#define MIE_MTIE (1UL << 7)
#define MIE_MEIE (1UL << 11)
#define MCAUSE_INT (1UL << 63)
#define IRQ_MTI 7
#define IRQ_MEI 11

#define TICK (TIMEBASE_HZ / 100) // 10 ms
#define TIMER_IRQS 5
#define NEVER (~0UL)

// ---- small helpers

#define csr_read(csr)                                    \
  ({                                                     \
    unsigned long v_;                                    \
    __asm__ volatile("csrr %0, " #csr : "=r"(v_));       \
    v_;                                                  \
  })
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"r"(v) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"r"(v) : "memory")

static inline void fence(void) { __asm__ volatile("fence iorw, iorw" ::: "memory"); }
static inline u8 r8(unsigned long a) { return *(volatile u8 *)a; }
static inline void w8(unsigned long a, u8 v) { *(volatile u8 *)a = v; }
static inline u32 r32(unsigned long a) { return *(volatile u32 *)a; }
static inline void w32(unsigned long a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 r64(unsigned long a) { return *(volatile u64 *)a; }
static inline void w64(unsigned long a, u64 v) { *(volatile u64 *)a = v; }
static inline u64 mtime(void) { return r64(CLINT_MTIME); }

// GCC may emit calls to these even in freestanding code.
void *memset(void *d, int c, unsigned long n) {
  u8 *p = d;
  while (n--) *p++ = (u8)c;
  return d;
}
void *memcpy(void *d, const void *s, unsigned long n) {
  u8 *p = d;
  const u8 *q = s;
  while (n--) *p++ = *q++;
  return d;
}

// ---- console output: polled, one byte at a time when THR is empty

static void putc_polled(char c) {
  while (!(r8(UART + LSR) & LSR_THRE)) {
  }
  w8(UART + THR, (u8)c);
}

static void puts(const char *s) {
  while (*s) putc_polled(*s++);
}

static void put_dec(u64 v) {
  char b[24];
  int n = 0;
  do {
    b[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc_polled(b[--n]);
}

static void put_hex(u64 v) {
  puts("0x");
  for (int i = 60; i >= 0; i -= 4) putc_polled("0123456789abcdef"[(v >> i) & 15]);
}

static void poweroff(u32 code) {
  csr_clear(mstatus, MSTATUS_MIE);
  w32(SYSCON, code ? 0x3333 | (code << 16) : 0x5555);
  for (;;) __asm__ volatile("wfi");
}

static void fail(u32 step, const char *what) {
  puts("BAREMETAL FAIL ");
  puts(what);
  puts("\n");
  poweroff(step);
}

// ---- state shared with the trap handler

enum { TIMER_TICKING, TIMER_WATCHDOG };
static volatile int timer_mode;
static volatile u32 timer_irqs;
static volatile u32 timer_early; // interrupts taken while mtime < mtimecmp
static volatile int watchdog_fired;

static volatile u32 uart_irqs;
static volatile char rx_line[64];
static volatile u32 rx_len;
static volatile int rx_done;
static char tx_buf[96];
static volatile u32 tx_len;
static volatile u32 tx_pos;
static volatile int tx_done;
static volatile u32 thre_irqs;
static volatile u32 uart_other;

static unsigned long blk; // the virtio-blk slot's registers
static u32 blk_irq;
static volatile u32 virtio_irqs;
static volatile u32 virtio_isr_bits;
static volatile u32 plic_other;

// ---- trap handling

static void timer_interrupt(void) {
  u64 now = mtime();
  if (now < r64(CLINT_MTIMECMP0)) timer_early++;
  if (timer_mode == TIMER_TICKING && ++timer_irqs < TIMER_IRQS) {
    w64(CLINT_MTIMECMP0, now + TICK);
    return;
  }
  if (timer_mode == TIMER_WATCHDOG) watchdog_fired = 1;
  w64(CLINT_MTIMECMP0, NEVER);
  csr_clear(mie, MIE_MTIE);
}

// Serves the UART until IIR says nothing is pending, so its interrupt line is low again when
// the PLIC source is completed (the PLIC gateway is level-triggered).
static void uart_interrupt(void) {
  uart_irqs++;
  for (;;) {
    u8 iir = r8(UART + IIR); // reading IIR also acknowledges THRE when that is what it reports
    if (iir & IIR_NO_INT) return;
    switch (iir & IIR_ID) {
      case IIR_RDI:
      case IIR_TIMEOUT:
        while (r8(UART + LSR) & LSR_DR) {
          char c = (char)r8(UART + RBR);
          if (rx_done) continue;
          if (c == '\r' || c == '\n') {
            if (rx_len) rx_done = 1;
          } else if (rx_len < sizeof rx_line - 1) {
            rx_line[rx_len++] = c;
          }
        }
        break;
      case IIR_THRI:
        thre_irqs++;
        if (tx_pos < tx_len) {
          w8(UART + THR, (u8)tx_buf[tx_pos++]); // writing THR acknowledges THRE too
        } else {
          // All sent: THRE stays true from now on, so the interrupt must be switched off.
          w8(UART + IER, r8(UART + IER) & ~IER_THRI);
          tx_done = 1;
        }
        break;
      case IIR_RLSI:
        (void)r8(UART + LSR);
        uart_other++;
        break;
      case IIR_MSI:
        (void)r8(UART + MSR);
        uart_other++;
        break;
      default:
        uart_other++;
        return;
    }
  }
}

static void virtio_interrupt(void) {
  u32 status = r32(blk + VM_INTERRUPT_STATUS);
  w32(blk + VM_INTERRUPT_ACK, status); // lowers the device's interrupt line
  virtio_isr_bits |= status;
  virtio_irqs++;
}

static void external_interrupt(void) {
  for (;;) {
    u32 src = r32(PLIC_CLAIM(PLIC_CTX));
    if (src == 0) return;
    if (src == UART_IRQ)
      uart_interrupt();
    else if (blk && src == blk_irq)
      virtio_interrupt();
    else
      plic_other++;
    w32(PLIC_CLAIM(PLIC_CTX), src); // complete
  }
}

void trap_handler(u64 mcause, u64 mepc, u64 mtval) {
  if (mcause == (MCAUSE_INT | IRQ_MTI)) {
    timer_interrupt();
    return;
  }
  if (mcause == (MCAUSE_INT | IRQ_MEI)) {
    external_interrupt();
    return;
  }
  puts("\nunexpected trap: mcause ");
  put_hex(mcause);
  puts(" mepc ");
  put_hex(mepc);
  puts(" mtval ");
  put_hex(mtval);
  puts("\n");
  fail(9, "trap");
}

// Waits in wfi until done() holds or, when timeout is not 0, the watchdog fires after that many
// mtime ticks. Interrupts are globally off while done() is tested and wfi starts, and on again
// right after wfi to take what woke it: wfi wakes on any interrupt pending and enabled in mie,
// whatever mstatus.MIE says, so no interrupt is lost between the test and the sleep.
static int wait_until(int (*done)(void), u64 timeout) {
  if (timeout) {
    timer_mode = TIMER_WATCHDOG;
    watchdog_fired = 0;
    w64(CLINT_MTIMECMP0, mtime() + timeout);
    csr_set(mie, MIE_MTIE);
  }
  int ok;
  for (;;) {
    csr_clear(mstatus, MSTATUS_MIE);
    if (done()) {
      ok = 1;
      break;
    }
    if (timeout && watchdog_fired) {
      ok = 0;
      break;
    }
    __asm__ volatile("wfi" ::: "memory");
    csr_set(mstatus, MSTATUS_MIE);
  }
  if (timeout) {
    csr_clear(mie, MIE_MTIE);
    w64(CLINT_MTIMECMP0, NEVER);
  }
  csr_set(mstatus, MSTATUS_MIE);
  return ok;
}

static int timer_done(void) { return timer_irqs >= TIMER_IRQS; }
static int line_done(void) { return rx_done; }
static int tx_finished(void) { return tx_done; }

static void plic_enable(u32 src) {
  w32(PLIC_PRIORITY(src), 1);
  w32(PLIC_ENABLE(PLIC_CTX) + 4 * (src / 32), r32(PLIC_ENABLE(PLIC_CTX) + 4 * (src / 32)) | (1U << (src % 32)));
}

// ---- virtio-blk: one split virtqueue of 8 entries, one request (3 descriptors) at a time

struct virtq_desc {
  u64 addr;
  u32 len;
  u16 flags;
  u16 next;
};
static volatile struct virtq_desc desc[QSIZE] __attribute__((aligned(16)));
static volatile struct {
  u16 flags;
  u16 idx;
  u16 ring[QSIZE];
  u16 used_event;
} avail __attribute__((aligned(2)));
static volatile struct {
  u16 flags;
  u16 idx;
  struct {
    u32 id;
    u32 len;
  } ring[QSIZE];
  u16 avail_event;
} used __attribute__((aligned(4)));
static volatile struct {
  u32 type;
  u32 reserved;
  u64 sector;
} req;
static volatile u8 req_status;
static u8 data[SECTOR] __attribute__((aligned(16)));
static u16 used_seen;
static u32 irqs_before;

static int request_done(void) { return used.idx != used_seen && virtio_irqs != irqs_before; }

static void blk_init(void) {
  for (u32 i = 0; i < VIRTIO_SLOTS && !blk; i++) {
    unsigned long base = VIRTIO_BASE + i * VIRTIO_STRIDE;
    if (r32(base + VM_MAGIC) != VIRTIO_MAGIC || r32(base + VM_DEVICE_ID) != VIRTIO_ID_BLOCK) continue;
    if (r32(base + VM_VERSION) != 2) fail(5, "virtio-blk is not virtio-mmio version 2");
    blk = base;
    blk_irq = VIRTIO_FIRST_IRQ + i;
    puts("virtio: blk in slot ");
    put_dec(i);
    puts(", PLIC source ");
    put_dec(blk_irq);
    puts(", virtio-mmio version 2\n");
  }
  if (!blk) fail(5, "no virtio-blk device");

  w32(blk + VM_STATUS, 0); // reset
  if (r32(blk + VM_STATUS) != 0) fail(5, "virtio reset");
  w32(blk + VM_STATUS, ST_ACKNOWLEDGE);
  w32(blk + VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
  w32(blk + VM_DEVICE_FEATURES_SEL, 1);
  if (!(r32(blk + VM_DEVICE_FEATURES) & VIRTIO_F_VERSION_1_HI)) fail(5, "no VIRTIO_F_VERSION_1");
  w32(blk + VM_DRIVER_FEATURES_SEL, 0);
  w32(blk + VM_DRIVER_FEATURES, 0);
  w32(blk + VM_DRIVER_FEATURES_SEL, 1);
  w32(blk + VM_DRIVER_FEATURES, VIRTIO_F_VERSION_1_HI);
  w32(blk + VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
  if (!(r32(blk + VM_STATUS) & ST_FEATURES_OK)) fail(5, "FEATURES_OK did not stick");
  puts("virtio: features accepted: VERSION_1 only\n");

  w32(blk + VM_QUEUE_SEL, 0);
  if (r32(blk + VM_QUEUE_READY) != 0) fail(5, "queue 0 already ready");
  u32 max = r32(blk + VM_QUEUE_NUM_MAX);
  if (max < QSIZE) fail(5, "QueueNumMax too small");
  w32(blk + VM_QUEUE_NUM, QSIZE);
  w32(blk + VM_QUEUE_DESC_LOW, (u32)(unsigned long)desc);
  w32(blk + VM_QUEUE_DESC_HIGH, (u32)((unsigned long)desc >> 32));
  w32(blk + VM_QUEUE_DRIVER_LOW, (u32)(unsigned long)&avail);
  w32(blk + VM_QUEUE_DRIVER_HIGH, (u32)((unsigned long)&avail >> 32));
  w32(blk + VM_QUEUE_DEVICE_LOW, (u32)(unsigned long)&used);
  w32(blk + VM_QUEUE_DEVICE_HIGH, (u32)((unsigned long)&used >> 32));
  w32(blk + VM_QUEUE_READY, 1);
  if (r32(blk + VM_QUEUE_READY) != 1) fail(5, "QueueReady did not stick");

  u32 gen;
  u64 capacity;
  do {
    gen = r32(blk + VM_CONFIG_GENERATION);
    capacity = r32(blk + VM_CONFIG) | (u64)r32(blk + VM_CONFIG + 4) << 32;
  } while (gen != r32(blk + VM_CONFIG_GENERATION));

  plic_enable(blk_irq);
  w32(blk + VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
  if (r32(blk + VM_STATUS) != (ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK))
    fail(5, "DRIVER_OK did not stick");
  puts("virtio: queue 0 ready with 8 entries, DRIVER_OK, capacity ");
  put_dec(capacity);
  puts(" sectors\n");
  if (capacity < 2) fail(5, "disk too small");
}

// One request on sector `sector` with the data buffer; returns the used length.
static u32 blk_request(u32 type, u64 sector) {
  req.type = type;
  req.reserved = 0;
  req.sector = sector;
  req_status = 0xff;
  desc[0].addr = (unsigned long)&req;
  desc[0].len = sizeof req;
  desc[0].flags = VIRTQ_DESC_F_NEXT;
  desc[0].next = 1;
  desc[1].addr = (unsigned long)data;
  desc[1].len = SECTOR;
  desc[1].flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
  desc[1].next = 2;
  desc[2].addr = (unsigned long)&req_status;
  desc[2].len = 1;
  desc[2].flags = VIRTQ_DESC_F_WRITE;
  desc[2].next = 0;
  avail.ring[avail.idx % QSIZE] = 0;
  fence(); // the descriptors and the ring entry before the index
  avail.idx = avail.idx + 1;
  irqs_before = virtio_irqs;
  fence(); // the index before the notification
  w32(blk + VM_QUEUE_NOTIFY, 0);
  if (!wait_until(request_done, 5 * TIMEBASE_HZ)) fail(5, "virtio request: no completion interrupt");
  fence();
  u16 slot = used_seen % QSIZE;
  used_seen++;
  if (used.idx != used_seen) fail(5, "virtio: more than one used entry");
  if (used.ring[slot].id != 0) fail(5, "virtio: used entry names another chain");
  if (req_status != 0) fail(5, "virtio: request status not OK");
  if (!(virtio_isr_bits & 1)) fail(5, "virtio: InterruptStatus had no used-buffer bit");
  return used.ring[slot].len;
}

static u8 pattern(u32 i) { return (u8)(i * 13 + 7); }

static void disk_test(void) {
  blk_init();

  for (u32 i = 0; i < SECTOR; i++) data[i] = pattern(i);
  u32 len = blk_request(VIRTIO_BLK_T_OUT, 1);
  puts("virtio: wrote sector 1 (byte i = i*13+7), status OK, used len ");
  put_dec(len);
  puts("\n");

  memset(data, 0, SECTOR);
  len = blk_request(VIRTIO_BLK_T_IN, 1);
  for (u32 i = 0; i < SECTOR; i++)
    if (data[i] != pattern(i)) fail(5, "virtio: sector 1 read back differs");
  puts("virtio: read sector 1 back, status OK, used len ");
  put_dec(len);
  puts(": pattern matches\n");

  memset(data, 0, SECTOR);
  len = blk_request(VIRTIO_BLK_T_IN, 0);
  puts("virtio: sector 0 says: ");
  for (u32 i = 0; i < 80 && data[i] >= 0x20 && data[i] < 0x7f; i++) putc_polled((char)data[i]);
  puts("\n");
  puts("virtio: 3 requests completed through PLIC interrupts\n");
}

// ---- the test

void main(void) {
  w8(UART + IER, 0);
  w8(UART + LCR, 0x80); // DLAB: 38400 baud from the 1.8432 MHz clock (emulators ignore it)
  w8(UART + 0, 3);
  w8(UART + 1, 0);
  w8(UART + LCR, 0x03);  // 8N1
  w8(UART + FCR, 0x07);  // FIFOs on and cleared, receive trigger at 1 byte
  w8(UART + MCR, 0x0b);  // DTR, RTS, OUT2
  extern char trap_entry[];
  puts("bare-metal: M-mode on hart ");
  put_dec(csr_read(mhartid));
  puts(", no firmware\n");
  if (csr_read(mtvec) != (unsigned long)trap_entry) fail(1, "mtvec");

  // 1. The CLINT timer: five interrupts 10 ms apart.
  u64 t0 = mtime();
  timer_mode = TIMER_TICKING;
  w64(CLINT_MTIMECMP0, t0 + TICK);
  csr_set(mie, MIE_MTIE);
  csr_set(mstatus, MSTATUS_MIE);
  wait_until(timer_done, 0);
  u64 elapsed = mtime() - t0;
  puts("timer: ");
  put_dec(timer_irqs);
  puts(" machine timer interrupts\n");
  if (timer_early) fail(2, "timer interrupt before mtimecmp");
  if (elapsed < TIMER_IRQS * TICK) fail(2, "mtime did not advance 50 ms");
  puts("timer: mtime advanced at least 50 ms\n");

  // 2. UART receive interrupts through the PLIC.
  w32(PLIC_THRESHOLD(PLIC_CTX), 0);
  plic_enable(UART_IRQ);
  csr_set(mie, MIE_MEIE);
  w8(UART + IER, IER_RDI);
  puts("uart: type a line\n");
  if (!wait_until(line_done, 30 * TIMEBASE_HZ)) fail(3, "uart: no line received");
  puts("uart: received ");
  put_dec(rx_len);
  puts(" bytes through PLIC interrupts\n");

  // 3. The echo goes out through THRE interrupts; the handler switches THRI off at the end.
  const char *prefix = "uart: echo: ";
  u32 n = 0;
  while (*prefix) tx_buf[n++] = *prefix++;
  for (u32 i = 0; i < rx_len; i++) tx_buf[n++] = rx_line[i];
  tx_buf[n++] = '\n';
  tx_pos = 0;
  tx_done = 0;
  tx_len = n;
  w8(UART + IER, IER_RDI | IER_THRI);
  if (!wait_until(tx_finished, 5 * TIMEBASE_HZ)) fail(4, "uart: THRE interrupts stopped");
  if (r8(UART + IER) & IER_THRI) fail(4, "uart: THRI still on");
  if (thre_irqs < n + 1) fail(4, "uart: fewer THRE interrupts than bytes");
  if (!(r8(UART + IIR) & IIR_NO_INT)) fail(4, "uart: an interrupt still pending");
  puts("uart: ");
  put_dec(n);
  puts(" bytes sent by THRE interrupts, THRI off again\n");

  // 4. virtio-blk with completions through the PLIC.
  disk_test();

  if (uart_other || plic_other) fail(6, "unexpected interrupt sources");
  puts("BAREMETAL PASS\n");
  poweroff(0);
}
