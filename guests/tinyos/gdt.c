/* The GDT: flat ring 0 and ring 3 code and data segments, and one TSS whose
 * SS0:ESP0 is the stack the processor switches to on entry from ring 3. */
#include "kernel.h"
#include "lib.h"

struct gdt_entry {
    uint16_t limit_low;
    uint16_t base_low;
    uint8_t base_mid;
    uint8_t access;
    uint8_t limit_high_flags;
    uint8_t base_high;
} __attribute__((packed));

struct table_register {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* The 32-bit TSS (Intel SDM vol. 3, 8.2.1). */
struct tss {
    uint16_t link, link_hi;
    uint32_t esp0;
    uint16_t ss0, ss0_hi;
    uint32_t esp1;
    uint16_t ss1, ss1_hi;
    uint32_t esp2;
    uint16_t ss2, ss2_hi;
    uint32_t cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, es_hi, cs, cs_hi, ss, ss_hi, ds, ds_hi, fs, fs_hi, gs, gs_hi;
    uint16_t ldt, ldt_hi;
    uint16_t trap;
    uint16_t iomap_base;
} __attribute__((packed));

/* Access bytes: present, DPL, descriptor type. */
#define ACC_CODE(dpl) (0x9A | ((dpl) << 5))     /* execute/read */
#define ACC_DATA(dpl) (0x92 | ((dpl) << 5))     /* read/write */
#define ACC_TSS       0x89                      /* available 32-bit TSS */
#define FLAGS_4K_32   0xC0                      /* 4 KiB granularity, 32-bit */

#define RING0_STACK_SIZE 8192

void gdt_load(const struct table_register *gdtr, unsigned tss_selector);

static struct gdt_entry gdt[6] __attribute__((aligned(8)));
static struct tss tss __attribute__((aligned(16)));
static uint8_t ring0_stack[RING0_STACK_SIZE] __attribute__((aligned(16)));

static void set_entry(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[i].limit_low = (uint16_t)limit;
    gdt[i].base_low = (uint16_t)base;
    gdt[i].base_mid = (uint8_t)(base >> 16);
    gdt[i].access = access;
    gdt[i].limit_high_flags = (uint8_t)(((limit >> 16) & 0x0F) | flags);
    gdt[i].base_high = (uint8_t)(base >> 24);
}

void gdt_init(void)
{
    struct table_register gdtr;

    set_entry(0, 0, 0, 0, 0);
    set_entry(SEL_KERNEL_CS >> 3, 0, 0xFFFFF, ACC_CODE(0), FLAGS_4K_32);
    set_entry(SEL_KERNEL_DS >> 3, 0, 0xFFFFF, ACC_DATA(0), FLAGS_4K_32);
    set_entry(SEL_USER_CS >> 3, 0, 0xFFFFF, ACC_CODE(3), FLAGS_4K_32);
    set_entry(SEL_USER_DS >> 3, 0, 0xFFFFF, ACC_DATA(3), FLAGS_4K_32);

    memset(&tss, 0, sizeof tss);
    tss.ss0 = SEL_KERNEL_DS;
    tss.esp0 = (uint32_t)(ring0_stack + RING0_STACK_SIZE);
    tss.iomap_base = sizeof tss;        /* no I/O permission bitmap */
    set_entry(SEL_TSS >> 3, (uint32_t)&tss, sizeof tss - 1, ACC_TSS, 0);

    gdtr.limit = sizeof gdt - 1;
    gdtr.base = (uint32_t)gdt;
    gdt_load(&gdtr, SEL_TSS);
}

void tss_set_kernel_stack(uint32_t esp0)
{
    tss.esp0 = esp0;
}

uint32_t tss_kernel_stack(void)
{
    return tss.esp0;
}
