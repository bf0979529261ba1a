/* The console on COM1: output with newline translation, and line input with
 * editing (backspace/delete, Ctrl-U, Ctrl-C; escape sequences are ignored). */
#include "io.h"
#include "kernel.h"
#include "lib.h"

void console_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    serial_putc(c);
}

void console_write(const char *s, uint32_t len)
{
    while (len--)
        console_putc(*s++);
}

void console_puts(const char *s)
{
    while (*s)
        console_putc(*s++);
}

int kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_puts(buf);
    return n;
}

/* Waits for the next received byte with the CPU halted in between. */
static int console_getc(void)
{
    int idle = 0;
    for (;;) {
        int c;
        cpu_cli();
        c = serial_getc();
        if (c >= 0) {
            if (idle)
                timer_idle(0);
            cpu_sti();
            return c;
        }
        /* Nothing to do until a key arrives: let the tick slow down. */
        if (!idle && timer_idle) {
            timer_idle(1);
            idle = 1;
        }
        cpu_sti_hlt();
    }
}

enum { ST_NORMAL, ST_ESC, ST_CSI };

uint32_t console_readline(char *buf, uint32_t size)
{
    uint32_t len = 0;
    int state = ST_NORMAL;
    static int last_was_cr;

    for (;;) {
        int c = console_getc();

        if (state == ST_ESC) {
            state = (c == '[' || c == 'O') ? ST_CSI : ST_NORMAL;
            continue;
        }
        if (state == ST_CSI) {
            if (c >= 0x40 && c <= 0x7E)
                state = ST_NORMAL;          /* final byte */
            continue;
        }

        if (c == '\n' && last_was_cr) {     /* the LF of a CR LF pair */
            last_was_cr = 0;
            continue;
        }
        last_was_cr = c == '\r';

        switch (c) {
        case '\r':
        case '\n':
            console_puts("\n");
            buf[len] = 0;
            return len;
        case 0x08:                          /* backspace */
        case 0x7F:                          /* delete, sent by most terminals */
            if (len) {
                len--;
                console_puts("\b \b");
            }
            break;
        case 0x15:                          /* Ctrl-U: erase the line */
            while (len) {
                len--;
                console_puts("\b \b");
            }
            break;
        case 0x03:                          /* Ctrl-C: abandon the line */
            console_puts("^C\n");
            buf[0] = 0;
            return 0;
        case 0x1B:
            state = ST_ESC;
            break;
        case '\t':
            c = ' ';
            /* fall through */
        default:
            if (c >= 0x20 && c < 0x7F && len + 1 < size) {
                buf[len++] = (char)c;
                console_putc((char)c);
            }
            break;
        }
    }
}
