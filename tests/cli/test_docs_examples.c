/*
 * test_docs_examples.c — the examples of docs/assembly.md stay true: each
 * transcript there (a fenced block of `$ cat FILE` and `$ coopvm ...`
 * lines) is played, FILE being the text `$ cat` shows or else the assembly
 * block just before the transcript, and every output shown must be what
 * the command prints. And an `.import` line in the docs (the docs
 * directory's pages, README.md, the examples' READMEs) of a target that an example contract
 * imports says exactly what the example says — the examples are played by
 * their own tests, so their signatures are the real ones (a wrong one fails
 * only at the call, with WRONG_ARGUMENTS).
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/clitest.h"

#define DOC "docs/assembly.md"

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *s = NULL;
    size_t n = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (n + 2 > cap) {
            cap = cap ? 2 * cap : 4096;
            s = realloc(s, cap);
            assert_non_null(s);
        }
        s[n++] = (char)c;
    }
    fclose(f);
    if (!s)
        s = calloc(1, 1);
    s[n] = '\0';
    return s;
}

static void write_text(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite(p, 1, n, f);
    fclose(f);
}

/* Runs `coopvm` with the words of cmd (after "coopvm "), a word naming a
 * file of dir taken as dir/word; returns what it printed (owned). */
static char *run_command(const char *dir, const char *cmd)
{
    char words[512], paths[PROC_MAX_ARGS][256];
    snprintf(words, sizeof words, "%s", cmd);
    char *argv[PROC_MAX_ARGS + 2];
    int n = 0;
    argv[n++] = (char *)proc_coopvm();
    for (char *w = strtok(words, " "); w; w = strtok(NULL, " ")) {
        assert_true(n <= PROC_MAX_ARGS);
        snprintf(paths[n - 1], sizeof paths[n - 1], "%s/%s", dir, w);
        argv[n] = access(paths[n - 1], F_OK) == 0 ? paths[n - 1] : w;
        n++;
    }
    argv[n] = NULL;
    proc_result r;
    assert_int_equal(proc_run(argv, &r), 0);
    char *out = strdup(r.out);
    proc_result_free(&r);
    return out;
}

/* Plays one transcript block[0..n): returns the number of commands checked. */
static int play(const char *dir, const char *block, size_t n, const char *last_asm, size_t last_len)
{
    int played = 0;
    const char *p = block, *end = block + n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        eol = eol ? eol + 1 : end;
        if (strncmp(p, "$ ", 2) != 0)
            fail_msg("%s: a transcript line that follows no command: %.*s", DOC, (int)(eol - p), p);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%.*s", (int)(eol - p - 3), p + 2); /* without "$ " and the newline */
        /* the output shown: up to the next command or the end */
        const char *q = eol;
        while (q < end && strncmp(q, "$ ", 2) != 0) {
            const char *e2 = memchr(q, '\n', (size_t)(end - q));
            q = e2 ? e2 + 1 : end;
        }
        char file[1024];
        if (strncmp(cmd, "cat ", 4) == 0) {
            snprintf(file, sizeof file, "%s/%s", dir, cmd + 4);
            write_text(file, eol, (size_t)(q - eol));
        } else if (strncmp(cmd, "coopvm ", 7) == 0) {
            /* a FILE.asm not shown by `cat`: the assembly block before */
            char words[512];
            snprintf(words, sizeof words, "%s", cmd + 7);
            for (char *w = strtok(words, " "); w; w = strtok(NULL, " ")) {
                size_t wl = strlen(w);
                snprintf(file, sizeof file, "%s/%s", dir, w);
                if (wl > 4 && strcmp(w + wl - 4, ".asm") == 0 && access(file, F_OK) != 0) {
                    if (!last_asm)
                        fail_msg("%s: `%s` names %s, which no block before shows", DOC, cmd, w);
                    write_text(file, last_asm, last_len);
                }
            }
            char *out = run_command(dir, cmd + 7);
            if (strlen(out) != (size_t)(q - eol) || memcmp(out, eol, (size_t)(q - eol)) != 0)
                fail_msg("%s shows for `%s`:\n%.*s\nbut it prints:\n%s", DOC, cmd, (int)(q - eol), eol, out);
            free(out);
            played++;
        } else {
            fail_msg("%s: unknown command in a transcript: %s", DOC, cmd);
        }
        p = q;
    }
    return played;
}

static void test_assembly_md_transcripts(void **state)
{
    (void)state;
    char dir[] = "/tmp/coopvm-docs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *doc = read_all(DOC);
    const char *last_asm = NULL;
    size_t last_len = 0;
    int played = 0;
    const char *body = NULL; /* inside a fenced block: its first line */
    for (char *line = doc; *line;) {
        char *next = strchr(line, '\n');
        next = next ? next + 1 : line + strlen(line);
        if (strncmp(line, "```", 3) != 0) {
            line = next;
            continue;
        }
        if (!body) {
            body = next;
            line = next;
            continue;
        }
        size_t n = (size_t)(line - body); /* with its last newline */
        if (strncmp(body, "$ ", 2) == 0) {
            /* each transcript in a fresh directory: its files are its own */
            char sub[64];
            snprintf(sub, sizeof sub, "%s/%d", dir, played);
            assert_int_equal(mkdir(sub, 0700), 0);
            played += play(sub, body, n, last_asm, last_len);
        } else if (strncmp(body, ".contract", 9) == 0) {
            last_asm = body;
            last_len = n;
        }
        body = NULL;
        line = next;
    }
    /* the inspect of a typed interface and the typed ledger's two runs */
    if (played < 3)
        fail_msg("%s: only %d commands played", DOC, played);
    free(doc);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    assert_int_equal(system(rm), 0);
}

/* The words of an `.import` line, single-spaced, without a comment. */
static void normalize(const char *line, char *out, size_t cap)
{
    size_t k = 0;
    bool space = false;
    for (const char *p = line; *p && *p != '\n' && *p != ';' && k + 2 < cap; p++) {
        if (*p == ' ' || *p == '\t') {
            space = k > 0;
            continue;
        }
        if (space)
            out[k++] = ' ';
        space = false;
        out[k++] = *p;
    }
    out[k] = '\0';
}

/* The target of a normalized import line (".import T ..."). */
static void target_of(const char *norm, char *out, size_t cap)
{
    const char *t = norm + strlen(".import ");
    size_t n = strcspn(t, " ");
    snprintf(out, cap, "%.*s", (int)n, t);
}

#define MAX_IMPORTS 64

static void test_docs_imports_match_the_examples(void **state)
{
    (void)state;
    static char known[MAX_IMPORTS][256], known_target[MAX_IMPORTS][128];
    size_t nknown = 0;
    glob_t g;
    assert_int_equal(glob("examples/*/*.asm", 0, NULL, &g), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char *text = read_all(g.gl_pathv[i]);
        for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            char norm[256];
            normalize(line, norm, sizeof norm);
            if (strncmp(norm, ".import ", 8) != 0 || nknown == MAX_IMPORTS)
                continue;
            snprintf(known[nknown], sizeof known[nknown], "%s", norm);
            target_of(norm, known_target[nknown], sizeof known_target[nknown]);
            nknown++;
        }
        free(text);
    }
    globfree(&g);
    assert_true(nknown >= 6); /* _Cooperatives.getInfo, isMember, four of _Governance */
    size_t checked = 0;
    static const char *const patterns[] = {"docs/*.md", "README.md", "examples/*/README.md"};
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        assert_int_equal(glob(patterns[k], 0, NULL, &g), 0);
        for (size_t i = 0; i < g.gl_pathc; i++) {
            char *text = read_all(g.gl_pathv[i]);
            for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                char norm[256], target[128];
                normalize(line, norm, sizeof norm);
                if (strncmp(norm, ".import ", 8) != 0)
                    continue;
                target_of(norm, target, sizeof target);
                for (size_t j = 0; j < nknown; j++) {
                    if (strcmp(target, known_target[j]) != 0)
                        continue;
                    checked++;
                    if (strcmp(norm, known[j]) != 0)
                        fail_msg("%s shows `%s`; the examples (played by their tests) import `%s`", g.gl_pathv[i],
                                 norm, known[j]);
                }
            }
            free(text);
        }
        globfree(&g);
    }
    assert_true(checked >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assembly_md_transcripts),
        cmocka_unit_test(test_docs_imports_match_the_examples),
    };
    return cmocka_run_group_tests_name("docs examples", tests, NULL, NULL);
}
