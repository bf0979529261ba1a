/* The formatter itself: widths, flags and precisions of every conversion,
 * and %f/%e/%g at the edges (rounding carries, halfway cases as the binary
 * value has them, the largest and smallest values). */
#include "runtime.h"

void section_printf(void)
{
    section("printf");
    double pi = OPAQUE(3.14159265358979323846);
    long double pi_l = OPAQUE(3.14159265358979323846264L);
    print("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%i]\n", 42, 42, 42, -42, 42, 42, 7, -2147483647 - 1);
    print("[%u] [%x] [%X] [%#x] [%08x] [%hx] [%hhu] [%llx] [%lld]\n", 4294967295u, 0xbeefu, 0xbeefu, 255u, 0xabcu,
          0x12345u, 300u, 0x0123456789abcdefull, -9223372036854775807LL - 1);
    print("[%c] [%3c] [%s] [%8s] [%-8s] [%.3s] [%%]\n", 'x', 'y', "str", "right", "left", "truncate");
    print("[%f] [%.0f] [%.1f] [%.10f] [%12.4f] [%-12.4f] [%012.4f] [%+.2f] [% .2f]\n", pi, pi, pi, pi, pi, pi, -pi,
          pi, pi);
    print("[%e] [%.0e] [%.3E] [%15.6e] [%-15.6e] [%+e]\n", pi, pi, pi, pi, pi, -pi);
    print("[%g] [%.3g] [%.10g] [%G] [%#g] [%g] [%g] [%g]\n", pi, pi, pi, 1e-10, 1.0, 100000.0, 1000000.0, 0.0001);
    print("[%#.0f] [%#.0e] [%*.*f] [%-*d]\n", 3.0, 3.0, 10, 3, pi, 6, 5);
    print("[%Lf] [%.20Lf] [%.18Le] [%Lg] [%.21Lg]\n", pi_l, pi_l, pi_l, pi_l, pi_l);
    print("[%.2f] [%.2f] [%.1f] [%.0f] [%.0f] [%.0f]\n", OPAQUE(0.125), OPAQUE(0.375), OPAQUE(0.25), OPAQUE(0.5),
          OPAQUE(1.5), OPAQUE(2.5));
    print("[%.2f] [%.3f] [%.1e] [%.0e] [%g]\n", OPAQUE(9.995), OPAQUE(9.9995), OPAQUE(9.96), OPAQUE(9.5),
          OPAQUE(999999.5));
    print("[%.3f] [%.2f] [%.0f] [%f]\n", OPAQUE(0.0005), OPAQUE(0.004999), OPAQUE(0.4), OPAQUE(1e-300));
    print("[%f] [%.3e] [%g]\n", OPAQUE(-0.0), OPAQUE(-0.0), OPAQUE(-0.0));
    print("[%.17g] [%.17g] [%.17g]\n", OPAQUE(0.1), OPAQUE(1.0 / 3.0), OPAQUE(2.0 / 3.0));
    print("[%.17g] [%.17g] [%e]\n", OPAQUE(1.7976931348623157e308), OPAQUE(2.2250738585072014e-308),
          OPAQUE(4.9406564584124654e-324));
    print("[%f]\n", OPAQUE(1e22));
    print("[%f]\n", OPAQUE(1.7976931348623157e308));
    print("[%Le] [%Le] [%Lg]\n", OPAQUE(1.18973149535723176502e4932L), OPAQUE(3.64519953188247460253e-4951L),
          OPAQUE(1e-4940L));
    print("[%.30f] [%.25e]\n", OPAQUE(0.1), OPAQUE(0.1));
    char buffer[16];
    int n = format(buffer, sizeof buffer, "%.10f", pi);
    print("format into 16 bytes: \"%s\", wanted %d\n", buffer, n);
}
