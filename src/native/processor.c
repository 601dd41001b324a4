/*
 * processor.c — the native processor: the table of native services, method
 * lookup in their tables, running a method, and deploying a native service
 * that a transaction addresses before anyone recorded it in _Deployments.
 *
 * Native methods cost no gas (docs/vm.md): their work is bounded by their
 * arguments, which the transaction already pays to carry.
 */
#include <string.h>

#include "native/native.h"

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
    return CVM_CODE_UNKNOWN_METHOD;
}

static void native_process_call(cvm_context *ctx, const cvm_method_info *mi, const cvm_arg *args, size_t nargs,
                                cvm_call_out *out)
{
    (void)nargs;
    const cvm_native_method *m = mi->impl;
    cvm_error err;
    memset(&err, 0, sizeof err);
    err.pc = -1;
    cvm_code c = m->fn(ctx, args, out, &err);
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
