/* The Multiboot information, copied at boot (the loader's copy lives in
 * memory nobody reserved for it), and the `meminfo` command. */
#include "kernel.h"
#include "lib.h"
#include "multiboot.h"

#define MAX_MMAP 32

static struct {
    int valid;
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t mmap_count;
    int mmap_truncated;
    struct { uint64_t base, length; uint32_t type; } mmap[MAX_MMAP];
    char cmdline[128];
    char loader[64];
} mb;

static void copy_string(char *dst, size_t size, uint32_t addr)
{
    const char *s = (const char *)addr;
    size_t i;
    for (i = 0; i + 1 < size && s[i]; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7F) ? s[i] : '?';
    dst[i] = 0;
}

void meminfo_save(uint32_t magic, uint32_t info)
{
    const struct multiboot_info *mbi = (const struct multiboot_info *)info;

    if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !info)
        return;
    mb.valid = 1;
    mb.flags = mbi->flags;
    if (mbi->flags & MBI_FLAG_MEM) {
        mb.mem_lower = mbi->mem_lower;
        mb.mem_upper = mbi->mem_upper;
    }
    if (mbi->flags & MBI_FLAG_MMAP) {
        uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
        while (p + 4 <= end) {
            const struct multiboot_mmap_entry *e = (const struct multiboot_mmap_entry *)p;
            if (e->size < 20 || p + 4 + e->size > end)
                break;
            if (mb.mmap_count == MAX_MMAP) {
                mb.mmap_truncated = 1;
                break;
            }
            mb.mmap[mb.mmap_count].base = e->base;
            mb.mmap[mb.mmap_count].length = e->length;
            mb.mmap[mb.mmap_count].type = e->type;
            mb.mmap_count++;
            p += 4 + e->size;
        }
    }
    if (mbi->flags & MBI_FLAG_CMDLINE && mbi->cmdline)
        copy_string(mb.cmdline, sizeof mb.cmdline, mbi->cmdline);
    if (mbi->flags & MBI_FLAG_LOADER && mbi->boot_loader_name)
        copy_string(mb.loader, sizeof mb.loader, mbi->boot_loader_name);
}

static const char *type_name(uint32_t type)
{
    switch (type) {
    case 1: return "available";
    case 2: return "reserved";
    case 3: return "ACPI reclaimable";
    case 4: return "ACPI NVS";
    case 5: return "bad memory";
    default: return "unknown";
    }
}

void cmd_meminfo(void)
{
    uint32_t i;
    uint64_t usable = 0;

    kprintf("kernel:     %08x-%08x (%u KiB loaded, %u KiB with bss)\n",
            (uint32_t)_image_start, (uint32_t)_bss_end - 1,
            (uint32_t)(_load_end - _image_start) >> 10,
            (uint32_t)(_bss_end - _image_start + 1023) >> 10);
    if (!mb.valid) {
        kprintf("meminfo: no Multiboot information (not started by a Multiboot loader)\n");
        return;
    }
    if (mb.loader[0])
        kprintf("loader:     %s\n", mb.loader);
    if (mb.flags & MBI_FLAG_CMDLINE)
        kprintf("cmdline:    \"%s\"\n", mb.cmdline);
    if (mb.flags & MBI_FLAG_MEM)
        kprintf("mem_lower:  %u KiB\nmem_upper:  %u KiB (%u MiB above 1 MiB)\n",
                mb.mem_lower, mb.mem_upper, mb.mem_upper >> 10);
    else
        kprintf("mem_lower/mem_upper: not provided\n");

    if (!(mb.flags & MBI_FLAG_MMAP)) {
        kprintf("memory map: not provided\n");
        return;
    }
    kprintf("memory map: %u entries%s\n", mb.mmap_count,
            mb.mmap_truncated ? " (more not shown)" : "");
    for (i = 0; i < mb.mmap_count; i++) {
        uint64_t base = mb.mmap[i].base, len = mb.mmap[i].length;
        uint64_t last = len ? base + len - 1 : base;
        kprintf("  %016llx-%016llx %10u KiB  %s (%u)\n",
                base, last, (uint32_t)(len >> 10),
                type_name(mb.mmap[i].type), mb.mmap[i].type);
        if (mb.mmap[i].type == 1)
            usable += len;
    }
    kprintf("available:  %u KiB\n", (uint32_t)(usable >> 10));
}
