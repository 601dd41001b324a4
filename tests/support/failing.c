/* failing.c — the failing, counting allocator of the out-of-memory tests. */
#include "failing.h"

#include <jansson.h>
#include <stdlib.h>

void *failing_realloc(void *ud, void *p, size_t n)
{
    failing *f = ud;
    if (n == 0) {
        if (p)
            f->live--;
        free(p);
        return NULL;
    }
    if (f->left == 0) {
        if (f->once)
            f->left = -1;
        return NULL;
    }
    if (f->left > 0)
        f->left--;
    void *q = realloc(p, n);
    if (q && !p)
        f->live++;
    return q;
}

cvm_allocator failing_allocator(failing *f)
{
    cvm_allocator al = {failing_realloc, f};
    return al;
}

/* jansson's hooks take no user data: the one failing they go through */
static failing *json_failing; /* borrowed; NULL when jansson uses malloc */

static void *json_malloc(size_t n) { return failing_realloc(json_failing, NULL, n ? n : 1); }

static void json_free(void *p)
{
    if (p)
        failing_realloc(json_failing, p, 0);
}

void failing_json_use(failing *f)
{
    json_failing = f;
    if (f)
        json_set_alloc_funcs(json_malloc, json_free);
    else
        json_set_alloc_funcs(malloc, free);
}
