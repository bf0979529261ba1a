/* floatdemo: float, double and long double in a freestanding C program,
 * printed through its own printf, for comparing one x87 with another line by
 * line. It ends at the test-exit port with the number of its own checks
 * that failed (exceptions.c lists the statuses). */
#include "runtime.h"

void main(void) __attribute__((noreturn));
void main(void)
{
    console_init();
    exceptions_init();
    console_write("floatdemo 0.1: x87 arithmetic from gcc -m32 -O2 -march=i686\n");
    fpu_init();
    section_fpu_state();
    section_float();
    section_double();
    section_long_double();
    section_conversions();
    section_comparisons();
    section_special_values();
    section_denormals();
    section_exception_flags();
    section_control_modes();
    section_x87_exact();
    section_numeric();
    section_printf();
    section_transcendental();
    int failed = checks_failed();
    print("\nfloatdemo: done, %d of its checks failed\n", failed);
    guest_exit(failed > 99 ? 99 : failed);
}
