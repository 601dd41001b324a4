/*
 * module_api.c — the public module functions of coopvm.h: every way of
 * getting a module (assembling, loading bytes) ends verified and prepared
 * for the interpreter; encoding and disassembly hand text or bytes to the
 * caller.
 */
#include <stdio.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "bytecode/asm.h"
#include "interp.h"

cvm_status cvm_assemble(const cvm_allocator *al, const char *src, size_t len, const char *filename,
                        cvm_diag_fn diag, void *diag_ud, cvm_module **out)
{
    if (!out)
        return CVM_EINPUT;
    *out = NULL;
    cvm_module *m = NULL;
    cvm_status st = cvm_asm(al, src, len, filename, diag, diag_ud, &m);
    if (st != CVM_OK)
        return st;
    st = cvm_interp_prepare(m);
    if (st != CVM_OK) {
        cvm_module_free(m);
        return st;
    }
    *out = m;
    return CVM_OK;
}

cvm_status cvm_module_load(const cvm_allocator *al, const uint8_t *bytes, size_t len, cvm_module **out,
                           char *err, size_t errcap)
{
    if (!out)
        return CVM_EINPUT;
    *out = NULL;
    if (err && errcap)
        err[0] = '\0';
    cvm_module *m = NULL;
    cvm_status st = cvm_module_decode(al, bytes, len, &m, err, errcap);
    if (st == CVM_OK)
        st = cvm_verify(m, err, errcap);
    if (st == CVM_OK)
        st = cvm_interp_prepare(m);
    if (st != CVM_OK) {
        if (st == CVM_ENOMEM && err && errcap)
            snprintf(err, errcap, "out of memory while loading the module");
        cvm_module_free(m);
        return st;
    }
    *out = m;
    return CVM_OK;
}

/* Hands b's bytes to the caller, or fails with ENOMEM if any append did. */
static cvm_status take(cvm_buf *b, uint8_t **out, size_t *len)
{
    size_t n = 0;
    uint8_t *p = cvm_buf_take(b, &n);
    cvm_buf_free(b);
    if (!p)
        return CVM_ENOMEM;
    *out = p;
    if (len)
        *len = n;
    return CVM_OK;
}

cvm_status cvm_module_encode(const cvm_module *m, uint8_t **out, size_t *len)
{
    if (!m || !out)
        return CVM_EINPUT;
    *out = NULL;
    cvm_buf b;
    cvm_buf_init(&b, m->al);
    cvm_module_write(m, &b);
    return take(&b, out, len);
}

cvm_status cvm_module_disasm(const cvm_module *m, char **out, size_t *len)
{
    if (!m || !out)
        return CVM_EINPUT;
    *out = NULL;
    cvm_buf b;
    cvm_buf_init(&b, m->al);
    cvm_module_write_asm(m, &b);
    uint8_t *p = NULL;
    cvm_status st = take(&b, &p, len);
    *out = (char *)p;
    return st;
}
