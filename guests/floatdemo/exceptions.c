/* The IDT for the processor's exceptions, and the way out through the
 * test-exit port.
 *
 * Exit status: 0 when the program ran to its end and its own checks passed,
 * 1-99 the number of checks that failed, 100 + vector when an exception
 * stopped it (106 #UD, 107 #NM: an x87 instruction the processor does not
 * have; 116 #MF: an unmasked x87 exception). */
#include "runtime.h"

#define EXIT_PORT 0xF4
#define EXIT_EXCEPTION_BASE 100
#define CODE_SELECTOR 0x08          /* entry.asm's GDT */

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type;            /* present, DPL 0, 32-bit interrupt gate */
    uint16_t offset_high;
} __attribute__((packed));

struct exception_frame {
    uint32_t vector;
    uint32_t error_code;
    uint32_t eip;
    uint32_t cs;
    uint32_t eflags;
};

/* In entry.asm: the stubs, the table and its descriptor. */
extern const uint32_t exception_stubs[32];
extern struct idt_gate idt[32];
extern const struct {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed)) idt_descriptor;

static const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "coprocessor segment overrun",
    "#TS", "#NP", "#SS", "#GP", "#PF", "reserved", "#MF", "#AC", "#MC", "#XM",
};

void exceptions_init(void)
{
    for (int v = 0; v < 32; v++) {
        idt[v].offset_low = (uint16_t)exception_stubs[v];
        idt[v].selector = CODE_SELECTOR;
        idt[v].zero = 0;
        idt[v].type = 0x8E;
        idt[v].offset_high = (uint16_t)(exception_stubs[v] >> 16);
    }
    __asm__ volatile("lidt %0" : : "m"(idt_descriptor) : "memory");
}

void guest_exit(unsigned status)
{
    __asm__ volatile("outl %0, %1" : : "a"(status), "Nd"((uint16_t)EXIT_PORT));
    for (;;) __asm__ volatile("cli; hlt");
}

void exception_report(const struct exception_frame *frame) __attribute__((noreturn));
void exception_report(const struct exception_frame *frame)
{
    const char *name = frame->vector < 20 ? exception_names[frame->vector] : "reserved";
    const uint8_t *code = (const uint8_t *)frame->eip;
    print("\nfloatdemo: exception %u (%s), error code 0x%x, at eip 0x%08x: %02x %02x %02x %02x\n",
          (unsigned)frame->vector, name, (unsigned)frame->error_code, (unsigned)frame->eip,
          code[0], code[1], code[2], code[3]);
    guest_exit(EXIT_EXCEPTION_BASE + frame->vector);
}
