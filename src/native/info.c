/*
 * info.c — _Info: a trivial read-only system service that says the VM is
 * alive and which version it is (the Orbs getInfo/isAlive style).
 */
#include <string.h>

#include "native/native.h"

static cvm_code info_version(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)args;
    const char *v = cvm_version();
    if (!cvm_out_put(ctx, out, cvm_arg_stringn(v, strlen(v))))
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
    return CVM_CODE_NONE;
}

static cvm_code info_is_alive(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)args;
    if (!cvm_out_put(ctx, out, cvm_arg_bool(1)))
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
    return CVM_CODE_NONE;
}

static const cvm_native_method methods[] = {
    {"getInfo", NULL, 0, 0, info_version},
    {"isAlive", NULL, 0, 0, info_is_alive},
};

const cvm_native_service cvm_native_info = {CVM_INFO, methods, sizeof methods / sizeof methods[0]};
