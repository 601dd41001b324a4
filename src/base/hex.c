/* hex.c — hexadecimal encoding and strict decoding. */
#include "hex.h"

#include "alloc.h"

void cvm_hex_write(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

char *cvm_hex_encode(const cvm_allocator *al, const uint8_t *p, size_t n)
{
    if (n > (SIZE_MAX - 1) / 2)
        return NULL;
    char *s = cvm_malloc(al, 2 * n + 1);
    if (s)
        cvm_hex_write(s, p, n);
    return s;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool cvm_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    if (len != 2 * cap)
        return false;
    for (size_t i = 0; i < cap; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
