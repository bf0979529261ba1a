/* The `cpuinfo` command: what CPUID reports, including the hypervisor leaves
 * at 0x40000000 when CPUID.1:ECX bit 31 says a hypervisor is present. */
#include "io.h"
#include "kernel.h"
#include "lib.h"

struct regs4 {
    uint32_t a, b, c, d;
};

static struct regs4 cpuid(uint32_t leaf)
{
    struct regs4 r;
    __asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(0));
    return r;
}

/* CPUID exists when EFLAGS.ID (bit 21) can be toggled. */
static int have_cpuid(void)
{
    uint32_t before, after;
    __asm__ volatile(
        "pushfl\n\t"
        "pushfl\n\t"
        "popl %0\n\t"
        "movl %0, %1\n\t"
        "xorl $0x00200000, %1\n\t"
        "pushl %1\n\t"
        "popfl\n\t"
        "pushfl\n\t"
        "popl %1\n\t"
        "popfl"
        : "=&r"(before), "=&r"(after));
    return ((before ^ after) & 0x00200000) != 0;
}

/* Copies 4 register bytes, printable ones as they are, others as '.'. */
static void put_sig(char *dst, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++) {
        char c = (char)(v >> (8 * i));
        dst[i] = (c >= 0x20 && c < 0x7F) ? c : '.';
    }
}

static const char *const edx_names[32] = {
    "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce",
    "cx8", "apic", 0, "sep", "mtrr", "pge", "mca", "cmov",
    "pat", "pse36", "psn", "clflush", 0, "ds", "acpi", "mmx",
    "fxsr", "sse", "sse2", "ss", "htt", "tm", 0, "pbe",
};

static const char *const ecx_names[32] = {
    "sse3", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est",
    "tm2", "ssse3", "cnxt_id", "sdbg", "fma", "cx16", "xtpr", "pdcm",
    0, "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt",
    "tsc_deadline", "aes", "xsave", "osxsave", "avx", "f16c", "rdrand", "hypervisor",
};

/* Prints the names of the set bits, wrapped; unnamed bits as "bitN". */
static void print_flags(const char *label, uint32_t bits, const char *const names[32])
{
    int col = kprintf("%s", label), i;
    if (!bits) {
        kprintf(" (none)\n");
        return;
    }
    for (i = 0; i < 32; i++) {
        char name[16];
        if (!(bits & (1u << i)))
            continue;
        if (names[i])
            strlcpy(name, names[i], sizeof name);
        else
            snprintf(name, sizeof name, "bit%d", i);
        if (col + 1 + (int)strlen(name) > 78) {
            kprintf("\n");
            col = kprintf("           ");
        }
        col += kprintf(" %s", name);
    }
    kprintf("\n");
}

void cmd_cpuinfo(void)
{
    struct regs4 r;
    char vendor[13], sig[13], brand[49];
    uint32_t max_basic, max_ext, family, model, stepping, ecx1 = 0, edx1 = 0;

    if (!have_cpuid()) {
        kprintf("cpuinfo: this processor has no CPUID instruction\n");
        return;
    }

    r = cpuid(0);
    max_basic = r.a;
    put_sig(vendor, r.b);
    put_sig(vendor + 4, r.d);
    put_sig(vendor + 8, r.c);
    vendor[12] = 0;
    kprintf("vendor:     %s (max basic leaf 0x%x)\n", vendor, max_basic);

    if (max_basic >= 1) {
        r = cpuid(1);
        ecx1 = r.c;
        edx1 = r.d;
        stepping = r.a & 0xF;
        model = (r.a >> 4) & 0xF;
        family = (r.a >> 8) & 0xF;
        if (family == 0xF)
            family += (r.a >> 20) & 0xFF;
        if (family == 0x6 || family >= 0xF)
            model |= ((r.a >> 16) & 0xF) << 4;
        kprintf("signature:  0x%08x: family %u, model %u, stepping %u\n",
                r.a, family, model, stepping);
        print_flags("features:  ", edx1, edx_names);
        print_flags("features2: ", ecx1, ecx_names);
    }

    r = cpuid(0x80000000u);
    max_ext = r.a;
    if (max_ext >= 0x80000004u && max_ext < 0x8000FFFFu) {
        uint32_t leaf;
        char *p = brand, *start = brand;
        for (leaf = 0x80000002u; leaf <= 0x80000004u; leaf++) {
            r = cpuid(leaf);
            memcpy(p, &r.a, 4);
            memcpy(p + 4, &r.b, 4);
            memcpy(p + 8, &r.c, 4);
            memcpy(p + 12, &r.d, 4);
            p += 16;
        }
        brand[48] = 0;
        while (*start == ' ')
            start++;
        kprintf("brand:      %s\n", start);
    }

    if (ecx1 & (1u << 31)) {
        uint32_t max_hv;
        r = cpuid(0x40000000u);
        max_hv = r.a;
        put_sig(sig, r.b);
        put_sig(sig + 4, r.c);
        put_sig(sig + 8, r.d);
        sig[12] = 0;
        kprintf("hypervisor: present (CPUID.1:ECX bit 31), signature \"%s\", max leaf 0x%08x\n",
                sig, max_hv);
        if (max_hv >= 0x40000001u && max_hv < 0x4000FFFFu) {
            r = cpuid(0x40000001u);
            if (r.a) {
                char iface[5];
                put_sig(iface, r.a);
                iface[4] = 0;
                kprintf("            interface \"%s\" (leaf 0x40000001 EAX=0x%08x)\n", iface, r.a);
            }
        }
    } else {
        kprintf("hypervisor: none found (CPUID.1:ECX bit 31 is clear)\n");
    }
}
