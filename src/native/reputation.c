/*
 * reputation.c — _Reputation: each address's reputation (an i64 under the
 * 20 address bytes, the bytecode value convention) and its admin flag
 * ("admin:" + address = 1), both written at genesis. `get` reads one;
 * `set` changes one, for a signer marked admin only, and says so with a
 * ReputationChanged event.
 */
#include <string.h>

#include "base/hex.h"
#include "native/native.h"
#include "state/value.h"

void cvm_address_hex(const uint8_t addr[CVM_ADDRESS_BYTES], char out[2 + 2 * CVM_ADDRESS_BYTES + 1])
{
    out[0] = '0';
    out[1] = 'x';
    cvm_hex_write(out + 2, addr, CVM_ADDRESS_BYTES);
}

void cvm_reputation_admin_key(const uint8_t addr[CVM_ADDRESS_BYTES], uint8_t key[CVM_REPUTATION_ADMIN_KEY_BYTES])
{
    memcpy(key, "admin:", 6);
    memcpy(key + 6, addr, CVM_ADDRESS_BYTES);
}

cvm_code cvm_reputation_is_admin(cvm_context *ctx, const uint8_t addr[CVM_ADDRESS_BYTES], bool *admin,
                                 cvm_error *err)
{
    uint8_t key[6 + CVM_ADDRESS_BYTES];
    const uint8_t *p;
    size_t n;
    int64_t v = 0;
    *admin = false;
    cvm_reputation_admin_key(addr, key);
    cvm_status st = cvm_overlay_read(ctx->ov, (const uint8_t *)CVM_REPUTATION, strlen(CVM_REPUTATION), key,
                                     sizeof key, &p, &n, NULL);
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "reading an admin flag: %s", cvm_overlay_errmsg(ctx->ov));
    if (cvm_state_i64_decode(p, n, &v, NULL, 0) == CVM_OK)
        *admin = v != 0;
    return CVM_CODE_NONE;
}

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
    cvm_reputation_admin_key(addr, key);
    cvm_state_i64_encode(admin ? 1 : 0, b, &n);
    if (cvm_overlay_write(ctx->ov, svc, svclen, key, sizeof key, b, n) != CVM_OK)
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "genesis: %s", cvm_overlay_errmsg(ctx->ov));
    return CVM_CODE_NONE;
}

static bool address_ok(const cvm_arg *a, const char *method, cvm_error *err)
{
    if (a->v.bytes.len == CVM_ADDRESS_BYTES)
        return true;
    cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "_Reputation.%s: the address must be %d bytes, got %zu", method,
                  CVM_ADDRESS_BYTES, a->v.bytes.len);
    return false;
}

/* get(address bytes) -> int64: 0 for an unknown address. */
static cvm_code reputation_get(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    if (!address_ok(&args[0], "get", err))
        return CVM_CODE_WRONG_ARGUMENTS;
    int64_t v;
    cvm_code c = cvm_sdk_state_read_i64(ctx, args[0].v.bytes.ptr, CVM_ADDRESS_BYTES, &v, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (!cvm_out_put(ctx, out, cvm_arg_int64(v)))
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
    return CVM_CODE_NONE;
}

/* set(address bytes, value int64): the signer must be admin. Emits
 * ReputationChanged {address, old, new}, also when the value is the same
 * (the admin asked; the history shows it). */
static cvm_code reputation_set(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    if (!address_ok(&args[0], "set", err))
        return CVM_CODE_WRONG_ARGUMENTS;
    const uint8_t *signer = cvm_sdk_signer(ctx);
    bool admin;
    cvm_code c = cvm_reputation_is_admin(ctx, signer, &admin, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (!admin) {
        char who[2 * CVM_ADDRESS_BYTES + 3];
        cvm_address_hex(signer, who);
        cvm_error_set(err, CVM_CODE_PERMISSION_DENIED, "_Reputation.set: account %s is not an admin", who);
        return CVM_CODE_PERMISSION_DENIED;
    }
    uint8_t addr[CVM_ADDRESS_BYTES];
    memcpy(addr, args[0].v.bytes.ptr, CVM_ADDRESS_BYTES);
    int64_t old;
    if ((c = cvm_sdk_state_read_i64(ctx, addr, CVM_ADDRESS_BYTES, &old, err)) != CVM_CODE_NONE)
        return c;
    if ((c = cvm_native_write_i64(ctx, addr, CVM_ADDRESS_BYTES, args[1].v.i64, err)) != CVM_CODE_NONE)
        return c;
    cvm_event_field f[3] = {
        {"address", cvm_arg_bytes(addr, CVM_ADDRESS_BYTES)},
        {"old", cvm_arg_int64(old)},
        {"new", cvm_arg_int64(args[1].v.i64)},
    };
    return cvm_native_emit(ctx, "ReputationChanged", 17, f, 3, err);
}

static const cvm_arg_type get_params[] = {CVM_ARG_BYTES};
static const cvm_arg_type set_params[] = {CVM_ARG_BYTES, CVM_ARG_INT64};

static const cvm_native_method methods[] = {
    {"get", get_params, 1, 0, reputation_get},
    {"set", set_params, 2, CVM_MF_WRITES, reputation_set},
};

const cvm_native_service cvm_native_reputation = {CVM_REPUTATION, methods, sizeof methods / sizeof methods[0]};
