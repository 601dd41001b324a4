/*
 * reputation.c — _Reputation: each address's reputation (an i64 under the
 * 20 address bytes, the bytecode value convention) and its admin flag
 * ("admin:" + address = 1). This issue gives it `get` and the genesis
 * write; the next adds `set` and its admin rule.
 */
#include <string.h>

#include "native/native.h"
#include "state/value.h"

cvm_code cvm_reputation_of(cvm_context *ctx, const uint8_t addr[CVM_ADDRESS_BYTES], int64_t *v, cvm_error *err)
{
    const uint8_t *p;
    size_t n;
    *v = 0;
    cvm_status st = cvm_overlay_read(ctx->ov, (const uint8_t *)CVM_REPUTATION, strlen(CVM_REPUTATION), addr,
                                     CVM_ADDRESS_BYTES, &p, &n, NULL);
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "reading a reputation: %s", cvm_overlay_errmsg(ctx->ov));
    if (cvm_state_i64_decode(p, n, v, NULL, 0) != CVM_OK)
        *v = 0; /* not an integer: treat as unknown */
    return CVM_CODE_NONE;
}

cvm_code cvm_reputation_genesis(cvm_context *ctx, const uint8_t addr[CVM_ADDRESS_BYTES], int64_t reputation,
                                bool admin, cvm_error *err)
{
    const uint8_t *svc = (const uint8_t *)CVM_REPUTATION;
    size_t svclen = strlen(CVM_REPUTATION);
    uint8_t b[CVM_STATE_I64_BYTES];
    size_t n;
    cvm_state_i64_encode(reputation, b, &n);
    if (cvm_overlay_write(ctx->ov, svc, svclen, addr, CVM_ADDRESS_BYTES, b, n) != CVM_OK)
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "genesis: %s", cvm_overlay_errmsg(ctx->ov));
    uint8_t key[6 + CVM_ADDRESS_BYTES];
    memcpy(key, "admin:", 6);
    memcpy(key + 6, addr, CVM_ADDRESS_BYTES);
    cvm_state_i64_encode(admin ? 1 : 0, b, &n);
    if (cvm_overlay_write(ctx->ov, svc, svclen, key, sizeof key, b, n) != CVM_OK)
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "genesis: %s", cvm_overlay_errmsg(ctx->ov));
    return CVM_CODE_NONE;
}

/* get(address bytes) -> int64: 0 for an unknown address. */
static cvm_code reputation_get(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    if (args[0].v.bytes.len != CVM_ADDRESS_BYTES) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "_Reputation.get: the address must be %d bytes, got %zu",
                      CVM_ADDRESS_BYTES, args[0].v.bytes.len);
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    int64_t v;
    cvm_code c = cvm_sdk_state_read_i64(ctx, args[0].v.bytes.ptr, CVM_ADDRESS_BYTES, &v, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (!cvm_out_put(ctx, out, cvm_arg_int64(v)))
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
    return CVM_CODE_NONE;
}

static const cvm_arg_type get_params[] = {CVM_ARG_BYTES};

static const cvm_native_method methods[] = {
    {"get", get_params, 1, 0, reputation_get},
};

const cvm_native_service cvm_native_reputation = {CVM_REPUTATION, methods, sizeof methods / sizeof methods[0]};
