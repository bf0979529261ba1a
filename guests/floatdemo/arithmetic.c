/* The four operations and the square root in each of C's three
 * floating-point types. Inputs go through OPAQUE so the FPU computes them;
 * a float or double result is rounded to its type when it is stored. */
#include "runtime.h"

void section_float(void)
{
    section("float arithmetic");
    float a = OPAQUE(1.1f), b = OPAQUE(2.2f), third = OPAQUE(3.0f);
    show_f("1.1f + 2.2f", OPAQUE(a + b));
    show_f("1.1f * 2.2f", OPAQUE(a * b));
    show_f("1.1f / 2.2f", OPAQUE(a / b));
    show_f("2.2f - 1.1f", OPAQUE(b - a));
    show_f("1.0f / 3.0f", OPAQUE(1.0f / third));
    show_f("0.1f + 0.2f", OPAQUE(OPAQUE(0.1f) + OPAQUE(0.2f)));
    show_f("sqrtf(2.2f)", OPAQUE(__builtin_sqrtf(b)));
    show_f("16777216.0f + 1.0f", OPAQUE(OPAQUE(16777216.0f) + 1.0f));
    show_f("16777216.0f + 3.0f", OPAQUE(OPAQUE(16777216.0f) + 3.0f));
    show_f("-7.5f * 0.25f", OPAQUE(OPAQUE(-7.5f) * 0.25f));
    show_f("3.4e38f * 10 (overflow)", OPAQUE(OPAQUE(3.4e38f) * 10.0f));
    check("float: 0.5f + 0.25f == 0.75f exactly", OPAQUE(OPAQUE(0.5f) + OPAQUE(0.25f)) == 0.75f);
    check("float: sqrtf(16) == 4", OPAQUE(__builtin_sqrtf(OPAQUE(16.0f))) == 4.0f);
}

void section_double(void)
{
    section("double arithmetic");
    double a = OPAQUE(1.1), b = OPAQUE(2.2), three = OPAQUE(3.0);
    show_d("1.1 + 2.2", OPAQUE(a + b));
    show_d("1.1 * 2.2", OPAQUE(a * b));
    show_d("1.1 / 2.2", OPAQUE(a / b));
    show_d("2.2 - 1.1", OPAQUE(b - a));
    show_d("1.0 / 3.0", OPAQUE(1.0 / three));
    show_d("0.1 + 0.2", OPAQUE(OPAQUE(0.1) + OPAQUE(0.2)));
    show_d("sqrt(2.0)", OPAQUE(__builtin_sqrt(OPAQUE(2.0))));
    show_d("sqrt(1e300)", OPAQUE(__builtin_sqrt(OPAQUE(1e300))));
    show_d("9007199254740992.0 + 1.0", OPAQUE(OPAQUE(9007199254740992.0) + 1.0));
    show_d("1e308 * 10 (overflow)", OPAQUE(OPAQUE(1e308) * 10.0));
    show_d("123456789.0 * 987654321.0", OPAQUE(OPAQUE(123456789.0) * OPAQUE(987654321.0)));
    show_d("-1e-300 / 3e10", OPAQUE(OPAQUE(-1e-300) / OPAQUE(3e10)));
    check("double: 0.1 + 0.2 != 0.3", OPAQUE(OPAQUE(0.1) + OPAQUE(0.2)) != 0.3);
    check("double: sqrt(2)^2 within 1 ulp of 2", ({
              double r = OPAQUE(__builtin_sqrt(OPAQUE(2.0)));
              double sq = OPAQUE(r * r);
              sq == 2.0 || sq == 2.0000000000000004;
          }));
}

void section_long_double(void)
{
    section("long double arithmetic");
    long double a = OPAQUE(1.1L), b = OPAQUE(2.2L), three = OPAQUE(3.0L);
    show_ld("1.1L + 2.2L", a + b);
    show_ld("1.1L * 2.2L", a * b);
    show_ld("1.1L / 2.2L", a / b);
    show_ld("2.2L - 1.1L", b - a);
    show_ld("1.0L / 3.0L", 1.0L / three);
    show_ld("sqrtl(2.0L)", __builtin_sqrtl(OPAQUE(2.0L)));
    show_ld("sqrtl(3.0L)", __builtin_sqrtl(three));
    show_ld("2^64 + 1 (65 bits, rounds)", OPAQUE(18446744073709551616.0L) + 1.0L);
    show_ld("2^63 + 1 (64 bits, exact)", OPAQUE(9223372036854775808.0L) + 1.0L);
    show_ld("1e4000L * 1e-3000L", OPAQUE(1e4000L) * OPAQUE(1e-3000L));
    show_ld("1e4000L * 1e1000L (overflow)", OPAQUE(1e4000L) * OPAQUE(1e1000L));
    show_ld("1e-4000L * 1e-940L (denormal)", OPAQUE(1e-4000L) * OPAQUE(1e-940L));
    show_ld("-5.0L / 7.0L", OPAQUE(-5.0L) / OPAQUE(7.0L));
    long double r = __builtin_sqrtl(OPAQUE(2.0L));
    check("long double: 2^63 + 1 is exact", OPAQUE(9223372036854775808.0L) + 1.0L - 9223372036854775808.0L == 1.0L);
    check("long double: sqrtl(2)^2 - 2 is tiny but not zero", ({
              long double e = r * r - 2.0L;
              e != 0.0L && e < 1e-18L && e > -1e-18L;
          }));
}
