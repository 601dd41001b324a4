/* count.c — numbers with thousands separators for messages (see count.h). */
#include "base/count.h"

#include <stdio.h>

const char *cvm_count(uint64_t v, char buf[CVM_COUNT_BUF])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    char *o = buf;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            *o++ = ',';
        *o++ = digits[i];
    }
    *o = 0;
    return buf;
}
