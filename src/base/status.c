/* status.c — names of statuses and error codes, and the one error format. */
#include <stdio.h>

#include "coopvm.h"

const char *cvm_version(void) { return COOPVM_VERSION; }

const char *cvm_status_name(cvm_status s)
{
    switch (s) {
    case CVM_OK: return "OK";
    case CVM_ENOMEM: return "ENOMEM";
    case CVM_EINPUT: return "EINPUT";
    case CVM_EIO: return "EIO";
    case CVM_ESTATE: return "ESTATE";
    }
    return "UNKNOWN_STATUS";
}

static const char *const exec_status_names[] = {
#define CVM_X_NAME(name) #name,
    CVM_EXEC_STATUSES(CVM_X_NAME)
#undef CVM_X_NAME
};

const char *cvm_exec_status_name(cvm_exec_status s)
{
    return (unsigned)s < CVM_EXEC_STATUS_COUNT ? exec_status_names[s] : NULL;
}

static const char *const code_names[] = {
#define CVM_X_NAME(name, doc) #name,
    CVM_ERROR_CODES(CVM_X_NAME)
#undef CVM_X_NAME
};

static const char *const code_docs[] = {
#define CVM_X_DOC(name, doc) doc,
    CVM_ERROR_CODES(CVM_X_DOC)
#undef CVM_X_DOC
};

const char *cvm_code_name(cvm_code c) { return (unsigned)c < CVM_CODE_COUNT ? code_names[c] : NULL; }

const char *cvm_code_doc(cvm_code c) { return (unsigned)c < CVM_CODE_COUNT ? code_docs[c] : NULL; }

size_t cvm_error_format(const cvm_error *e, char *buf, size_t cap)
{
    const char *name = cvm_code_name(e->code);
    char where[160] = "";
    if (e->method[0] && e->pc >= 0 && e->line > 0)
        snprintf(where, sizeof where, " (method %s, pc %lld, line %lld)", e->method, (long long)e->pc,
                 (long long)e->line);
    else if (e->method[0] && e->pc >= 0)
        snprintf(where, sizeof where, " (method %s, pc %lld)", e->method, (long long)e->pc);
    else if (e->method[0])
        snprintf(where, sizeof where, " (method %s)", e->method);
    int n = snprintf(buf, cap, "%s: %s%s", name ? name : "UNKNOWN_CODE", e->message, where);
    return n < 0 ? 0 : (size_t)n;
}
