/* The IDT of tinyos-hv: exceptions 0-31 report and halt (except a #GP on one
 * of the MSR accessors, which is recovered), 0x20-0x2F for the 8259's IRQs or
 * the local APIC timer and the I/O APIC's COM1 pin, 0x40 for the SynIC's
 * SINT2, 0xFF the local APIC's spurious vector, and the system call gate. */
#include "io.h"
#include "kernel.h"
#include "hv.h"

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attr;
    uint16_t offset_high;
} __attribute__((packed));

struct table_register {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

#define GATE_INTERRUPT 0x8E
#define GATE_TRAP_USER 0xEF

extern const uint32_t isr_table[48];
extern void isr_syscall(void);
void idt_load(const struct table_register *idtr);

static struct idt_gate idt[256] __attribute__((aligned(8)));
static irq_handler_t irq_handlers[16];
static uint32_t spurious_count;

static void set_gate(unsigned vector, uint32_t handler, uint8_t type_attr)
{
    idt[vector].offset_low = (uint16_t)handler;
    idt[vector].selector = SEL_KERNEL_CS;
    idt[vector].zero = 0;
    idt[vector].type_attr = type_attr;
    idt[vector].offset_high = (uint16_t)(handler >> 16);
}

void idt_init(void)
{
    struct table_register idtr;
    unsigned v;

    for (v = 0; v < 48; v++)
        set_gate(v, isr_table[v], GATE_INTERRUPT);
    set_gate(VEC_SINT, (uint32_t)isr_64, GATE_INTERRUPT);
    set_gate(VEC_SPURIOUS, (uint32_t)isr_255, GATE_INTERRUPT);
    set_gate(SYSCALL_VECTOR, (uint32_t)isr_syscall, GATE_TRAP_USER);

    idtr.limit = sizeof idt - 1;
    idtr.base = (uint32_t)idt;
    idt_load(&idtr);
}

void irq_set_handler(unsigned irq, irq_handler_t handler)
{
    irq_handlers[irq] = handler;
}

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
    "#OF overflow", "#BR bound range exceeded", "#UD invalid opcode",
    "#NM device not available", "#DF double fault",
    "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
    "#MF x87 floating-point error", "#AC alignment check", "#MC machine check",
    "#XM SIMD floating-point", "#VE virtualization", "#CP control protection",
};

static uint32_t read_cr(int n)
{
    uint32_t v = 0;
    switch (n) {
    case 0: __asm__ volatile("mov %%cr0, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%cr2, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%cr3, %0" : "=r"(v)); break;
    }
    return v;
}

static void exception(struct int_frame *f)
{
    const char *name = exception_names[f->vector];
    int from_user = (f->cs & 3) != 0;
    uint32_t esp = from_user ? f->user_esp : (uint32_t)&f->user_esp;
    uint32_t ss = from_user ? f->user_ss : read_ss();

    /* RDMSR/WRMSR of an MSR the hypervisor does not implement: skip the
     * instruction and let msr_read/msr_write report the failure. */
    if (f->vector == 13 && !from_user &&
        (f->eip == (uint32_t)msr_read_insn || f->eip == (uint32_t)msr_write_insn)) {
        msr_fault = 1;
        f->eip += 2;
        return;
    }

    kprintf("\n*** exception %u (%s), error code 0x%08x, in ring %u\n",
            f->vector, name ? name : "reserved", f->error, f->cs & 3);
    kprintf("eax=%08x ebx=%08x ecx=%08x edx=%08x\n", f->eax, f->ebx, f->ecx, f->edx);
    kprintf("esi=%08x edi=%08x ebp=%08x esp=%08x\n", f->esi, f->edi, f->ebp, esp);
    kprintf("eip=%08x eflags=%08x cs=%04x ss=%04x\n", f->eip, f->eflags, f->cs, ss);
    kprintf("ds=%04x es=%04x fs=%04x gs=%04x\n", f->ds, f->es, f->fs, f->gs);
    kprintf("cr0=%08x cr2=%08x cr3=%08x\n", read_cr(0), read_cr(2), read_cr(3));
    kprintf("*** system halted\n");
    halt_forever();
}

void interrupt_dispatch(struct int_frame *f)
{
    if (f->vector < 32) {
        exception(f);
    } else if (f->vector < 48) {
        if (apic_mode) {
            if (f->vector == VEC_APIC_TIMER)
                timer_tick();
            else if (f->vector == VEC_COM1)
                serial_irq();
            lapic_eoi();
        } else {
            unsigned irq = f->vector - PIC_VECTOR_BASE;
            if (pic_is_spurious(irq))
                return;
            if (irq_handlers[irq])
                irq_handlers[irq]();
            pic_eoi(irq);
        }
    } else if (f->vector == VEC_SINT) {
        hv_sint_interrupt();
        lapic_eoi();
    } else if (f->vector == VEC_SPURIOUS) {
        spurious_count++;           /* no EOI for the spurious vector */
    } else if (f->vector == SYSCALL_VECTOR) {
        syscall_handle(f);
    }
}
