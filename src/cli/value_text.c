/* value_text.c — a typed value as text (see value_text.h). */
#include "value_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "base/hex.h"
#include "codec/json.h"

void cli_print_value(const cvm_arg *v, const char *name, bool shorten)
{
    if (name) {
        fputs(name, stdout);
        return;
    }
    switch (v->type) {
    case CVM_ARG_INT64: printf("%" PRId64, v->v.i64); return;
    case CVM_ARG_UINT64: printf("%" PRIu64, v->v.u64); return;
    case CVM_ARG_BOOL: fputs(v->v.boolean ? "true" : "false", stdout); return;
    case CVM_ARG_BYTES: {
        size_t n = v->v.bytes.len;
        bool cut = shorten && n > CLI_TEXT_BYTES_MAX;
        char hex[2 * CLI_TEXT_BYTES_MAX + 1];
        if (cut || n <= CLI_TEXT_BYTES_MAX) { /* no allocation for the common short values */
            cvm_hex_write(hex, v->v.bytes.ptr, cut ? 8 : n);
            if (cut)
                printf("0x%s...(%zu bytes)", hex, n);
            else
                printf("0x%s", hex);
            return;
        }
        char *all = cvm_hex_encode(NULL, v->v.bytes.ptr, n); /* owned */
        printf("0x%s", all ? all : "?");
        cvm_free(NULL, all);
        return;
    }
    case CVM_ARG_STRING: {
        json_t *j = cvm_arg_to_json(v); /* owned */
        char *s = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL; /* owned */
        fputs(s ? s : "?", stdout);
        free(s);
        json_decref(j);
        return;
    }
    }
    fputs("?", stdout);
}
