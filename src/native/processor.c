/*
 * processor.c — the native processor: the table of native services, method
 * lookup in their tables, running a method, and deploying a native service
 * that a transaction addresses before anyone recorded it in _Deployments.
 *
 * Native methods pay gas (docs/vm.md, "Gas"; vm/gas.h): CVM_GAS_NATIVE_CALL
 * for the call, charged here before the method runs, and what they write
 * and emit, charged by cvm_native_write and cvm_native_emit below.
 */
#include <stdio.h>
#include <string.h>

#include "base/suggest.h"
#include "native/native.h"
#include "state/value.h"
#include "vm/gas.h"

static const cvm_native_service *const services[] = {
    &cvm_native_deployments,
    &cvm_native_info,
    &cvm_native_reputation,
    &cvm_native_cooperatives,
    &cvm_native_governance,
    &cvm_native_global_preorder,
};

const cvm_native_service *cvm_native_at(size_t i)
{
    return i < sizeof services / sizeof services[0] ? services[i] : NULL;
}

const cvm_native_service *cvm_native_find(const char *name)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i]->name, name) == 0)
            return services[i];
    return NULL;
}

/* base/suggest.h's view of a native service's methods. */
static const char *method_name_at(const void *service, size_t i)
{
    return ((const cvm_native_service *)service)->methods[i].name;
}

static cvm_code native_method_info(cvm_context *ctx, const char *service, const char *method, cvm_method_info *out,
                                   cvm_error *err)
{
    (void)ctx;
    const cvm_native_service *s = cvm_native_find(service);
    if (!s) {
        cvm_error_set(err, CVM_CODE_CONTRACT_NOT_DEPLOYED, "%s is recorded as native but is not a native service",
                      service);
        return CVM_CODE_CONTRACT_NOT_DEPLOYED;
    }
    for (size_t i = 0; i < s->nmethods; i++) {
        const cvm_native_method *m = &s->methods[i];
        if (strcmp(m->name, method) == 0) {
            out->name = m->name;
            out->params = m->params;
            out->nparams = m->nparams;
            out->flags = m->flags;
            out->impl = m;
            return CVM_CODE_NONE;
        }
    }
    cvm_error_set(err, CVM_CODE_UNKNOWN_METHOD, "service %s has no method '%s'", service, method);
    cvm_suggest_append(err->message, sizeof err->message, method, strlen(method), s, s->nmethods, method_name_at,
                       "its methods");
    return CVM_CODE_UNKNOWN_METHOD;
}

/* The zero value of a parameter left out (CVM_MF_OPTIONAL): what a caller
 * passing it explicitly would pass for "none". */
static cvm_arg zero_of(cvm_arg_type t)
{
    switch (t) {
    case CVM_ARG_UINT64: return cvm_arg_uint64(0);
    case CVM_ARG_STRING: return cvm_arg_stringn("", 0);
    case CVM_ARG_BYTES: return cvm_arg_bytes("", 0);
    case CVM_ARG_BOOL: return cvm_arg_bool(0);
    default: return cvm_arg_int64(0);
    }
}

static void native_process_call(cvm_context *ctx, const cvm_method_info *mi, const cvm_arg *args, size_t nargs,
                                cvm_call_out *out)
{
    const cvm_native_method *m = mi->impl;
    /* a method always sees all its parameters: optional ones left out
     * (checked by the call path: nargs >= nparams - CVM_MF_NOPTIONAL) are
     * their zero values */
    cvm_arg full[CVM_MAX_ARGS];
    if (nargs < m->nparams && m->nparams <= CVM_MAX_ARGS) {
        for (size_t i = 0; i < m->nparams; i++)
            full[i] = i < nargs ? args[i] : zero_of(m->params[i]);
        args = full;
    }
    cvm_error err;
    memset(&err, 0, sizeof err);
    err.pc = -1;
    const cvm_frame *f = cvm_ctx_top(ctx);
    char what[160];
    snprintf(what, sizeof what, "calling %s.%s", f ? f->service : "", m->name);
    cvm_code c = cvm_gas_charge(ctx, CVM_GAS_NATIVE_CALL, what, &err);
    if (c == CVM_CODE_NONE)
        c = m->fn(ctx, args, out, &err);
    if (c != CVM_CODE_NONE) {
        err.code = c;
        cvm_out_fail(out, c == CVM_CODE_HOST_ERROR && ctx->fatal ? CVM_ERROR_UNEXPECTED : CVM_ERROR_SMART_CONTRACT,
                     &err);
        return;
    }
    out->status = CVM_SUCCESS;
}

static cvm_code native_deploy_service(cvm_context *ctx, const char *service, bool *deployed, cvm_error *err)
{
    *deployed = false;
    if (!cvm_native_find(service))
        return CVM_CODE_NONE;
    cvm_code c = cvm_deployments_record(ctx, service, CVM_PROCESSOR_NATIVE, NULL, 0, err);
    *deployed = c == CVM_CODE_NONE;
    return c;
}

const cvm_processor cvm_native_processor = {
    CVM_PROCESSOR_NATIVE, "native", native_method_info, native_process_call, native_deploy_service,
};

/* "<service>: " for the messages of a charge: the service whose code runs. */
static const char *running(cvm_context *ctx)
{
    const cvm_frame *f = cvm_ctx_top(ctx);
    return f ? f->service : "";
}

cvm_code cvm_native_write(cvm_context *ctx, const uint8_t *key, size_t keylen, const uint8_t *value, size_t len,
                          cvm_error *err)
{
    char what[160];
    snprintf(what, sizeof what, "%s: writing %zu bytes of state", running(ctx), keylen + len);
    cvm_code c = cvm_gas_charge(ctx, cvm_gas_state_write(keylen, len), what, err);
    if (c != CVM_CODE_NONE)
        return c;
    return cvm_sdk_state_write(ctx, key, keylen, value, len, err);
}

cvm_code cvm_native_write_i64(cvm_context *ctx, const uint8_t *key, size_t keylen, int64_t v, cvm_error *err)
{
    uint8_t b[CVM_STATE_I64_BYTES];
    size_t n;
    cvm_state_i64_encode(v, b, &n);
    return cvm_native_write(ctx, key, keylen, b, n, err);
}

cvm_code cvm_native_emit(cvm_context *ctx, const char *name, size_t namelen, const cvm_event_field *fields,
                         size_t nfields, cvm_error *err)
{
    char what[200];
    snprintf(what, sizeof what, "%s: emitting %.*s (%zu bytes)", running(ctx), (int)(namelen > 40 ? 40 : namelen),
             name, cvm_gas_event_bytes(namelen, fields, nfields));
    cvm_code c = cvm_gas_charge(ctx, cvm_gas_event(namelen, fields, nfields), what, err);
    if (c != CVM_CODE_NONE)
        return c;
    return cvm_sdk_emit(ctx, name, namelen, fields, nfields, err);
}
