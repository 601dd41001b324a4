/* utf8.c — a strict UTF-8 validator (the table of RFC 3629, section 4). */
#include "utf8.h"

bool cvm_utf8_valid(const uint8_t *p, size_t n, size_t *bad_at)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len;
        uint8_t lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0)
                lo = 0xa0; /* overlong below U+0800 */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates U+D800..DFFF */
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0)
                lo = 0x90; /* overlong below U+10000 */
            else if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            goto bad; /* a continuation byte, C0/C1 or F5..FF */
        }
        if (n - i < len)
            goto bad;
        if (p[i + 1] < lo || p[i + 1] > hi)
            goto bad;
        for (size_t k = 2; k < len; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                goto bad;
        i += len;
    }
    return true;
bad:
    if (bad_at)
        *bad_at = i;
    return false;
}

size_t cvm_utf8_clip(const uint8_t *p, size_t n, size_t max)
{
    if (max >= n)
        return n;
    size_t k = max;
    while (k > 0 && (p[k] & 0xC0) == 0x80) /* p[k] continues the character before it */
        k--;
    return k;
}
