/*
 * module_api.c — the public module functions of coopvm.h: every way of
 * getting a module (assembling, loading bytes) ends verified and prepared
 * for the interpreter; encoding and disassembly hand text or bytes to the
 * caller.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/errmsg.h"
#include "base/buf.h"
#include "bytecode/asm.h"
#include "interp.h"

/* Passes each diagnostic on to the caller's callback and keeps the first
 * (with how many there were) for the caller's cvm_errmsg. */
typedef struct first_diag {
    cvm_diag_fn diag; /* the caller's; may be NULL */
    void *ud;         /* borrowed */
    cvm_errmsg *err;  /* borrowed; may be NULL */
    size_t count;
} first_diag;

static void keep_first(void *ud, const char *file, int line, int col, const char *message)
{
    first_diag *f = ud;
    if (f->count++ == 0)
        cvm_errmsg_set(f->err, "%s:%d:%d: %s", file, line, col, message);
    if (f->diag)
        f->diag(f->ud, file, line, col, message);
}

cvm_status cvm_assemble(const cvm_allocator *al, const char *src, size_t len, const char *filename,
                        cvm_diag_fn diag, void *diag_ud, cvm_module **out, cvm_errmsg *err)
{
    cvm_errmsg_set(err, "%s", "");
    if (!out) {
        cvm_errmsg_set(err, "cvm_assemble: no place for the module (out is NULL)");
        return CVM_EINPUT;
    }
    *out = NULL;
    first_diag f = {diag, diag_ud, err, 0};
    cvm_module *m = NULL;
    cvm_status st = cvm_asm(al, src, len, filename, keep_first, &f, &m);
    if (st == CVM_OK)
        st = cvm_interp_prepare(m);
    if (st != CVM_OK) {
        cvm_module_free(m);
        if (f.count > 1 && err) {
            size_t n = strlen(err->text);
            snprintf(err->text + n, sizeof err->text - n, " (and %zu more)", f.count - 1);
        } else if (f.count == 0) {
            cvm_errmsg_set(err, st == CVM_ENOMEM ? "out of memory while assembling %s"
                                                 : "%s does not assemble", filename ? filename : "the source");
        }
        return st;
    }
    *out = m;
    return CVM_OK;
}

cvm_status cvm_module_load(const cvm_allocator *al, const uint8_t *bytes, size_t len, cvm_module **out,
                           cvm_errmsg *err)
{
    cvm_errmsg_set(err, "%s", "");
    if (!out) {
        cvm_errmsg_set(err, "cvm_module_load: no place for the module (out is NULL)");
        return CVM_EINPUT;
    }
    *out = NULL;
    cvm_module *m = NULL;
    cvm_status st = cvm_module_decode(al, bytes, len, &m, CVM_ERRMSG_BUF(err));
    if (st == CVM_OK)
        st = cvm_verify(m, CVM_ERRMSG_BUF(err));
    if (st == CVM_OK)
        st = cvm_interp_prepare(m);
    if (st != CVM_OK) {
        if (st == CVM_ENOMEM)
            cvm_errmsg_set(err, "out of memory while loading the module");
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
