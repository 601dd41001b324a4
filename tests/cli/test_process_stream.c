/*
 * test_process_stream.c — `coopvm process` writes as it goes and keeps its
 * memory flat as the number of blocks grows: a scenario of 10^5 empty
 * blocks peaks (ru_maxrss of the children) within a bound far below what
 * building every block first took, in text and in JSON; and the JSON it
 * writes piece by piece is byte for byte what jansson writes for the whole
 * document.
 *
 * A runner of its own: getrusage(RUSAGE_CHILDREN) is the peak of every
 * child this process waited for, so only these runs count. Not a timing
 * test. Under AddressSanitizer the bound is not checked: freed memory waits
 * in ASan's quarantine, so RSS measures ASan rather than coopvm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define BLOCKS 100000
/* Growth allowed over a 10-block run, in KiB. jansson's tree of the file
 * (about 140 bytes per empty block: 14 MB here) stays for the run; what
 * process built per block before it streamed was about 650 bytes per block
 * in text and 1.6 KB in JSON (65 and 160 MB here). */
#define GROWTH_KIB (40 * 1024)

static long peak_kib(void)
{
    struct rusage u;
    assert_int_equal(getrusage(RUSAGE_CHILDREN, &u), 0);
    return u.ru_maxrss; /* KiB on Linux */
}

/* A scenario of n empty blocks at path. */
static void write_empty(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"blocks\": [", f);
    for (size_t i = 0; i < n; i++)
        fputs(i ? ",[]" : "[]", f);
    fputs("]}\n", f);
    assert_int_equal(fclose(f), 0);
}

static void test_flat_memory(void **state)
{
    (void)state;
    char dir[] = "/tmp/coopvm-stream-XXXXXX", small[64], big[64];
    assert_non_null(mkdtemp(dir));
    snprintf(small, sizeof small, "%s/small.json", dir);
    snprintf(big, sizeof big, "%s/big.json", dir);
    write_empty(small, 10);
    write_empty(big, BLOCKS);

    proc_result r = coopvm("process", small, "--json", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    long base = peak_kib();

    static const char *const modes[] = {NULL, "--json"};
    for (size_t m = 0; m < 2; m++) {
        r = coopvm("process", big, modes[m], NULL);
        assert_int_equal(r.status, 0);
        /* every block printed: the last one's height is BLOCKS + 1 (genesis first) */
        char last[64];
        snprintf(last, sizeof last, m ? "\"height\": %d," : "block %d\n", BLOCKS + 1);
        assert_non_null(strstr(r.out, last));
        proc_result_free(&r);
        long peak = peak_kib();
        print_message("%s: peak %ld KiB, a 10-block run %ld KiB\n", m ? "json" : "text", peak, base);
        if (!UNDER_ASAN && peak > base + GROWTH_KIB)
            fail_msg("%s: %d empty blocks peaked at %ld KiB, more than %ld + %d", m ? "json" : "text", BLOCKS, peak,
                     base, GROWTH_KIB);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The streamed document is jansson's own text of it (JSON_INDENT(1),
 * members in order), whole. */
static void test_json_as_jansson_writes_it(void **state)
{
    (void)state;
    proc_result r = coopvm("process", "examples/counter.json", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    char *whole = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    assert_non_null(whole);
    size_t n = strlen(whole);
    assert_int_equal(r.out_len, n + 1);
    assert_memory_equal(r.out, whole, n);
    assert_int_equal(r.out[n], '\n');
    free(whole);
    json_decref(j);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_as_jansson_writes_it),
        cmocka_unit_test(test_flat_memory),
    };
    return cmocka_run_group_tests_name("process_stream", tests, NULL, NULL);
}
