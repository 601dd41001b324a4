/*
 * test_limits.c — the size caps on the files the CLI reads (cli.h, README
 * "The command line"), checked while reading: a device, a FIFO and a huge
 * sparse file end with "FILE: the file is larger than N bytes, the limit
 * for KIND" and exit 1; a file at the cap is read. And limits a user can
 * hit, worded in the user's terms.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

static char *temp_path(const char *suffix)
{
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/coopvm-limits-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static char *write_temp(const char *suffix, const void *data, size_t len)
{
    char *path = temp_path(suffix);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

/* Asserts r failed with exit 1 and said that path is over the cap. */
static void assert_too_big(proc_result *r, const char *path, const char *limit, const char *kind)
{
    char want[256];
    snprintf(want, sizeof want, "%s: the file is larger than %s bytes, the limit for %s", path, limit, kind);
    if (r->status != 1 || !strstr(r->err, want))
        fail_msg("want exit 1 and \"%s\", got %d: %s", want, r->status, r->err);
    proc_result_free(r);
}

static void test_devices_end_at_the_cap(void **state)
{
    (void)state;
    proc_result r = coopvm("asm", "/dev/zero", "-o", "/tmp/coopvm-limits-never.cvm", NULL);
    assert_too_big(&r, "/dev/zero", "4,194,304", "a contract (.asm or .cvm)");
    assert_int_equal(access("/tmp/coopvm-limits-never.cvm", F_OK), -1);
    r = coopvm("disasm", "/dev/zero", NULL);
    assert_too_big(&r, "/dev/zero", "4,194,304", "a contract (.asm or .cvm)");
    r = coopvm("run", "/dev/zero", NULL);
    assert_too_big(&r, "/dev/zero", "4,194,304", "a contract (.asm or .cvm)");
    r = coopvm("process", "/dev/zero", NULL);
    assert_too_big(&r, "/dev/zero", "67,108,864", "a scenario");
    r = coopvm("tx", "hash", "/dev/zero", NULL);
    assert_too_big(&r, "/dev/zero", "16,777,216", "a transaction");
    r = coopvm("tx", "build", "--from", "/dev/zero", NULL);
    assert_too_big(&r, "/dev/zero", "16,777,216", "a transaction");
    r = coopvm("tx", "build", "--service", "S", "--method", "m", "--key", "/dev/zero", NULL);
    assert_too_big(&r, "/dev/zero", "4,096", "a key file");
}

/* A huge sparse file is refused at once, without reading it. */
static void test_sparse_file(void **state)
{
    (void)state;
    char *p = temp_path(".json");
    assert_int_equal(truncate(p, (off_t)1 << 40), 0);
    proc_result r = coopvm("process", p, NULL);
    assert_too_big(&r, p, "67,108,864", "a scenario");
    unlink(p);
    free(p);
}

/* A key file written by `coopvm keygen --json`, padded with spaces to len. */
static char *key_file(size_t len)
{
    proc_result r = coopvm("keygen", "--name", "alice", "--json", NULL);
    assert_int_equal(r.status, 0);
    assert_true(r.out_len <= len);
    char *text = malloc(len);
    memcpy(text, r.out, r.out_len);
    memset(text + r.out_len, ' ', len - r.out_len);
    char *p = write_temp(".json", text, len);
    free(text);
    proc_result_free(&r);
    return p;
}

/* Exactly at the cap is read; one byte more is not. */
static void test_key_file_at_the_cap(void **state)
{
    (void)state;
    char *key = key_file(4096);
    proc_result r = coopvm("tx", "build", "--service", "S", "--method", "m", "--key", key, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    unlink(key);
    free(key);

    key = key_file(4097);
    r = coopvm("tx", "build", "--service", "S", "--method", "m", "--key", key, NULL);
    assert_too_big(&r, key, "4,096", "a key file");
    unlink(key);
    free(key);
}

/* A FIFO whose writer never stops is read up to the cap, then refused. */
static void test_fifo(void **state)
{
    (void)state;
    char *p = temp_path(".json");
    unlink(p);
    assert_int_equal(mkfifo(p, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        FILE *f = fopen(p, "wb");
        static const char chunk[4096] = {' '};
        while (f && fwrite(chunk, 1, sizeof chunk, f) == sizeof chunk)
            ;
        _exit(0);
    }
    proc_result r = coopvm("tx", "hash", p, NULL);
    assert_too_big(&r, p, "16,777,216", "a transaction");
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(p);
    free(p);
}

/* A module too large to deploy, as `run` reports it. */
static void test_module_too_big_to_deploy(void **state)
{
    (void)state;
    size_t cap = 1 << 20, n = 0;
    char *src = malloc(cap);
    n += (size_t)snprintf(src + n, cap - n, ".contract Big\n.method main\n");
    for (int i = 0; i < 12000; i++)
        n += (size_t)snprintf(src + n, cap - n, "    Push 1234567\n    Pop\n");
    n += (size_t)snprintf(src + n, cap - n, "    Push 0\n");
    char *p = write_temp(".asm", src, n);
    free(src);
    proc_result r = coopvm("run", p, NULL);
    char want[256];
    snprintf(want, sizeof want, "coopvm run: %s: the module is 127,528 bytes; a deployment carries at most 65,536", p);
    if (r.status != 1 || !strstr(r.err, want))
        fail_msg("want exit 1 and \"%s\", got %d: %s", want, r.status, r.err);
    proc_result_free(&r);
    unlink(p);
    free(p);
}

/* Argument, method-name and state-key limits, in the user's terms. */
static void test_limits_in_user_terms(void **state)
{
    (void)state;
    size_t n = 70000;
    char *arg = malloc(n + 3);
    arg[0] = '"';
    memset(arg + 1, 'x', n);
    memcpy(arg + 1 + n, "\"", 2);
    proc_result r = coopvm("tx", "build", "--service", "S", "--method", "m", "--arg", arg, NULL);
    assert_int_equal(r.status, 1);
    if (!strstr(r.err, "args[0]: the string is 70,000 bytes; an argument carries at most 65,536"))
        fail_msg("got: %s", r.err);
    proc_result_free(&r);

    memset(arg, 'm', 2000);
    arg[2000] = 0;
    r = coopvm("tx", "build", "--service", "S", "--method", arg, NULL);
    assert_int_equal(r.status, 1);
    if (!strstr(r.err, "the method name is 2,000 bytes; a transaction carries at most 1,024"))
        fail_msg("got: %s", r.err);
    proc_result_free(&r);

    memset(arg, 'k', 600);
    memcpy(arg + 600, "=1", 3);
    r = coopvm("run", "examples/counter.asm", "--method", "get", "--reputation", "10", "--state", arg, NULL);
    assert_int_equal(r.status, 1);
    if (!strstr(r.err, "state key too long in service Counter: the key is 600 bytes; its keys hold at most 502"))
        fail_msg("got: %s", r.err);
    proc_result_free(&r);

    memset(arg, 'k', 5000);
    memcpy(arg + 5000, "=1", 3);
    r = coopvm("run", "examples/counter.asm", "--state", arg, NULL);
    assert_int_equal(r.status, 1);
    if (!strstr(r.err, "the key is 5,000 bytes; a state key holds at most 1,024"))
        fail_msg("got: %s", r.err);
    proc_result_free(&r);
    free(arg);
}

/* The caps are in each reading command's --help. */
static void test_help_states_the_caps(void **state)
{
    (void)state;
    static const struct {
        const char *cmd, *want;
    } cases[] = {{"asm", "4 MiB"}, {"disasm", "4 MiB"}, {"run", "4 MiB"},
                 {"process", "64 MiB"}, {"tx", "16 MiB"}, {"tx", "4 KiB"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proc_result r = coopvm(cases[i].cmd, "--help", NULL);
        assert_int_equal(r.status, 0);
        if (!strstr(r.out, cases[i].want))
            fail_msg("coopvm %s --help does not say %s", cases[i].cmd, cases[i].want);
        proc_result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_end_at_the_cap),
        cmocka_unit_test(test_sparse_file),
        cmocka_unit_test(test_key_file_at_the_cap),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_help_states_the_caps),
        cmocka_unit_test(test_module_too_big_to_deploy),
        cmocka_unit_test(test_limits_in_user_terms),
    };
    return cmocka_run_group_tests_name("cli limits", tests, NULL, NULL);
}
