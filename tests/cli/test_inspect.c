/*
 * test_inspect.c — `coopvm inspect`: a module's interface as text and as
 * JSON, from assembly and from a binary module alike; bad files and bad
 * usage with their exit statuses; `coopvm help inspect`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

static const char typed_src[] = ".contract Ledger\n"
                                ".reputation -3\n"
                                ".cooperative shares purpose=\"Member \\\"shares\\\"\" cpu=1 storage=7\n"
                                ".state \"total\\xff\" 5\n"
                                ".import Token.transfer params bytes int returns int\n"
                                ".import _Governance.getProposal params int returns string bytes string int int\n"
                                ".event Transfer from:bytes to:bytes amount:int\n"
                                ".event Ping\n"
                                ".method transfer params to:bytes amount:int returns int\n"
                                "    Push 1\n"
                                ".method balanceOf readonly params who:bytes returns int\n"
                                "    Push 0\n"
                                ".method info returns string int\n"
                                ".method none returns\n"
                                ".method old params 2\n"
                                "    Add\n";

static char *write_temp(const char *suffix, const void *data, size_t len)
{
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/coopvm-inspect-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void text_form(void **state)
{
    (void)state;
    char *src = write_temp(".asm", typed_src, strlen(typed_src));
    proc_result r = coopvm("inspect", src, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    /* everything but the hash line, exactly */
    const char *hash = strstr(r.out, "  format version 2, ");
    assert_non_null(hash);
    const char *after = strchr(hash, '\n');
    assert_non_null(after);
    assert_true(strncmp(r.out, "contract Ledger\n", (size_t)(hash - r.out)) == 0);
    assert_string_equal(after + 1,
                        "  required reputation -3\n"
                        "  cooperative shares: purpose \"Member \\\"shares\\\"\", federation \"\", cpu 1, memory 0, "
                        "network 0, storage 7, bandwidth 0\n"
                        "  state \"total\\xff\" = 5\n"
                        "methods (5):\n"
                        "  transfer(to: bytes, amount: int) -> int\n"
                        "  balanceOf(who: bytes) -> int  readonly\n"
                        "  info() -> string, int\n"
                        "  none()\n"
                        "  old(int, int) -> int  untyped\n"
                        "events (2):\n"
                        "  Transfer(from: bytes, to: bytes, amount: int)\n"
                        "  Ping()\n"
                        "imports (2):\n"
                        "  Token.transfer(bytes, int) -> int\n"
                        "  _Governance.getProposal(int) -> string, bytes, string, int, int\n");
    /* "format version 2, N bytes, code hash <64 hex>" */
    unsigned v;
    size_t size;
    char hex[65];
    assert_int_equal(sscanf(hash, "  format version %u, %zu bytes, code hash %64[0-9a-f]", &v, &size, hex), 3);
    assert_int_equal(v, 2);
    assert_int_equal(strlen(hex), 64);
    proc_result_free(&r);
    unlink(src);
    free(src);
}

static const char *str_at(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static void json_form_from_asm_and_binary(void **state)
{
    (void)state;
    char *src = write_temp(".asm", typed_src, strlen(typed_src));
    char *bin = write_temp(".cvm", "", 0);
    proc_result r = coopvm("asm", src, "-o", bin, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);

    proc_result a = coopvm("inspect", src, "--json", NULL);
    proc_result b = coopvm("inspect", "--json", bin, NULL);
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    assert_string_equal(a.out, b.out); /* the same interface, whichever form */
    json_t *j = parse_json(a.out);
    assert_string_equal(str_at(j, "contract"), "Ledger");
    assert_int_equal(json_integer_value(json_object_get(j, "format_version")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "required_reputation")), -3);
    assert_int_equal(strlen(str_at(j, "code_hash")), 64);
    size_t len = 0;
    FILE *f = fopen(bin, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    fclose(f);
    assert_int_equal(json_integer_value(json_object_get(j, "size")), len);

    json_t *coop = json_object_get(j, "cooperative");
    assert_string_equal(str_at(coop, "id"), "shares");
    assert_string_equal(str_at(coop, "purpose"), "Member \"shares\"");
    assert_string_equal(str_at(coop, "federation"), "");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(coop, "impacts"), "storage")), 7);
    json_t *st = json_array_get(json_object_get(j, "state"), 0);
    assert_string_equal(str_at(st, "key"), "0x746f74616cff"); /* not UTF-8: hex */
    assert_int_equal(json_integer_value(json_object_get(st, "value")), 5);

    json_t *methods = json_object_get(j, "methods");
    assert_int_equal(json_array_size(methods), 5);
    json_t *m0 = json_array_get(methods, 0);
    assert_string_equal(str_at(m0, "name"), "transfer");
    assert_true(json_is_false(json_object_get(m0, "readonly")));
    assert_true(json_is_true(json_object_get(m0, "typed")));
    json_t *p1 = json_array_get(json_object_get(m0, "params"), 1);
    assert_string_equal(str_at(p1, "name"), "amount");
    assert_string_equal(str_at(p1, "type"), "int");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m0, "results"), 0)), "int");
    json_t *m1 = json_array_get(methods, 1);
    assert_true(json_is_true(json_object_get(m1, "readonly")));
    json_t *m3 = json_array_get(methods, 3); /* none: typed, no results */
    assert_int_equal(json_array_size(json_object_get(m3, "results")), 0);
    json_t *m4 = json_array_get(methods, 4); /* old: params 2, untyped */
    assert_true(json_is_false(json_object_get(m4, "typed")));
    assert_int_equal(json_array_size(json_object_get(m4, "params")), 2);
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(m4, "params"), 0), "name")));
    assert_string_equal(str_at(json_array_get(json_object_get(m4, "params"), 0), "type"), "int");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m4, "results"), 0)), "int");

    json_t *ev = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(str_at(ev, "name"), "Transfer");
    json_t *f2 = json_array_get(json_object_get(ev, "fields"), 2);
    assert_string_equal(str_at(f2, "name"), "amount");
    assert_string_equal(str_at(f2, "type"), "int");
    assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(j, "events"), 1), "fields")), 0);

    json_t *im = json_array_get(json_object_get(j, "imports"), 1);
    assert_string_equal(str_at(im, "target"), "_Governance.getProposal");
    assert_string_equal(str_at(im, "service"), "_Governance");
    assert_string_equal(str_at(im, "method"), "getProposal");
    assert_int_equal(json_array_size(json_object_get(im, "params")), 1);
    assert_int_equal(json_array_size(json_object_get(im, "results")), 5);
    assert_string_equal(json_string_value(json_array_get(json_object_get(im, "results"), 1)), "bytes");
    json_decref(j);
    proc_result_free(&a);
    proc_result_free(&b);

    /* the keys, in their stable order */
    r = coopvm("inspect", "--json", "examples/counter.asm", NULL);
    assert_int_equal(r.status, 0);
    j = parse_json(r.out);
    const char *keys[] = {"contract", "format_version", "size",    "code_hash", "required_reputation",
                          "cooperative", "state",       "methods", "events",    "imports"};
    const char *at = r.out;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\n  \"%s\":", keys[k]);
        const char *p = strstr(at, quoted);
        assert_non_null(p);
        at = p;
    }
    assert_int_equal(json_object_size(j), sizeof keys / sizeof keys[0]);
    /* a version 1 module: untyped methods, nothing declared */
    assert_int_equal(json_integer_value(json_object_get(j, "format_version")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "events")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "imports")), 0);
    json_decref(j);
    proc_result_free(&r);

    unlink(src);
    unlink(bin);
    free(src);
    free(bin);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    d[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* coopvm asm, disasm, asm again: the identical bytes, and inspect agrees
 * on both modules. */
static void disasm_round_trip_through_the_cli(void **state)
{
    (void)state;
    const char src_text[] = ".contract RT\n"
                            ".import \"9s.m\" params string returns\n"
                            ".event E a:int b:string\n"
                            ".method m params a:bytes returns bytes bytes\n"
                            "    Push \"x\\x00y\"\n"
                            "    PushBytes \"z\"\n"
                            "    Pop\n";
    char *src = write_temp(".asm", src_text, strlen(src_text));
    char *b1 = write_temp(".cvm", "", 0), *text = write_temp(".asm", "", 0), *b2 = write_temp(".cvm", "", 0);
    proc_result r = coopvm("asm", src, "-o", b1, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    r = coopvm("disasm", b1, "-o", text, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    r = coopvm("asm", text, "-o", b2, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    size_t n1, n2;
    char *d1 = slurp(b1, &n1), *d2 = slurp(b2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(d1, d2, n1);
    assert_int_equal(d1[4], 2); /* format version 2 */
    proc_result i1 = coopvm("inspect", "--json", b1, NULL), i2 = coopvm("inspect", "--json", text, NULL);
    assert_int_equal(i1.status, 0);
    assert_string_equal(i1.out, i2.out);
    proc_result_free(&i1);
    proc_result_free(&i2);
    free(d1);
    free(d2);
    const char *files[] = {src, b1, text, b2};
    for (size_t k = 0; k < 4; k++) {
        unlink(files[k]);
        free((void *)files[k]);
    }
}

static void bad_files_exit_1(void **state)
{
    (void)state;
    const char bad_src[] = ".method m params a:intt\n";
    char *src = write_temp(".asm", bad_src, strlen(bad_src));
    proc_result r = coopvm("inspect", src, NULL);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    char want[256];
    snprintf(want, sizeof want, "%s:1:20: error: unknown type 'intt' for param 'a' (did you mean 'int'?", src);
    assert_non_null(strstr(r.err, want));
    proc_result_free(&r);

    /* a binary module with an unknown type code: the field and its offset */
    const uint8_t bad_bin[] = {'C', 'V', 'M', 0x1a, 2, 0, 1, 'A', 0, 0, 0, 0, 0, 1, 1, 'E', 1, 1, 'v', 9, 0, 0, 0};
    char *bin = write_temp(".cvm", bad_bin, sizeof bad_bin);
    r = coopvm("inspect", "--json", bin, NULL);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "event 0 field 0 type at offset 19: type code 9 is not int (1), string (3) or bytes (4)"));
    proc_result_free(&r);

    r = coopvm("inspect", "/nonexistent/x.cvm", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/x.cvm"));
    proc_result_free(&r);
    unlink(src);
    unlink(bin);
    free(src);
    free(bin);
}

static void usage_and_help(void **state)
{
    (void)state;
    proc_result r = coopvm("inspect", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "coopvm inspect: missing input file"));
    proc_result_free(&r);
    r = coopvm("inspect", "a.asm", "b.asm", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "one input file only ('a.asm' and 'b.asm')"));
    proc_result_free(&r);
    r = coopvm("inspect", "--yaml", "a.asm", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown flag '--yaml'"));
    proc_result_free(&r);
    r = coopvm("inspect", "--json=1", "a.asm", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);

    r = coopvm("help", "inspect", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: coopvm inspect FILE [--json]"));
    assert_non_null(strstr(r.out, "--json"));
    proc_result_free(&r);
    r = coopvm("inspect", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: coopvm inspect FILE [--json]"));
    proc_result_free(&r);
    r = coopvm("help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "  inspect "));
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_form),
        cmocka_unit_test(json_form_from_asm_and_binary),
        cmocka_unit_test(disasm_round_trip_through_the_cli),
        cmocka_unit_test(bad_files_exit_1),
        cmocka_unit_test(usage_and_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
