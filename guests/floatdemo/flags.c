/* The x87's sticky exception flags after single operations (all exceptions
 * masked, so each gives its default result and only sets its flag), and the
 * rounding and precision control fields of the control word.
 *
 * DE (denormal operand) is left out of the flags shown: whether loading a
 * float or double denormal sets it is checked by the CPU differential suite;
 * here it would only repeat that. */
#include "runtime.h"

#define SHOWN_FLAGS (FPU_IE | FPU_ZE | FPU_OE | FPU_UE | FPU_PE)

/* Runs one expression between FNCLEX and FNSTSW. Its operands are OPAQUE at
 * the point of use and its result is stored by OPAQUE, and volatile asms keep
 * their order, so the operation cannot move out from between the two. */
#define FLAGS_OF(label, expression)                                      \
    do {                                                                 \
        fpu_clear_exceptions();                                          \
        (void)OPAQUE(expression);                                        \
        show_flags(label, fpu_exception_flags() & SHOWN_FLAGS);          \
    } while (0)

void section_exception_flags(void)
{
    section("exception flags (masked)");
    double one = OPAQUE(1.0), zero = OPAQUE(0.0), three = OPAQUE(3.0);
    float fone = OPAQUE(1.0f);
    FLAGS_OF("1.0 + 1.0", OPAQUE(one) + OPAQUE(one));
    FLAGS_OF("1.0 / 3.0", OPAQUE(one) / OPAQUE(three));
    FLAGS_OF("1.0 / 0.0", OPAQUE(one) / OPAQUE(zero));
    FLAGS_OF("0.0 / 0.0", OPAQUE(zero) / OPAQUE(zero));
    FLAGS_OF("sqrt(-1.0)", __builtin_sqrt(-OPAQUE(one)));
    FLAGS_OF("1e308 * 10 (stored as double)", OPAQUE(1e308) * 10.0);
    FLAGS_OF("1e-308 * 1e-10 (stored as double)", OPAQUE(1e-308) * OPAQUE(1e-10));
    FLAGS_OF("2^-1074 * 0.5 (stored as double)", OPAQUE(4.9406564584124654e-324) * 0.5);
    FLAGS_OF("1e30f * 1e30f (stored as float)", OPAQUE(1e30f) * OPAQUE(1e30f));
    FLAGS_OF("1.0f / 3.0f (stored as float)", OPAQUE(fone) / OPAQUE(3.0f));
    FLAGS_OF("1e4000L * 1e1000L", OPAQUE(1e4000L) * OPAQUE(1e1000L));
    FLAGS_OF("1e-4000L * 1e-940L (denormal)", OPAQUE(1e-4000L) * OPAQUE(1e-940L));
    FLAGS_OF("1e-4000L * 1e-1000L (to zero)", OPAQUE(1e-4000L) * OPAQUE(1e-1000L));
    FLAGS_OF("inf - inf", OPAQUE(__builtin_inf()) - OPAQUE(__builtin_inf()));
    FLAGS_OF("qnan + 1", OPAQUE(__builtin_nan("")) + OPAQUE(one));
    FLAGS_OF("snan + 1", OPAQUE(double_from_bits(0x7ff0000000000001ull)) + OPAQUE(one));
    FLAGS_OF("(int)3e9", (int)OPAQUE(3e9));
    FLAGS_OF("(int)2.5", (int)OPAQUE(2.5));
    FLAGS_OF("(float)0.1", (float)OPAQUE(0.1));
    FLAGS_OF("(float)0.5", (float)OPAQUE(0.5));
    fpu_clear_exceptions();
}

static long double round_with_frndint(long double x)
{
    __asm__("frndint" : "+t"(x));
    return x;
}

/* FISTP in the current rounding mode (a C cast always truncates). */
static int32_t integer_in_current_mode(long double x)
{
    int32_t n;
    __asm__("fistpl %0" : "=m"(n) : "t"(x) : "st");
    return n;
}

void section_control_modes(void)
{
    static const struct {
        const char *name;
        uint16_t rc;
    } modes[4] = {
        {"nearest", FPU_RC_NEAREST}, {"down", FPU_RC_DOWN}, {"up", FPU_RC_UP}, {"toward zero", FPU_RC_ZERO},
    };
    static const long double inputs[6] = {2.5L, -2.5L, 3.5L, -0.5L, 1.25L, -1.75L};

    section("rounding control");
    for (int m = 0; m < 4; m++) {
        long double third_ld, rounded[6];
        double third_d, minus_third_d;
        float third_f;
        int32_t integers[6];
        fpu_set_control_word((FPU_CW_DEFAULT & ~0x0C00) | modes[m].rc);
        third_ld = OPAQUE(OPAQUE(1.0L) / OPAQUE(3.0L));
        third_d = OPAQUE(OPAQUE(1.0) / OPAQUE(3.0));
        minus_third_d = OPAQUE(OPAQUE(-1.0) / OPAQUE(3.0));
        third_f = OPAQUE(OPAQUE(1.0f) / OPAQUE(3.0f));
        for (int i = 0; i < 6; i++) {
            rounded[i] = OPAQUE(round_with_frndint(OPAQUE(inputs[i])));
            integers[i] = OPAQUE(integer_in_current_mode(OPAQUE(inputs[i])));
        }
        /* Every result above went through OPAQUE's volatile asm, so none is
         * computed after this; printing converts in nearest mode. */
        fpu_set_control_word(FPU_CW_DEFAULT);
        print("rc %s:\n", modes[m].name);
        show_ld("  1.0L / 3.0L", third_ld);
        show_d("  1.0 / 3.0 (stored)", third_d);
        show_d("  -1.0 / 3.0 (stored)", minus_third_d);
        show_f("  1.0f / 3.0f (stored)", third_f);
        print("  %-32s", "frndint 2.5 -2.5 3.5 -0.5 1.25 -1.75");
        for (int i = 0; i < 6; i++) print(" %Lg", rounded[i]);
        print("\n  %-32s", "fistp   2.5 -2.5 3.5 -0.5 1.25 -1.75");
        for (int i = 0; i < 6; i++) print(" %d", integers[i]);
        print("\n");
    }

    section("precision control");
    static const struct {
        const char *name;
        uint16_t pc;
    } precisions[3] = {{"24 bits", FPU_PC_SINGLE}, {"53 bits", FPU_PC_DOUBLE}, {"64 bits", FPU_PC_EXTENDED}};
    for (int p = 0; p < 3; p++) {
        fpu_set_control_word((FPU_CW_DEFAULT & ~0x0300) | precisions[p].pc);
        long double third = OPAQUE(OPAQUE(1.0L) / OPAQUE(3.0L));
        long double root = OPAQUE(__builtin_sqrtl(OPAQUE(2.0L)));
        long double sum = OPAQUE(OPAQUE(1.0L) + OPAQUE(0x1p-30L));
        long double big = OPAQUE(OPAQUE(0x1p16000L) * OPAQUE(0x1p300L));   /* the exponent range stays extended */
        fpu_set_control_word(FPU_CW_DEFAULT);
        print("pc %s:\n", precisions[p].name);
        show_ld("  1.0L / 3.0L", third);
        show_ld("  sqrtl(2.0L)", root);
        show_ld("  1 + 2^-30", sum);
        show_ld("  2^16000 * 2^300", big);
    }
    check("control word is back to 0x037f", fpu_control_word() == FPU_CW_DEFAULT);
}
