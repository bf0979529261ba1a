/* tinyos: a small Hyper-V-unaware kernel that uses only emulated devices. */
#include "io.h"
#include "kernel.h"
#include "multiboot.h"

void kmain(void)
{
    serial_init();
    meminfo_save(boot_magic, boot_info);
    gdt_init();
    idt_init();
    pic_init();
    pit_init();
    irq_set_handler(4, serial_irq);
    serial_enable_rx_irq();
    pic_unmask(4);
    cpu_sti();

    kprintf("tinyos " TINYOS_VERSION " (hv guest) - type 'help'\n");
    if (boot_magic != MULTIBOOT_BOOTLOADER_MAGIC)
        kprintf("warning: not started by a Multiboot loader (eax=%08x)\n", boot_magic);
    shell_run();
}
