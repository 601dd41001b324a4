/*
 * test_process_stream.c — `coopvm process` writes as it goes and keeps its
 * memory flat as the number of blocks grows: a scenario of 10^5 empty
 * blocks peaks (ru_maxrss of the children) within a bound far below what
 * building every block first took, in text and in JSON; and the JSON it
 * writes piece by piece is byte for byte what jansson writes for the whole
 * document.
 *
 * Also: on a terminal (stderr a pty, stdout not), a long run shows
 * "block N/TOTAL" on stderr, rewritten in place, and clears it at the end.
 *
 * A runner of its own: getrusage(RUSAGE_CHILDREN) is the peak of every
 * child this process waited for, so only these runs count. Not a timing
 * test. Under AddressSanitizer the bound is not checked: freed memory waits
 * in ASan's quarantine, so RSS measures ASan rather than coopvm.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

/* Progress on a terminal: the run's stderr is a pseudo-terminal, its
 * stdout /dev/null. A run of 3 x 10^5 blocks lasts well over the quarter of
 * a second before the first line. */
static void test_progress_on_a_terminal(void **state)
{
    (void)state;
    char dir[] = "/tmp/coopvm-progress-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.json", dir);
    write_empty(path, 3 * BLOCKS);
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    const char *slave = ptsname(master);
    assert_non_null(slave);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(slave, O_RDWR | O_NOCTTY), devnull = open("/dev/null", O_WRONLY);
        if (fd < 0 || devnull < 0 || dup2(fd, STDERR_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0)
            _exit(126);
        close(master);
        execl(proc_coopvm(), proc_coopvm(), "process", path, (char *)NULL);
        _exit(127);
    }
    char out[1 << 16];
    size_t n = 0;
    int status = 0;
    for (;;) { /* until the child's end closes the terminal (EIO) */
        ssize_t k = read(master, out + n, sizeof out - 1 - n);
        if (k > 0 && n + (size_t)k < sizeof out - 1) {
            n += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        break;
    }
    out[n] = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(master);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char total[32];
    snprintf(total, sizeof total, "/%d", 3 * BLOCKS);
    if (!strstr(out, "\rblock ") || !strstr(out, total))
        fail_msg("no progress on the terminal: \"%s\"", out);
    assert_int_equal(out[n - 1], '\r'); /* cleared at the end */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_as_jansson_writes_it),
        cmocka_unit_test(test_flat_memory),
        cmocka_unit_test(test_progress_on_a_terminal),
    };
    return cmocka_run_group_tests_name("process_stream", tests, NULL, NULL);
}
