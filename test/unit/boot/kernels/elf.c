/*
 * An ELF32 multiboot kernel (entry in start.asm). It reads the multiboot
 * information the loader built, prints it to COM1, and returns a status for
 * port 0xF4: 0 when the machine state and the information are as the loader
 * promised, else the number of the first check that failed.
 */
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

struct mbi {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
  u32 syms[4];
  u32 mmap_length, mmap_addr;
  u32 drives_length, drives_addr, config_table, boot_loader_name;
};

struct mmap_entry {
  u32 size;
  u32 base_lo, base_hi, length_lo, length_hi;
  u32 type;
} __attribute__((packed));

static u32 zeroed[64];                  /* bss: the loader must clear it */
static volatile u32 initialized = 0x1234abcd; /* data: must arrive from the file */

static inline void outb(u16 port, u8 value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline u8 inb(u16 port) {
  u8 value;
  __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
  return value;
}

static void putc(char c) {
  while (!(inb(0x3fd) & 0x20)) {
  }
  outb(0x3f8, (u8)c);
}

static void puts(const char *s) {
  while (*s) putc(*s++);
}

static void putu(u32 n) {
  char digits[11];
  int i = 0;
  do {
    digits[i++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  while (i) putc(digits[--i]);
}

static void puthex(u32 n) {
  puts("0x");
  for (int shift = 28; shift >= 0; shift -= 4) putc("0123456789abcdef"[(n >> shift) & 15]);
}

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

u32 kmain(u32 magic, const struct mbi *mbi) {
  if (magic != 0x2badb002) return 1;
  for (int i = 0; i < 64; i++)
    if (zeroed[i]) return 2;
  if (initialized != 0x1234abcd) return 3;
  const u32 want = (1 << 0) | (1 << 2) | (1 << 6) | (1 << 9);
  if ((mbi->flags & want) != want) return 4;

  puts("elf kernel: ");
  puts((const char *)mbi->cmdline);
  puts("\r\nloader: ");
  puts((const char *)mbi->boot_loader_name);
  puts("\r\nmem_lower=");
  putu(mbi->mem_lower);
  puts(" mem_upper=");
  putu(mbi->mem_upper);
  puts("\r\n");

  u32 available_kib = 0;
  for (u32 p = mbi->mmap_addr; p < mbi->mmap_addr + mbi->mmap_length;) {
    const struct mmap_entry *e = (const struct mmap_entry *)p;
    puts("mmap ");
    puthex(e->base_lo);
    puts(" ");
    puthex(e->length_lo);
    puts(" type ");
    putu(e->type);
    puts("\r\n");
    if (e->type == 1) available_kib += e->length_lo / 1024;
    p += e->size + 4;
  }
  if (!streq((const char *)mbi->boot_loader_name, "hv")) return 5;
  if (available_kib != mbi->mem_lower + mbi->mem_upper) return 6;
  return 0;
}
