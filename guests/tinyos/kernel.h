/* tinyos: declarations shared between the kernel's parts. */
#ifndef TINYOS_KERNEL_H
#define TINYOS_KERNEL_H

#include <stdint.h>

#define TINYOS_VERSION "0.1"

/* Segment selectors (gdt.c). */
#define SEL_KERNEL_CS 0x08
#define SEL_KERNEL_DS 0x10
#define SEL_USER_CS   (0x18 | 3)
#define SEL_USER_DS   (0x20 | 3)
#define SEL_TSS       0x28

/* boot.asm */
extern uint32_t boot_magic;
extern uint32_t boot_info;
extern char _image_start[], _load_end[], _bss_end[];
int ring3_enter(int (*fn)(void), void *user_stack_top);
void ring3_leave(int status) __attribute__((noreturn));
void reboot_triple_fault(void) __attribute__((noreturn));

/* serial.c: COM1, a 16550. Output polls THRE, input arrives by IRQ 4. */
void serial_init(void);
void serial_enable_rx_irq(void);
void serial_putc(char c);
void serial_irq(void);
int serial_getc(void);          /* next received byte, or -1 when none */

/* console.c: text output with "\n" -> "\r\n", and line input. */
void console_putc(char c);
void console_write(const char *s, uint32_t len);
void console_puts(const char *s);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads an edited line into buf (at most size-1 characters); halts the CPU
 * while waiting. Returns the length. */
uint32_t console_readline(char *buf, uint32_t size);

/* gdt.c */
void gdt_init(void);
void tss_set_kernel_stack(uint32_t esp0);
uint32_t tss_kernel_stack(void);

/* idt.c */
struct int_frame {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_at_pushad, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss;     /* only when entered from ring 3 */
};
void idt_init(void);
void interrupt_dispatch(struct int_frame *f);
typedef void (*irq_handler_t)(void);
void irq_set_handler(unsigned irq, irq_handler_t handler);

/* pic.c: the two 8259s, remapped to vectors 0x20-0x2F. */
#define PIC_VECTOR_BASE 0x20
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
int pic_is_spurious(unsigned irq);  /* also sends the EOI a spurious IRQ 15 needs */
void pic_eoi(unsigned irq);

/* pit.c: channel 0 at TIMER_HZ. */
#define TIMER_HZ 100
void pit_init(void);
uint32_t timer_ticks(void);
void timer_sleep(uint32_t ticks);   /* halts between ticks */
/* Slow the tick while idle (1) or restore it (0), interrupts disabled. A
 * weak symbol: a kernel without it keeps its tick. */
void timer_idle(int idle) __attribute__((weak));

/* syscall.c: int 0x80 from ring 3. */
#define SYSCALL_VECTOR 0x80
#define SYS_WRITE 1
#define SYS_TICKS 2
#define SYS_EXIT  3
void syscall_handle(struct int_frame *f);

/* ring3.c */
void cmd_ring3(void);

/* cpuinfo.c, meminfo.c */
void cmd_cpuinfo(void);
void meminfo_save(uint32_t magic, uint32_t info);
void cmd_meminfo(void);

/* shell.c */
void shell_run(void) __attribute__((noreturn));

/* power.c */
void halt_forever(void) __attribute__((noreturn));
void cmd_reboot(void) __attribute__((noreturn));
void cmd_poweroff(void) __attribute__((noreturn));
void test_exit(uint8_t status);

#endif
