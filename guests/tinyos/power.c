/* Leaving the machine: reset through the i8042, ACPI soft-off, and the
 * test-exit port. */
#include "io.h"
#include "kernel.h"

#define I8042_STATUS 0x64
#define I8042_CMD    0x64
#define I8042_INPUT_FULL 0x02
#define I8042_PULSE_RESET 0xFE

#define ACPI_PM1A_CNT 0x604
#define ACPI_SLP_EN   0x2000    /* SLP_EN with SLP_TYP 0: soft-off on QEMU's PIIX4 PM */

#define EXIT_PORT 0xF4          /* isa-debug-exit: status becomes (value << 1) | 1 */

void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void cmd_reboot(void)
{
    int spins = 100000;
    kprintf("reboot: pulsing the reset line (i8042 command 0xFE to port 0x64)\n");
    while ((inb(I8042_STATUS) & I8042_INPUT_FULL) && --spins)
        ;
    outb(I8042_CMD, I8042_PULSE_RESET);
    timer_sleep(TIMER_HZ / 2);
    kprintf("reboot: still running; forcing a triple fault\n");
    reboot_triple_fault();
}

void cmd_poweroff(void)
{
    kprintf("poweroff: ACPI PM1a_CNT (port 0x604) <- 0x2000\n");
    outw(ACPI_PM1A_CNT, ACPI_SLP_EN);
    timer_sleep(TIMER_HZ / 2);
    kprintf("poweroff: still running; writing 0 to the exit port 0xF4\n");
    outb(EXIT_PORT, 0);
    timer_sleep(TIMER_HZ / 2);
    kprintf("poweroff: no way to turn the machine off; halting\n");
    halt_forever();
}

void test_exit(uint8_t status)
{
    outb(EXIT_PORT, status);
}
