/*
 * vectors.c — the conformance runner: plays every case in the tests/vectors JSON files
 * through the coopvm binary, as a user would, and compares what it prints.
 *
 *   build/vectors BUILD/coopvm tests/vectors
 *
 * A file holds {"cases": [CASE, ...]}. A CASE:
 *   "name"     what the case pins (required)
 *   "program"  a file beside the vectors, or "source": inline assembly
 *   "flags"    further arguments of `coopvm run` (--json is added)
 *   "exit"     the expected exit status (default 0)
 *   "expect"   a JSON value matched against the printed object: objects match
 *              when every expected key matches (null = must be absent),
 *              arrays element by element with equal length, scalars exactly
 *   "stderr"   strings that standard error must contain
 * Every `run` case is played once per dispatch (switch and goto), so both
 * interpreter variants are held to the same answers. The last line is
 * "N passed, N failed".
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "support/proc.h"

static int passed, failed;

static bool match(json_t *want, json_t *got, char *path, size_t cap)
{
    size_t plen = strlen(path);
    if (json_is_object(want)) {
        if (!json_is_object(got))
            return false;
        const char *k;
        json_t *v;
        json_object_foreach(want, k, v) {
            json_t *g = json_object_get(got, k);
            snprintf(path + plen, cap - plen, ".%s", k);
            if (json_is_null(v)) {
                if (g && !json_is_null(g))
                    return false;
                continue;
            }
            if (!g || !match(v, g, path, cap))
                return false;
        }
        path[plen] = 0;
        return true;
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(got) != json_array_size(want))
            return false;
        for (size_t i = 0; i < json_array_size(want); i++) {
            snprintf(path + plen, cap - plen, "[%zu]", i);
            if (!match(json_array_get(want, i), json_array_get(got, i), path, cap))
                return false;
        }
        path[plen] = 0;
        return true;
    }
    /* integers and reals compare by value; everything else exactly */
    return json_equal(want, got);
}

static void fail(const char *file, const char *name, const char *dispatch, const char *why, const char *detail)
{
    failed++;
    printf("FAIL %s: %s [%s]: %s\n", file, name, dispatch, why);
    if (detail && *detail)
        printf("  %s\n", detail);
}

static void run_case(const char *coopvm, const char *dir, const char *file, json_t *c, size_t idx,
                     const char *dispatch)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    char fallback[32];
    if (!name) {
        snprintf(fallback, sizeof fallback, "case %zu", idx);
        name = fallback;
    }
    char program[4096];
    /* inline sources go to DIR/vector.asm in a fresh directory, so the
     * contract's default name (the file's stem) is "vector" */
    char tmpdir[] = "/tmp/coopvm-vector-XXXXXX";
    char tmpname[64];
    bool tmp = false;
    const char *src = json_string_value(json_object_get(c, "source"));
    const char *prog = json_string_value(json_object_get(c, "program"));
    if (src) {
        int fd = -1;
        if (mkdtemp(tmpdir)) {
            snprintf(tmpname, sizeof tmpname, "%s/vector.asm", tmpdir);
            fd = open(tmpname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        }
        if (fd < 0 || write(fd, src, strlen(src)) != (ssize_t)strlen(src)) {
            fail(file, name, dispatch, "cannot write the inline source to a temporary file", NULL);
            if (fd >= 0)
                close(fd);
            rmdir(tmpdir);
            return;
        }
        close(fd);
        snprintf(program, sizeof program, "%s", tmpname);
        tmp = true;
    } else if (prog) {
        snprintf(program, sizeof program, "%s/%s", dir, prog);
    } else {
        fail(file, name, dispatch, "the case has neither \"program\" nor \"source\"", NULL);
        return;
    }

    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)coopvm;
    argv[argc++] = "run";
    argv[argc++] = program;
    json_t *flags = json_object_get(c, "flags");
    for (size_t i = 0; i < json_array_size(flags) && argc < 58; i++)
        argv[argc++] = (char *)json_string_value(json_array_get(flags, i));
    argv[argc++] = "--json";
    argv[argc++] = "--dispatch";
    argv[argc++] = (char *)dispatch;
    argv[argc] = NULL;

    proc_result r;
    int ran = proc_run(argv, &r);
    if (tmp) {
        unlink(tmpname);
        rmdir(tmpdir);
    }
    if (ran != 0) {
        fail(file, name, dispatch, "could not start coopvm", coopvm);
        return;
    }

    json_int_t want_exit = json_integer_value(json_object_get(c, "exit"));
    char why[640];
    if (r.status != want_exit) {
        snprintf(why, sizeof why, "exit status %d, expected %lld", r.status, (long long)want_exit);
        fail(file, name, dispatch, why, r.err);
        proc_result_free(&r);
        return;
    }
    json_t *stderr_want = json_object_get(c, "stderr");
    for (size_t i = 0; i < json_array_size(stderr_want); i++) {
        const char *s = json_string_value(json_array_get(stderr_want, i));
        if (s && !strstr(r.err, s)) {
            snprintf(why, sizeof why, "stderr lacks \"%s\"", s);
            fail(file, name, dispatch, why, r.err);
            proc_result_free(&r);
            return;
        }
    }
    json_t *want = json_object_get(c, "expect");
    if (want) {
        json_error_t jerr;
        json_t *got = json_loads(r.out, 0, &jerr);
        char path[512] = "$";
        if (!got) {
            snprintf(why, sizeof why, "stdout is not JSON: %s", jerr.text);
            fail(file, name, dispatch, why, r.out);
        } else if (!match(want, got, path, sizeof path)) {
            char *w = json_dumps(want, JSON_COMPACT), *g = json_dumps(got, JSON_COMPACT);
            snprintf(why, sizeof why, "mismatch at %s", path);
            char detail[4096];
            snprintf(detail, sizeof detail, "expected %s\n  got      %s", w ? w : "?", g ? g : "?");
            fail(file, name, dispatch, why, detail);
            free(w);
            free(g);
        } else {
            passed++;
        }
        json_decref(got);
    } else {
        passed++;
    }
    proc_result_free(&r);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int json_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: vectors COOPVM DIR\n");
        return 2;
    }
    struct dirent **list;
    int n = scandir(argv[2], &list, json_file, by_name);
    if (n < 0) {
        perror(argv[2]);
        return 2;
    }
    static const char *const dispatches[] = {"switch", "goto"};
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[2], list[i]->d_name);
        json_error_t jerr;
        json_t *doc = json_load_file(path, 0, &jerr);
        json_t *cases = json_object_get(doc, "cases");
        if (!doc || !json_is_array(cases)) {
            failed++;
            printf("FAIL %s: %s\n", list[i]->d_name,
                   doc ? "no \"cases\" array" : jerr.text);
        }
        for (size_t k = 0; k < json_array_size(cases); k++)
            for (size_t d = 0; d < 2; d++)
                run_case(argv[1], argv[2], list[i]->d_name, json_array_get(cases, k), k, dispatches[d]);
        json_decref(doc);
        free(list[i]);
    }
    free(list);
    printf("vectors: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
