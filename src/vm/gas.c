/*
 * gas.c — the charges of gas.h: what a native method's call, state writes,
 * events and deployments cost, taken from the transaction's gas.
 */
#include <string.h>

#include "vm/gas.h"

cvm_code cvm_gas_charge(cvm_context *ctx, int64_t amount, const char *what, cvm_error *err)
{
    if (amount > ctx->gas_left) {
        cvm_error_set(err, CVM_CODE_OUT_OF_GAS, "%s costs %lld gas, %lld left", what, (long long)amount,
                      (long long)(ctx->gas_left > 0 ? ctx->gas_left : 0));
        return CVM_CODE_OUT_OF_GAS;
    }
    ctx->gas_left -= amount;
    return CVM_CODE_NONE;
}

int64_t cvm_gas_state_write(size_t keylen, size_t len)
{
    /* both are bounded (a key by the state layer, a value by what a
     * transaction carries), so the product never nears overflow */
    return (int64_t)(keylen + len) * CVM_GAS_STATE_BYTE;
}

size_t cvm_gas_event_bytes(size_t namelen, const cvm_event_field *fields, size_t nfields)
{
    size_t n = namelen;
    for (size_t i = 0; i < nfields; i++) {
        const cvm_arg *v = &fields[i].value;
        n += strlen(fields[i].name);
        switch (v->type) {
        case CVM_ARG_STRING:
        case CVM_ARG_BYTES: n += v->v.bytes.len; break;
        case CVM_ARG_BOOL: n += 1; break;
        default: n += 8; break;
        }
    }
    return n;
}

int64_t cvm_gas_event(size_t namelen, const cvm_event_field *fields, size_t nfields)
{
    return CVM_GAS_EVENT + (int64_t)cvm_gas_event_bytes(namelen, fields, nfields) * CVM_GAS_EVENT_BYTE;
}
