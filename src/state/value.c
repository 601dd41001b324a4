/* value.c — i64 state values as 8 bytes little-endian, 0 as absent (value.h). */
#include "state/value.h"

#include <stdio.h>

void cvm_state_i64_encode(int64_t v, uint8_t out[CVM_STATE_I64_BYTES], size_t *len)
{
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < CVM_STATE_I64_BYTES; i++, u >>= 8)
        out[i] = (uint8_t)u;
    *len = v ? CVM_STATE_I64_BYTES : 0;
}

cvm_status cvm_state_i64_decode(const uint8_t *p, size_t len, int64_t *v, char *err, size_t errcap)
{
    *v = 0;
    if (len == 0)
        return CVM_OK;
    if (len != CVM_STATE_I64_BYTES) {
        if (err && errcap)
            snprintf(err, errcap, "state value of %zu bytes is not an integer (an integer is stored as 8 bytes)", len);
        return CVM_EINPUT;
    }
    uint64_t u = 0;
    for (int i = CVM_STATE_I64_BYTES - 1; i >= 0; i--)
        u = (u << 8) | p[i];
    *v = (int64_t)u; /* two's complement on every target we build for */
    return CVM_OK;
}
