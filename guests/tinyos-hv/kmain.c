/* tinyos-hv: tinyos made Hyper-V aware. It boots like tinyos, then finds the
 * hypervisor, says who it is (the guest OS ID), enables the hypercall page
 * and the SynIC, connects to VMBus and opens the integration services. On a
 * Generation 2 machine interrupts come through the local APIC and the I/O
 * APIC; without an I/O APIC it uses the 8259 and the PIT as tinyos does. */
#include "io.h"
#include "kernel.h"
#include "multiboot.h"
#include "hv.h"

void kmain(void)
{
    serial_init();
    meminfo_save(boot_magic, boot_info);
    gdt_init();
    idt_init();
    hv_detect();
    apic_probe();
    if (apic_mode) {
        lapic_enable(0);
        ioapic_route(4, VEC_COM1);
    } else {
        pic_init();
        lapic_enable(1);
        irq_set_handler(4, serial_irq);
        pic_unmask(4);
    }
    timer_init();
    serial_enable_rx_irq();
    cpu_sti();

    kprintf("%s " TINYOS_VERSION " (hv guest, enlightened) - type 'help'\n", HV_IMAGE_NAME);
    if (boot_magic != MULTIBOOT_BOOTLOADER_MAGIC)
        kprintf("warning: not started by a Multiboot loader (eax=%08x)\n", boot_magic);
    if (apic_mode)
        kprintf("interrupts: local APIC (id %u, version 0x%02x) and I/O APIC (version 0x%02x, %u pins); "
                "COM1 on pin 4 -> vector 0x%02x\n", lapic_id, lapic_version & 0xFF, ioapic_version & 0xFF,
                ((ioapic_version >> 16) & 0xFF) + 1, VEC_COM1);
    else
        kprintf("interrupts: 8259 PIC (no I/O APIC at 0x%08x)%s\n", IOAPIC_BASE,
                lapic_present ? ", local APIC in virtual wire mode" : "");
    if (apic_mode)
        kprintf("timer: local APIC timer, periodic at %u Hz, input %u Hz (%s)\n", TIMER_HZ, apic_timer_hz,
                apic_timer_hz_source);
    else
        kprintf("timer: PIT channel 0 at %u Hz\n", TIMER_HZ);
    hv_init();
    vmbus_init();
    shell_run();
}
