/*
 * diskbench: 4 KiB (or larger) sequential and random reads and writes on a raw
 * block device, for hv's disk benchmark (bench/disk.js). A static i386 Linux
 * program with no C library: its system calls are made with int $0x80.
 *
 *   diskbench DEVICE MODE REGION_KIB [BLOCK_BYTES [OPS [SEED]]]
 *
 * MODE is seqwrite, seqread, randwrite or randread. The region is the first
 * REGION_KIB KiB of DEVICE; sequential modes go through it once, random modes
 * do OPS operations (default: as many as the region has blocks) at blocks
 * picked by a xorshift generator from SEED. The device is opened with O_DIRECT,
 * so every operation reaches the disk (no page cache); writes end with fsync.
 *
 * Every 512-byte sector written carries its own sector number and a magic word,
 * so reads check what they read: `bad` counts sectors that hold another
 * sector's number, `unwritten` sectors without the magic word.
 *
 * It prints one line:
 *   diskbench MODE bs=B ops=N bytes=T ns=NS kib_s=K iops=I bad=X unwritten=Y
 * with the time from the first operation to the last (and the fsync), by the
 * guest's CLOCK_MONOTONIC.
 */

typedef unsigned int u32;
typedef unsigned long long u64;

#define SYS_exit 1
#define SYS_write 4
#define SYS_open 5
#define SYS_close 6
#define SYS_fsync 118
#define SYS_pread64 180
#define SYS_pwrite64 181
#define SYS_clock_gettime 265

#define O_RDONLY 0
#define O_RDWR 2
#define O_LARGEFILE 0100000
#define O_DIRECT 040000
#define CLOCK_MONOTONIC 1

#define MAX_BLOCK (1024 * 1024)
#define MAGIC 0x62647668u /* "hvdb" */

static unsigned char buffer[MAX_BLOCK] __attribute__((aligned(4096)));

static long syscall3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "0"(n), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}

static long syscall5(long n, long a, long b, long c, long d, long e) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "0"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
  return r;
}

/* 64-bit unsigned division, by shift and subtract: no libgcc (whose i386 helpers start with endbr32). */
static u64 divide(u64 n, u64 d) {
  u64 quotient = 0, remainder = 0;
  for (int bit = 63; bit >= 0; bit--) {
    remainder = (remainder << 1) | ((n >> bit) & 1);
    if (remainder >= d) {
      remainder -= d;
      quotient |= 1ull << bit;
    }
  }
  return quotient;
}

static u32 length(const char *s) {
  u32 n = 0;
  while (s[n]) n++;
  return n;
}

static void put(const char *s) { syscall3(SYS_write, 1, (long)s, length(s)); }

static void put_number(u64 value) {
  char digits[24];
  int at = sizeof digits - 1;
  digits[at] = 0;
  do {
    u64 next = divide(value, 10);
    digits[--at] = (char)('0' + (value - next * 10));
    value = next;
  } while (value);
  put(digits + at);
}

static void put_field(const char *name, u64 value) {
  put(" ");
  put(name);
  put("=");
  put_number(value);
}

static __attribute__((noreturn)) void quit(int status) {
  for (;;) syscall3(SYS_exit, status, 0, 0);
}

static __attribute__((noreturn)) void fail(const char *what, long error) {
  put("diskbench: ");
  put(what);
  if (error) {
    put(" failed, errno ");
    put_number((u64)-error);
  }
  put("\n");
  quit(1);
}

static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

static u64 parse(const char *s) {
  u64 value = 0;
  if (!*s) fail("a number argument is empty", 0);
  for (; *s; s++) {
    if (*s < '0' || *s > '9') fail("a number argument is not a decimal number", 0);
    value = value * 10 + (u64)(*s - '0');
  }
  return value;
}

static u64 now_ns(void) {
  struct {
    long seconds, nanoseconds;
  } ts;
  long r = syscall3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0);
  if (r < 0) fail("clock_gettime", r);
  return (u64)ts.seconds * 1000000000ull + (u64)ts.nanoseconds;
}

/* Fills the buffer with the sectors of the block at `offset`. */
static void stamp(u64 offset, u32 block) {
  for (u32 at = 0; at < block; at += 512) {
    u32 *sector = (u32 *)(buffer + at);
    u32 number = (u32)((offset + at) >> 9);
    sector[0] = number;
    sector[1] = MAGIC;
    for (u32 i = 2; i < 128; i++) sector[i] = number * 2654435761u + i;
  }
}

/* Counts the sectors of the block at `offset` that hold another sector or were never written. */
static void check(u64 offset, u32 block, u64 *bad, u64 *unwritten) {
  for (u32 at = 0; at < block; at += 512) {
    const u32 *sector = (const u32 *)(buffer + at);
    if (sector[1] != MAGIC) (*unwritten)++;
    else if (sector[0] != (u32)((offset + at) >> 9)) (*bad)++;
  }
}

/* Called from _start, below. */
__attribute__((used, noreturn)) void run(long *stack);

__attribute__((used, noreturn)) void run(long *stack) {
  int argc = (int)stack[0];
  char **argv = (char **)(stack + 1);
  if (argc < 4) {
    put("usage: diskbench DEVICE seqwrite|seqread|randwrite|randread REGION_KIB [BLOCK_BYTES [OPS [SEED]]]\n");
    quit(2);
  }
  const char *mode = argv[2];
  int write = same(mode, "seqwrite") || same(mode, "randwrite");
  int random = same(mode, "randwrite") || same(mode, "randread");
  if (!write && !random && !same(mode, "seqread")) fail("unknown mode", 0);
  u64 region = parse(argv[3]) * 1024;
  u32 block = argc > 4 ? (u32)parse(argv[4]) : 4096;
  if (block < 512 || block > MAX_BLOCK || block % 512) fail("the block size must be a multiple of 512 up to 1 MiB", 0);
  u64 region_blocks = divide(region, block);
  if (!region_blocks) fail("the region holds no block", 0);
  if (region_blocks > 0xffffffffu) fail("the region holds more than 2^32 blocks", 0);
  u32 blocks = (u32)region_blocks;
  u64 ops = argc > 5 ? parse(argv[5]) : blocks;
  if (!random) ops = blocks;
  u32 seed = argc > 6 ? (u32)parse(argv[6]) : 2463534242u;
  if (!seed) seed = 1;

  long fd = syscall3(SYS_open, (long)argv[1], (write ? O_RDWR : O_RDONLY) | O_DIRECT | O_LARGEFILE, 0);
  if (fd < 0) fail("open", fd);

  u64 bad = 0, unwritten = 0;
  u64 started = now_ns();
  for (u64 n = 0; n < ops; n++) {
    u32 index = (u32)n;
    if (random) {
      seed ^= seed << 13;
      seed ^= seed >> 17;
      seed ^= seed << 5;
      index = seed % blocks;
    }
    u64 offset = (u64)index * block;
    long r;
    if (write) {
      stamp(offset, block);
      r = syscall5(SYS_pwrite64, fd, (long)buffer, block, (long)(u32)offset, (long)(u32)(offset >> 32));
    } else {
      r = syscall5(SYS_pread64, fd, (long)buffer, block, (long)(u32)offset, (long)(u32)(offset >> 32));
    }
    if (r < 0) fail(write ? "pwrite" : "pread", r);
    if ((u32)r != block) fail(write ? "a short pwrite" : "a short pread", 0);
    if (!write) check(offset, block, &bad, &unwritten);
  }
  if (write) {
    long r = syscall3(SYS_fsync, fd, 0, 0);
    if (r < 0) fail("fsync", r);
  }
  u64 ns = now_ns() - started;
  syscall3(SYS_close, fd, 0, 0);
  if (!ns) ns = 1;

  u64 bytes = ops * block;
  put("diskbench ");
  put(mode);
  put_field("bs", block);
  put_field("ops", ops);
  put_field("bytes", bytes);
  put_field("ns", ns);
  put_field("kib_s", divide(divide(bytes * 1000000ull, 1024) * 1000, ns));
  put_field("iops", divide(ops * 1000000000ull, ns));
  put_field("bad", bad);
  put_field("unwritten", unwritten);
  put("\n");
  quit(0);
}

/* The kernel starts a static program with argc, argv and envp on the stack. */
__asm__(".globl _start\n"
        "_start:\n"
        "  xorl %ebp, %ebp\n"
        "  movl %esp, %eax\n"
        "  andl $-16, %esp\n"
        "  subl $12, %esp\n"
        "  pushl %eax\n"
        "  call run\n"
        "  hlt\n");
