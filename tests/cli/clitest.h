/*
 * clitest.h — for the cmocka tests that drive build/coopvm as a user would:
 * coopvm(...) runs it and asserts that it ran, parse_json reads what it
 * printed. (build/vectors, without cmocka, uses support/proc.h alone.)
 */
#ifndef CVM_TESTS_CLITEST_H
#define CVM_TESTS_CLITEST_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <jansson.h>

#include "support/proc.h"

/* Runs coopvm with the arguments first, ... (NULL-terminated, at most
 * PROC_MAX_ARGS); the caller owns the result (proc_result_free). */
static inline proc_result coopvm(const char *first, ...)
{
    proc_result r;
    va_list ap;
    va_start(ap, first);
    int ran = proc_coopvm_vrun(&r, first, ap);
    va_end(ap);
    assert_int_equal(ran, 0);
    return r;
}

/* Parses s as one JSON value (the caller owns it), or fails the test. */
static inline json_t *parse_json(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (!j)
        fail_msg("not JSON (%s): %s", e.text, s);
    return j;
}

/* A test's temporary directory under /tmp, removed with what it holds. */
typedef struct tmpdir {
    char dir[64];
    char path[160]; /* the last file tmpdir_put wrote */
} tmpdir;

/* Makes /tmp/coopvm-STEM-XXXXXX (stem borrowed, short). */
static inline void tmpdir_open(tmpdir *t, const char *stem)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/coopvm-%s-XXXXXX", stem);
    assert_non_null(mkdtemp(t->dir));
}

static inline void tmpdir_close(tmpdir *t)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    assert_int_equal(system(cmd), 0);
}

/* Writes text to DIR/name and returns its path (valid until the next call). */
static inline const char *tmpdir_put(tmpdir *t, const char *name, const char *text)
{
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
    FILE *f = fopen(t->path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return t->path;
}

#endif
