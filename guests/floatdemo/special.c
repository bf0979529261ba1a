/* Signed zeros, infinities, NaNs (quiet, signalling, the real indefinite the
 * x87 makes of an invalid operation) and the denormals of float and double,
 * which the x87 holds as normal extended numbers and rounds when storing. */
#include "runtime.h"

void section_special_values(void)
{
    section("signed zeros, infinities, NaNs");
    double zero = OPAQUE(0.0), negative_zero = OPAQUE(-0.0), one = OPAQUE(1.0);
    double inf = OPAQUE(__builtin_inf());
    show_d("-0.0", negative_zero);
    show_d("0.0 * -1.0", OPAQUE(zero * -one));
    show_d("-0.0 + 0.0", OPAQUE(negative_zero + zero));
    show_d("-0.0 - 0.0", OPAQUE(negative_zero - zero));
    show_d("-0.0 * -0.0", OPAQUE(negative_zero * negative_zero));
    show_d("1.0 / -0.0", OPAQUE(one / negative_zero));
    show_d("1.0 / inf", OPAQUE(one / inf));
    show_d("-1.0 / inf", OPAQUE(-one / inf));
    show_d("sqrt(-0.0)", OPAQUE(__builtin_sqrt(negative_zero)));
    show_d("inf + inf", OPAQUE(inf + inf));
    show_d("inf - inf (indefinite)", OPAQUE(inf - inf));
    show_d("inf * 0 (indefinite)", OPAQUE(inf * zero));
    show_d("0 / 0 (indefinite)", OPAQUE(zero / zero));
    show_d("sqrt(-1) (indefinite)", OPAQUE(__builtin_sqrt(-one)));
    show_d("-(0 / 0)", OPAQUE(-OPAQUE(zero / zero)));
    double payload = OPAQUE(double_from_bits(0x7ff8000000012345ull));
    show_d("qnan(0x12345) + 1", OPAQUE(payload + one));
    show_d("1 + qnan(0x12345)", OPAQUE(one + payload));
    double signalling = OPAQUE(double_from_bits(0x7ff0000000054321ull));
    show_d("snan(0x54321) + 1 (quietened)", OPAQUE(signalling + one));
    show_f("(float)qnan(0x12345 << 29)", OPAQUE((float)OPAQUE(double_from_bits(0x7ff8002468a00000ull))));
    show_ld("(long double)-inf", (long double)OPAQUE(-__builtin_inf()));
    show_ld("(long double)qnan(0x12345)", (long double)payload);
    show_ld("0.0L / 0.0L", OPAQUE(0.0L) / OPAQUE(0.0L));
    print("%-34s %f %e %g %Lf %F %E\n", "printf of inf -inf nan -inf INF -NAN", inf, -inf, payload,
          (long double)-inf, inf, OPAQUE(zero / zero));
    check("1 / -0.0 == -inf", OPAQUE(one / negative_zero) == -inf);
    check("signbit(-0.0) && !signbit(0.0)", __builtin_signbit(negative_zero) && !__builtin_signbit(zero));
}

void section_denormals(void)
{
    section("denormals");
    float fmin = OPAQUE(1.17549435e-38f);
    show_f("FLT_MIN / 2", OPAQUE(fmin / 2.0f));
    show_f("FLT_MIN / 3", OPAQUE(fmin / 3.0f));
    show_f("2^-149 (smallest)", OPAQUE(OPAQUE(0x1p-149f) * 1.0f));
    show_f("2^-149 / 2 (halfway, to even: 0)", OPAQUE(OPAQUE(0x1p-149f) / 2.0f));
    show_f("3 * 2^-150 (halfway, to even)", OPAQUE(OPAQUE(0x1p-149f) * 1.5f));
    show_f("2^-149 * 0.75 (rounds up)", OPAQUE(OPAQUE(0x1p-149f) * 0.75f));
    show_f("denormal + denormal", OPAQUE(OPAQUE(0x1p-140f) + OPAQUE(0x1p-141f)));
    show_f("denormal * 2^30 (normal again)", OPAQUE(OPAQUE(0x3p-140f) * 0x1p30f));
    double dmin = OPAQUE(2.2250738585072014e-308);
    show_d("DBL_MIN / 2", OPAQUE(dmin / 2.0));
    show_d("DBL_MIN / 3", OPAQUE(dmin / 3.0));
    show_d("2^-1074 (smallest)", OPAQUE(OPAQUE(4.9406564584124654e-324) * 1.0));
    show_d("2^-1074 / 2 (halfway, to even: 0)", OPAQUE(OPAQUE(4.9406564584124654e-324) / 2.0));
    show_d("3 * 2^-1075 (halfway, to even)", OPAQUE(OPAQUE(4.9406564584124654e-324) * 1.5));
    show_d("1e-310 * 1e-10", OPAQUE(OPAQUE(1e-310) * OPAQUE(1e-10)));
    show_d("1e-310 * 1e300 (normal again)", OPAQUE(OPAQUE(1e-310) * OPAQUE(1e300)));
    show_d("(double)(float denormal)", OPAQUE((double)OPAQUE(0x1p-140f)));
    show_f("(float)1e-40 (to a denormal)", OPAQUE((float)OPAQUE(1e-40)));
    show_f("(float)1e-46 (to zero)", OPAQUE((float)OPAQUE(1e-46)));
    show_ld("(long double)4.9e-324 (normal in 80 bits)", (long double)OPAQUE(4.9406564584124654e-324));
    show_ld("2^-16445 (smallest long double)", OPAQUE(long_double_from_bits(0x0000, 1)));
    show_ld("2^-16382 / 4 (long double denormal)", OPAQUE(0x1p-16382L) / 4.0L);
    print("%-34s %e %.3e %g\n", "printf of denormals", OPAQUE(dmin / 3.0), OPAQUE(4.9406564584124654e-324),
          OPAQUE(1e-310));
    check("FLT_MIN / 2 is 0x00400000", bits_f(OPAQUE(fmin / 2.0f)) == 0x00400000);
    check("2^-1074 / 2 == 0", OPAQUE(OPAQUE(4.9406564584124654e-324) / 2.0) == 0.0);
}
