/*
 * deployments.c — _Deployments, the system service that records which
 * processor runs each service and the code of bytecode services:
 *   SHA-256("<name>.Processor") -> the processor type (i64, 8 bytes LE)
 *   SHA-256("<name>.Code")      -> the code bytes
 *   SHA-256("<name>.Height")    -> the height of the block that deployed a
 *                                  bytecode service (i64), for messages
 *                                  such as `coopvm process`'s changed code
 * The VM reads these directly (cvm_deployments_*) to find a service's
 * processor; transactions use the methods getInfo, deployService, getCode.
 * A deployment pays for its code (vm/gas.h): loading it, then storing its
 * records and initial state, each charged before it is done.
 */
#include <stdio.h>
#include <string.h>

#include "bytecode/module.h"
#include "crypto/hash.h"
#include "native/native.h"
#include "state/value.h"
#include "vm/bytecode.h"
#include "vm/gas.h"

static void record_key(const char *service, size_t len, const char *suffix, uint8_t key[CVM_SHA256_BYTES])
{
    cvm_sha256_ctx c;
    cvm_sha256_init(&c);
    cvm_sha256_update(&c, service, len);
    cvm_sha256_update(&c, suffix, strlen(suffix));
    cvm_sha256_final(&c, key);
}

void cvm_deployments_key(const char *service, const char *suffix, uint8_t key[CVM_SHA256_BYTES])
{
    record_key(service, strlen(service), suffix, key);
}

static cvm_code read_dep(cvm_context *ctx, const char *service, const char *suffix, const uint8_t **v, size_t *n,
                         cvm_error *err)
{
    uint8_t key[CVM_SHA256_BYTES];
    record_key(service, strlen(service), suffix, key);
    cvm_status st = cvm_overlay_read(ctx->ov, (const uint8_t *)CVM_DEPLOYMENTS, strlen(CVM_DEPLOYMENTS), key,
                                     sizeof key, v, n, NULL);
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "reading _Deployments: %s", cvm_overlay_errmsg(ctx->ov));
    return CVM_CODE_NONE;
}

cvm_code cvm_deployments_processor(cvm_context *ctx, const char *service, uint64_t *type, bool *found, cvm_error *err)
{
    const uint8_t *v;
    size_t n;
    *found = false;
    *type = 0;
    cvm_code c = read_dep(ctx, service, ".Processor", &v, &n, err);
    if (c != CVM_CODE_NONE || n == 0)
        return c;
    int64_t t;
    if (cvm_state_i64_decode(v, n, &t, NULL, 0) != CVM_OK)
        return cvm_ctx_fail(ctx, CVM_ESTATE, err, "_Deployments holds a damaged record for %s", service);
    *type = (uint64_t)t;
    *found = true;
    return CVM_CODE_NONE;
}

cvm_code cvm_deployments_code(cvm_context *ctx, const char *service, const uint8_t **code, size_t *len,
                              cvm_error *err)
{
    return read_dep(ctx, service, ".Code", code, len, err);
}

cvm_code cvm_deployments_record(cvm_context *ctx, const char *service, uint64_t type, const uint8_t *code,
                                size_t len, cvm_error *err)
{
    const uint8_t *svc = (const uint8_t *)CVM_DEPLOYMENTS;
    size_t svclen = strlen(CVM_DEPLOYMENTS);
    uint8_t key[CVM_SHA256_BYTES], b[CVM_STATE_I64_BYTES];
    size_t n;
    record_key(service, strlen(service), ".Processor", key);
    cvm_state_i64_encode((int64_t)type, b, &n);
    if (cvm_overlay_write(ctx->ov, svc, svclen, key, sizeof key, b, n) != CVM_OK)
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "deploying %s: %s", service, cvm_overlay_errmsg(ctx->ov));
    if (len) {
        record_key(service, strlen(service), ".Code", key);
        if (cvm_overlay_write(ctx->ov, svc, svclen, key, sizeof key, code, len) != CVM_OK)
            return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "deploying %s: %s", service, cvm_overlay_errmsg(ctx->ov));
    }
    return CVM_CODE_NONE;
}

bool cvm_service_name_ok(const char *name, size_t len, bool allow_system, cvm_error *err)
{
    if (len == 0 || len > CVM_SERVICE_NAME_MAX) {
        cvm_error_set(err, CVM_CODE_DEPLOYMENT_FAILED, "a service name has 1 to %d characters, got %zu",
                      CVM_SERVICE_NAME_MAX, len);
        return false;
    }
    if (name[0] == '_' && !allow_system) {
        cvm_error_set(err, CVM_CODE_DEPLOYMENT_FAILED, "service name %.*s: a leading '_' is reserved for system services",
                      (int)len, name);
        return false;
    }
    for (size_t i = name[0] == '_' ? 1 : 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) {
            cvm_error_set(err, CVM_CODE_DEPLOYMENT_FAILED,
                          "service name %.*s: character %zu is not a letter or digit", (int)len, name, i + 1);
            return false;
        }
    }
    return true;
}

/* The name argument as a C string (names are at most 63 bytes). */
static bool name_arg(const cvm_arg *a, char out[CVM_SERVICE_NAME_MAX + 1], cvm_error *err, cvm_code code)
{
    size_t n = a->v.bytes.len;
    if (n == 0 || n > CVM_SERVICE_NAME_MAX || memchr(a->v.bytes.ptr, '\0', n)) {
        cvm_error_set(err, code, "no service named '%.*s'", (int)(n > 63 ? 63 : n),
                      n ? (const char *)a->v.bytes.ptr : "");
        return false;
    }
    memcpy(out, a->v.bytes.ptr, n);
    out[n] = '\0';
    return true;
}

/* getInfo(name string) -> uint64: the processor type. */
static cvm_code dep_get_info(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    char name[CVM_SERVICE_NAME_MAX + 1];
    if (!name_arg(&args[0], name, err, CVM_CODE_CONTRACT_NOT_DEPLOYED))
        return CVM_CODE_CONTRACT_NOT_DEPLOYED;
    uint64_t type;
    bool found;
    cvm_code c = cvm_deployments_processor(ctx, name, &type, &found, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (!found) {
        cvm_error_set(err, CVM_CODE_CONTRACT_NOT_DEPLOYED, "service %s is not deployed", name);
        return CVM_CODE_CONTRACT_NOT_DEPLOYED;
    }
    if (!cvm_out_put(ctx, out, cvm_arg_uint64(type)))
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
    return CVM_CODE_NONE;
}

/* getCode(name string) -> bytes: empty for a native service. */
static cvm_code dep_get_code(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    char name[CVM_SERVICE_NAME_MAX + 1];
    if (!name_arg(&args[0], name, err, CVM_CODE_CONTRACT_NOT_DEPLOYED))
        return CVM_CODE_CONTRACT_NOT_DEPLOYED;
    uint64_t type;
    bool found;
    cvm_code c = cvm_deployments_processor(ctx, name, &type, &found, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (!found) {
        cvm_error_set(err, CVM_CODE_CONTRACT_NOT_DEPLOYED, "service %s is not deployed", name);
        return CVM_CODE_CONTRACT_NOT_DEPLOYED;
    }
    const uint8_t *code;
    size_t len;
    if ((c = cvm_deployments_code(ctx, name, &code, &len, err)) != CVM_CODE_NONE)
        return c;
    if (!cvm_out_put(ctx, out, cvm_arg_bytes(code, len)))
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
    return CVM_CODE_NONE;
}

/* The height of the block deploying service, for hosts to name it later
 * ("deployed at height 2"); the genesis records of native services have
 * none (they are height 1). */
static cvm_code record_height(cvm_context *ctx, const char *service, cvm_error *err)
{
    uint8_t key[CVM_SHA256_BYTES], b[CVM_STATE_I64_BYTES];
    size_t n;
    record_key(service, strlen(service), ".Height", key);
    cvm_state_i64_encode((int64_t)ctx->height, b, &n);
    cvm_status st = cvm_overlay_write(ctx->ov, (const uint8_t *)CVM_DEPLOYMENTS, strlen(CVM_DEPLOYMENTS), key,
                                      sizeof key, b, n);
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "deploying %s: %s", service, cvm_overlay_errmsg(ctx->ov));
    return CVM_CODE_NONE;
}

/* deployService(name string, processor uint64, code bytes). */
static cvm_code dep_deploy(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    const char *raw = (const char *)args[0].v.bytes.ptr;
    size_t rawlen = args[0].v.bytes.len;
    if (!cvm_service_name_ok(raw ? raw : "", rawlen, false, err))
        return CVM_CODE_DEPLOYMENT_FAILED;
    char name[CVM_SERVICE_NAME_MAX + 1];
    memcpy(name, raw, rawlen);
    name[rawlen] = '\0';
    uint64_t type;
    bool found;
    cvm_code c = cvm_deployments_processor(ctx, name, &type, &found, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (found) {
        cvm_error_set(err, CVM_CODE_DEPLOYMENT_FAILED, "service %s is already deployed", name);
        return CVM_CODE_DEPLOYMENT_FAILED;
    }
    if (args[1].v.u64 != CVM_PROCESSOR_BYTECODE) {
        cvm_error_set(err, CVM_CODE_DEPLOYMENT_FAILED,
                      "deploying %s: processor %llu cannot be deployed (only bytecode, %d; native services are built in)",
                      name, (unsigned long long)args[1].v.u64, CVM_PROCESSOR_BYTECODE);
        return CVM_CODE_DEPLOYMENT_FAILED;
    }
    /* paid before the work: loading the code, then storing its records */
    size_t len = args[2].v.bytes.len;
    char what[160];
    snprintf(what, sizeof what, "deploying %s: loading %zu bytes of code", name, len);
    if ((c = cvm_gas_charge(ctx, (int64_t)len * CVM_GAS_CODE_BYTE, what, err)) != CVM_CODE_NONE)
        return c;
    const cvm_module *m;
    char msg[200];
    cvm_status st = cvm_vm_module_get(ctx->vm, args[2].v.bytes.ptr, args[2].v.bytes.len, &m, msg, sizeof msg);
    if (st == CVM_EINPUT) {
        cvm_error_set(err, CVM_CODE_DEPLOYMENT_FAILED, "deploying %s: %s", name, msg);
        return CVM_CODE_DEPLOYMENT_FAILED;
    }
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "deploying %s: %s", name, msg);
    snprintf(what, sizeof what, "deploying %s: storing %zu bytes of code", name, len);
    /* three records: the processor and the height (8 bytes each), the code */
    int64_t records = 2 * cvm_gas_state_write(CVM_SHA256_BYTES, CVM_STATE_I64_BYTES) +
                      (len ? cvm_gas_state_write(CVM_SHA256_BYTES, len) : 0);
    if ((c = cvm_gas_charge(ctx, records, what, err)) != CVM_CODE_NONE)
        return c;
    c = cvm_deployments_record(ctx, name, CVM_PROCESSOR_BYTECODE, args[2].v.bytes.ptr, len, err);
    if (c != CVM_CODE_NONE)
        return c;
    if ((c = record_height(ctx, name, err)) != CVM_CODE_NONE)
        return c;
    /* the module's initial state, in the new service's namespace */
    for (size_t i = 0; i < m->nstate; i++) {
        uint8_t b[CVM_STATE_I64_BYTES];
        size_t n;
        cvm_state_i64_encode(m->state[i].value, b, &n);
        snprintf(what, sizeof what, "deploying %s: writing %zu bytes of initial state", name, m->state[i].keylen + n);
        if ((c = cvm_gas_charge(ctx, cvm_gas_state_write(m->state[i].keylen, n), what, err)) != CVM_CODE_NONE)
            return c;
        st = cvm_overlay_write(ctx->ov, (const uint8_t *)name, rawlen, m->state[i].key, m->state[i].keylen, b, n);
        if (st == CVM_EINPUT) {
            cvm_error_set(err, CVM_CODE_DEPLOYMENT_FAILED, "deploying %s: %s", name, cvm_overlay_errmsg(ctx->ov));
            return CVM_CODE_DEPLOYMENT_FAILED;
        }
        if (st != CVM_OK)
            return cvm_ctx_fail(ctx, st, err, "deploying %s: %s", name, cvm_overlay_errmsg(ctx->ov));
    }
    return CVM_CODE_NONE;
}

static const cvm_arg_type name_param[] = {CVM_ARG_STRING};
static const cvm_arg_type deploy_params[] = {CVM_ARG_STRING, CVM_ARG_UINT64, CVM_ARG_BYTES};

static const cvm_native_method methods[] = {
    {"getInfo", name_param, 1, 0, dep_get_info},
    {"deployService", deploy_params, 3, CVM_MF_WRITES, dep_deploy},
    {"getCode", name_param, 1, 0, dep_get_code},
};

const cvm_native_service cvm_native_deployments = {CVM_DEPLOYMENTS, methods, sizeof methods / sizeof methods[0]};
