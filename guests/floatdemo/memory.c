/* memcpy and memset: gcc may emit calls to them for struct and array
 * copies and initialisers even in a freestanding program. */
#include <stddef.h>

void *memcpy(void *destination, const void *source, size_t n)
{
    unsigned char *d = destination;
    const unsigned char *s = source;
    while (n--) *d++ = *s++;
    return destination;
}

void *memset(void *destination, int value, size_t n)
{
    unsigned char *d = destination;
    while (n--) *d++ = (unsigned char)value;
    return destination;
}
