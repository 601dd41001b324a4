/*
 * context.c — contexts (context.h): making one over the VM's store, starting
 * each transaction, recording library failures; and the processor registry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "vm/context.h"

cvm_status cvm_ctx_init(cvm_context *ctx, cvm_vm *vm, cvm_arena *arena, bool read_only)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->vm = vm;
    ctx->al = vm->al;
    ctx->arena = arena;
    ctx->read_only = read_only;
    ctx->height = cvm_store_height(vm->store);
    cvm_map_init(&ctx->services, vm->al);
    return cvm_overlay_new(vm->al, vm->store, read_only, &ctx->ov);
}

void cvm_ctx_free(cvm_context *ctx)
{
    cvm_overlay_free(ctx->ov);
    ctx->ov = NULL;
    cvm_free(ctx->al, ctx->events);
    cvm_free(ctx->al, ctx->logs);
    ctx->events = NULL;
    ctx->logs = NULL;
    cvm_ctx_memo_clear(ctx);
}

cvm_service_memo *cvm_ctx_memo(cvm_context *ctx, const char *service)
{
    cvm_map_entry *e = cvm_map_get(&ctx->services, service, strlen(service));
    return e ? e->pval : NULL;
}

cvm_service_memo *cvm_ctx_memo_put(cvm_context *ctx, const char *service, uint64_t type)
{
    cvm_service_memo *m = cvm_ctx_memo(ctx, service);
    if (m)
        return m;
    m = cvm_calloc(ctx->al, 1, sizeof *m);
    if (!m)
        return NULL;
    bool created;
    cvm_map_entry *e = cvm_map_put(&ctx->services, service, strlen(service), &created);
    if (!e) {
        cvm_free(ctx->al, m);
        return NULL;
    }
    m->type = type;
    cvm_address_of_service(service, m->address);
    e->pval = m;
    return m;
}

void cvm_ctx_memo_clear(cvm_context *ctx)
{
    for (size_t i = 0; i < ctx->services.count; i++)
        cvm_free(ctx->al, ctx->services.entries[i].pval);
    cvm_map_free(&ctx->services);
    cvm_map_init(&ctx->services, ctx->al);
}

void cvm_ctx_signer_of(cvm_context *ctx, const cvm_transaction *tx, uint8_t out[CVM_ADDRESS_BYTES])
{
    if (tx->signer_scheme != CVM_SCHEME_ED25519) {
        memset(out, 0, CVM_ADDRESS_BYTES);
        return;
    }
    cvm_vm_signer_address(ctx->vm, tx->signer_key, out);
}

static cvm_signer_entry *signer_slot(cvm_vm *vm, const uint8_t key[CVM_PUBKEY_BYTES])
{
    size_t i = ((size_t)key[0] | (size_t)key[1] << 8) % CVM_SIGNER_CACHE;
    return &vm->signers[i];
}

void cvm_vm_signer_address(cvm_vm *vm, const uint8_t key[CVM_PUBKEY_BYTES], uint8_t out[CVM_ADDRESS_BYTES])
{
    cvm_signer_entry *e = signer_slot(vm, key);
    if (!e->used || memcmp(e->key, key, CVM_PUBKEY_BYTES) != 0) {
        cvm_address_of_key(key, e->address);
        memcpy(e->key, key, CVM_PUBKEY_BYTES);
        e->used = true;
    }
    memcpy(out, e->address, CVM_ADDRESS_BYTES);
}

void cvm_vm_prehash_clear(cvm_vm *vm)
{
    cvm_map_free(&vm->prehash);
    cvm_map_init(&vm->prehash, vm->al);
    cvm_arena_free(&vm->prehash_arena);
    cvm_arena_init(&vm->prehash_arena, vm->al);
}

void cvm_vm_prehash_put(cvm_vm *vm, const uint8_t *p, size_t n, const uint8_t hash[CVM_HASH_BYTES])
{
    bool created = false;
    cvm_map_entry *e = cvm_map_put(&vm->prehash, p, n, &created);
    if (e && created && !(e->pval = cvm_arena_memdup(&vm->prehash_arena, hash, CVM_HASH_BYTES)))
        cvm_map_del(&vm->prehash, p, n);
}

bool cvm_vm_prehash_find(void *ud, const uint8_t *p, size_t n, uint8_t hash[CVM_HASH_BYTES])
{
    cvm_vm *vm = ud;
    const cvm_map_entry *e = vm->prehash.count ? cvm_map_get(&vm->prehash, p, n) : NULL;
    if (!e || !e->pval)
        return false;
    memcpy(hash, e->pval, CVM_HASH_BYTES);
    return true;
}

void cvm_vm_signer_remember(cvm_vm *vm, const uint8_t key[CVM_PUBKEY_BYTES], const uint8_t address[CVM_ADDRESS_BYTES])
{
    cvm_signer_entry *e = signer_slot(vm, key);
    memcpy(e->key, key, CVM_PUBKEY_BYTES);
    memcpy(e->address, address, CVM_ADDRESS_BYTES);
    e->used = true;
}

void cvm_ctx_begin(cvm_context *ctx, const uint8_t signer[CVM_ADDRESS_BYTES])
{
    ctx->depth = 0;
    ctx->nevents = 0;
    ctx->nlogs = 0;
    ctx->gas_left = ctx->vm->gas_limit;
    memcpy(ctx->signer, signer, CVM_ADDRESS_BYTES);
}

void cvm_error_set(cvm_error *err, cvm_code code, const char *fmt, ...)
{
    memset(err, 0, sizeof *err);
    err->code = code;
    err->pc = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

cvm_status cvm_vm_fail(cvm_vm *vm, cvm_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->err, sizeof vm->err, fmt, ap);
    va_end(ap);
    return st;
}

cvm_code cvm_ctx_fail(cvm_context *ctx, cvm_status st, cvm_error *err, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ctx->fatal == CVM_OK) {
        ctx->fatal = st == CVM_OK ? CVM_ESTATE : st;
        snprintf(ctx->vm->err, sizeof ctx->vm->err, "%s", msg);
    }
    if (err)
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "%s", msg);
    return CVM_CODE_HOST_ERROR;
}

cvm_frame *cvm_ctx_top(cvm_context *ctx) { return ctx->depth ? &ctx->frames[ctx->depth - 1] : NULL; }

void cvm_out_fail(cvm_call_out *out, cvm_exec_status st, const cvm_error *err)
{
    out->status = st;
    out->error = *err;
    out->noutputs = 0;
}

const cvm_processor *cvm_processor_of(uint64_t type)
{
    switch (type) {
    case CVM_PROCESSOR_NATIVE: return &cvm_native_processor;
    case CVM_PROCESSOR_BYTECODE: return &cvm_bytecode_processor;
    default: return NULL;
    }
}
