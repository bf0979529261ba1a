/* floatdemo's runtime: COM1 output, its own printf, the exit port, the x87
 * control and status words, and the helpers the test sections share. */
#ifndef FLOATDEMO_RUNTIME_H
#define FLOATDEMO_RUNTIME_H

#include <stdarg.h>
#include <stdint.h>

/* A value the compiler cannot see through: it goes through memory under an
 * empty asm that claims to change it, so the FPU, not gcc's constant folder,
 * computes whatever uses it. (Storing a float or double also rounds it from
 * the x87's extended precision to its own.) */
#define OPAQUE(x) ({ __auto_type opaque_ = (x); __asm__ volatile("" : "+m"(opaque_)); opaque_; })

/* console.c */
void console_init(void);
void console_putc(char c);
void console_write(const char *s);

/* format.c: %d %i %u %x %X %c %s %% and %f %F %e %E %g %G, with the flags
 * - + space 0 #, width and precision (either may be *), and the length
 * modifiers hh h l ll (integers) and L (long double). */
int print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vformat(char *out, int size, const char *fmt, va_list ap);
int format(char *out, int size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* decimal.c: the decimal digits of a positive finite long double. */
#define DECIMAL_MAX_DIGITS 19
int decimal_digits(long double v, int count, char *digits);
long double decimal_scaled_integer(long double v, int k);

/* exceptions.c */
void exceptions_init(void);
void guest_exit(unsigned status) __attribute__((noreturn));

/* fpu.c */
void fpu_init(void);
uint16_t fpu_control_word(void);
void fpu_set_control_word(uint16_t cw);
uint16_t fpu_status_word(void);
uint16_t fpu_tag_word(void);
void fpu_clear_exceptions(void);
uint16_t fpu_exception_flags(void);
uint32_t read_cr0(void);

/* x87 control word fields. */
#define FPU_CW_DEFAULT   0x037F          /* all exceptions masked, extended precision, round to nearest */
#define FPU_RC_NEAREST   0x0000
#define FPU_RC_DOWN      0x0400
#define FPU_RC_UP        0x0800
#define FPU_RC_ZERO      0x0C00
#define FPU_PC_SINGLE    0x0000
#define FPU_PC_DOUBLE    0x0200
#define FPU_PC_EXTENDED  0x0300

/* x87 status word exception flags. */
#define FPU_IE 0x01
#define FPU_DE 0x02
#define FPU_ZE 0x04
#define FPU_OE 0x08
#define FPU_UE 0x10
#define FPU_PE 0x20

/* report.c: one line per value, its decimal form and its bits, so that a
 * difference from the reference output names the value and the bits. */
void section(const char *name);
void show_f(const char *label, float v);
void show_d(const char *label, double v);
void show_ld(const char *label, long double v);
void show_i(const char *label, int32_t v);
void show_ll(const char *label, int64_t v);
void show_flags(const char *label, uint16_t flags);
void check(const char *what, int ok);
int checks_failed(void);
uint32_t bits_f(float v);
uint64_t bits_d(double v);
float float_from_bits(uint32_t bits);
double double_from_bits(uint64_t bits);
long double long_double_from_bits(uint16_t sign_exponent, uint64_t significand);

/* The sections, in the order main runs them. */
void section_fpu_state(void);
void section_float(void);
void section_double(void);
void section_long_double(void);
void section_conversions(void);
void section_comparisons(void);
void section_special_values(void);
void section_denormals(void);
void section_exception_flags(void);
void section_control_modes(void);
void section_x87_exact(void);
void section_numeric(void);
void section_printf(void);
void section_transcendental(void);

#endif
