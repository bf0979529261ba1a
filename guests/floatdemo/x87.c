/* The x87's state after fpu_init, and its instructions whose results are
 * exact (or correctly rounded constants): FLDPI and the other constants,
 * FSCALE, FXTRACT, FPREM, FPREM1, FABS, FCHS, FXAM, FXCH and the stack. */
#include "runtime.h"

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)

#define LOAD_CONSTANT(instruction) ({ long double c_; __asm__(instruction : "=t"(c_)); c_; })

static long double scale(long double x, long double power_of_two)
{
    __asm__("fscale" : "+t"(x) : "u"(power_of_two));
    return x;
}

/* FXTRACT: x = significand * 2^exponent, significand in [1, 2). */
static void extract(long double x, long double *significand, long double *exponent)
{
    long double s, e;
    __asm__("fxtract" : "=t"(s), "=u"(e) : "0"(x));
    *significand = s;
    *exponent = e;
}

/* FPREM (truncating) or FPREM1 (IEEE, to nearest) until complete; the
 * quotient's low three bits come back in C0, C3, C1. */
static long double partial_remainder(long double x, long double y, int ieee, unsigned *quotient_bits)
{
    uint16_t sw;
    do {
        if (ieee) __asm__("fprem1\n\tfnstsw %0" : "=a"(sw), "+t"(x) : "u"(y));
        else __asm__("fprem\n\tfnstsw %0" : "=a"(sw), "+t"(x) : "u"(y));
    } while (sw & 0x0400);
    *quotient_bits = (sw >> 8 & 1) << 2 | (sw >> 14 & 1) << 1 | (sw >> 9 & 1);
    return x;
}

/* FXAM's class in C3 C2 C0, and the sign in C1. */
static unsigned examine(long double x)
{
    uint16_t sw;
    __asm__("fxam\n\tfnstsw %0" : "=a"(sw) : "t"(x));
    return (sw >> 14 & 1) << 3 | (sw >> 10 & 1) << 2 | (sw >> 8 & 1) << 1 | (sw >> 9 & 1);
}

void section_fpu_state(void)
{
    section("x87 state after set-up");
    uint32_t cr0 = read_cr0();
    print("cr0 MP %u EM %u TS %u ET %u NE %u\n", !!(cr0 & CR0_MP), !!(cr0 & CR0_EM), !!(cr0 & CR0_TS),
          !!(cr0 & CR0_ET), !!(cr0 & CR0_NE));
    print("control word %04x, status word %04x, tag word %04x\n", fpu_control_word(), fpu_status_word(),
          fpu_tag_word());
    long double held = OPAQUE(1.5L);
    uint16_t sw;
    uint32_t env[7];
    /* One value on the stack: TOP is 7 and register 7 is tagged valid. */
    __asm__ volatile("fldt %2\n\tfnstsw %0\n\tfnstenv %1\n\tfldenv %1\n\tfstp %%st(0)"
                     : "=a"(sw), "=m"(env)
                     : "m"(held));
    print("after one FLD: TOP %u, tag word %04x\n", (sw >> 11) & 7, (unsigned)(uint16_t)env[2]);
    print("tag word with nothing loaded again: %04x\n", fpu_tag_word());
}

void section_x87_exact(void)
{
    section("x87 constants and exact operations");
    show_ld("fld1", LOAD_CONSTANT("fld1"));
    show_ld("fldz", LOAD_CONSTANT("fldz"));
    show_ld("fldpi", LOAD_CONSTANT("fldpi"));
    show_ld("fldl2e", LOAD_CONSTANT("fldl2e"));
    show_ld("fldl2t", LOAD_CONSTANT("fldl2t"));
    show_ld("fldlg2", LOAD_CONSTANT("fldlg2"));
    show_ld("fldln2", LOAD_CONSTANT("fldln2"));
    show_ld("fscale(3, 10)", scale(OPAQUE(3.0L), 10.0L));
    show_ld("fscale(3, -2.7) (truncates to -2)", scale(OPAQUE(3.0L), -2.7L));
    show_ld("fscale(1, 16384) (overflow)", scale(OPAQUE(1.0L), 16384.0L));
    long double s, e;
    extract(OPAQUE(1000.0L), &s, &e);
    show_ld("fxtract(1000) significand", s);
    show_ld("fxtract(1000) exponent", e);
    extract(OPAQUE(-0x1p-16400L), &s, &e);
    show_ld("fxtract(-2^-16400) significand", s);
    show_ld("fxtract(-2^-16400) exponent", e);
    unsigned q;
    long double r = partial_remainder(OPAQUE(17.0L), 5.0L, 0, &q);
    print("%-34s %Lg, quotient bits %u\n", "fprem(17, 5)", r, q);
    r = partial_remainder(OPAQUE(17.0L), 5.0L, 1, &q);
    /* Its quotient bits (C0, C3, C1) are not printed: QEMU leaves them 0, the SDM sets them. */
    (void)q;
    print("%-34s %Lg\n", "fprem1(17, 5)", r);
    r = partial_remainder(OPAQUE(-17.5L), 5.0L, 0, &q);
    print("%-34s %Lg, quotient bits %u\n", "fprem(-17.5, 5)", r, q);
    r = partial_remainder(OPAQUE(1e300L), OPAQUE(3.0L), 0, &q);
    print("%-34s %Lg, quotient bits %u\n", "fprem(1e300, 3) (many steps)", r, q);
    r = partial_remainder(OPAQUE(1e4000L), LOAD_CONSTANT("fldpi"), 1, &q);
    show_ld("fprem1(1e4000, pi)", r);
    show_ld("fabs(-2.5)", __builtin_fabsl(OPAQUE(-2.5L)));
    show_ld("fchs(2.5)", -OPAQUE(2.5L));
    static const char *const classes[8] = {"unsupported", "nan", "normal", "infinity",
                                           "zero", "empty", "denormal", "empty"};
    long double samples[6] = {1.0L, -0.0L, __builtin_infl(), __builtin_nanl(""), 0x1p-16440L, -3.0L};
    const char *names[6] = {"1", "-0", "inf", "nan", "2^-16440", "-3"};
    for (int i = 0; i < 6; i++) {
        unsigned c = examine(OPAQUE(samples[i]));
        print("fxam %-29s %s%s\n", names[i], c & 1 ? "negative " : "", classes[c >> 1]);
    }
    check("fldpi's bits are c90fdaa22168c235", ({
              long double pi = LOAD_CONSTANT("fldpi");
              union {
                  long double ld;
                  uint64_t m;
              } u = {.ld = pi};
              u.m == 0xc90fdaa22168c235ull;
          }));
}
