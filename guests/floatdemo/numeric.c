/* Small numeric algorithms, the kind of code real programs run: series for
 * pi and e, Newton's method, Kahan summation, a 3x3 matrix inverse by
 * Gauss-Jordan elimination with partial pivoting, Horner's rule. */
#include "runtime.h"

/* arctan(1/n) = sum (-1)^k / ((2k+1) n^(2k+1)), in long double. */
static long double arctan_of_reciprocal(int n)
{
    long double x = 1.0L / n, x2 = x * x, term = x, sum = 0.0L;
    for (int k = 0; k < 40; k++) {
        long double t = term / (2 * k + 1);
        sum += k & 1 ? -t : t;
        term *= x2;
    }
    return sum;
}

static double newton_sqrt(double a, int *iterations)
{
    double x = a > 1.0 ? a : 1.0;
    for (*iterations = 0; *iterations < 100; ++*iterations) {
        double next = OPAQUE(0.5 * (x + a / x));
        if (next >= x) break;
        x = next;
    }
    return x;
}

/* Solves A * X = I in place: the inverse, or 0 if A is singular. */
static int invert3(double a[3][3], double inverse[3][3])
{
    double m[3][6];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            m[i][j] = a[i][j];
            m[i][j + 3] = i == j;
        }
    }
    for (int col = 0; col < 3; col++) {
        int pivot = col;
        for (int r = col + 1; r < 3; r++) {
            if (__builtin_fabs(m[r][col]) > __builtin_fabs(m[pivot][col])) pivot = r;
        }
        if (m[pivot][col] == 0.0) return 0;
        for (int j = 0; j < 6; j++) {
            double t = m[col][j];
            m[col][j] = m[pivot][j];
            m[pivot][j] = t;
        }
        double p = m[col][col];
        for (int j = 0; j < 6; j++) m[col][j] /= p;
        for (int r = 0; r < 3; r++) {
            if (r == col) continue;
            double f = m[r][col];
            for (int j = 0; j < 6; j++) m[r][j] -= f * m[col][j];
        }
    }
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) inverse[i][j] = m[i][j + 3];
    }
    return 1;
}

void section_numeric(void)
{
    section("numeric algorithms");
    long double pi = 16.0L * arctan_of_reciprocal(OPAQUE(5)) - 4.0L * arctan_of_reciprocal(OPAQUE(239));
    show_ld("pi by Machin's formula", pi);
    print("%-34s %.18Lf\n", "pi (%.18Lf)", pi);
    double leibniz = 0.0;
    for (int k = 0; k < 2000; k++) leibniz += (k & 1 ? -4.0 : 4.0) / (2 * k + 1);
    show_d("pi by 2000 terms of Leibniz", OPAQUE(leibniz));

    long double e = 0.0L, term = 1.0L;
    for (int k = 1; k < 30; k++) {
        e += term;
        term /= OPAQUE(k);
    }
    show_ld("e = sum 1/k!", e);
    print("%-34s %.15Le\n", "e (%.15Le)", e);

    int iterations;
    double root = newton_sqrt(OPAQUE(2.0), &iterations);
    show_d("Newton sqrt(2)", root);
    print("%-34s %d\n", "Newton iterations", iterations);
    check("Newton sqrt(2) == fsqrt sqrt(2)", root == OPAQUE(__builtin_sqrt(OPAQUE(2.0))));
    root = newton_sqrt(OPAQUE(1e10), &iterations);
    show_d("Newton sqrt(1e10)", root);

    float naive = 0.0f, kahan = 0.0f, compensation = 0.0f;
    for (int i = 0; i < 10000; i++) {
        float x = OPAQUE(0.1f);
        naive = OPAQUE(naive + x);
        float y = OPAQUE(x - compensation);
        float t = OPAQUE(kahan + y);
        compensation = OPAQUE(OPAQUE(t - kahan) - y);
        kahan = t;
    }
    show_f("10000 * 0.1f, naive float sum", naive);
    show_f("10000 * 0.1f, Kahan float sum", kahan);
    check("the Kahan sum is closer to 1000", __builtin_fabsf(kahan - 1000.0f) < __builtin_fabsf(naive - 1000.0f));

    double a[3][3] = {{4.0, -2.0, 1.0}, {-2.0, 4.0, -2.0}, {1.0, -2.0, 3.0}}, inverse[3][3];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) a[i][j] = OPAQUE(a[i][j]);
    }
    int invertible = invert3(a, inverse);
    print("%-34s %d\n", "invertible", invertible);
    double worst = 0.0;
    for (int i = 0; i < 3; i++) {
        print("inverse row %d: %12.8f %12.8f %12.8f  [%016llx %016llx %016llx]\n", i, inverse[i][0],
              inverse[i][1], inverse[i][2], bits_d(inverse[i][0]), bits_d(inverse[i][1]), bits_d(inverse[i][2]));
        for (int j = 0; j < 3; j++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++) s += a[i][k] * inverse[k][j];
            double residual = __builtin_fabs(s - (i == j));
            if (residual > worst) worst = residual;
        }
    }
    print("%-34s %.3e\n", "largest |A * inverse - I|", worst);
    check("A * inverse is I to 1e-14", worst < 1e-14);

    /* 2x^3 - 3x^2 + 0.5x - 7 at 1.5f, 1.1 and 1.1L, by Horner's rule, in all three types. */
    float xf = OPAQUE(1.5f);
    double xd = OPAQUE(1.1);
    long double xl = OPAQUE(1.1L);
    show_f("Horner p(1.5f)", OPAQUE(((2.0f * xf - 3.0f) * xf + 0.5f) * xf - 7.0f));
    show_d("Horner p(1.1)", OPAQUE(((2.0 * xd - 3.0) * xd + 0.5) * xd - 7.0));
    show_ld("Horner p(1.1L)", ((2.0L * xl - 3.0L) * xl + 0.5L) * xl - 7.0L);
}
