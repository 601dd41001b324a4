/*
 * test_node_cmd.c — `coopvm node` as a process: its usage errors, a first
 * start writing genesis and the genesis contracts, SIGTERM and SIGINT
 * ending it with exit 0 after closing the store (which `coopvm verify`
 * then checks), a restart at the chain's height, and a different genesis
 * refused with exit 1.
 */
#include "cli/clitest.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void rm_rf(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        print_message("could not remove %s\n", dir);
}

static void test_usage(void **state)
{
    (void)state;
    proc_result r = coopvm("node", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing --data"));
    proc_result_free(&r);
    r = coopvm("node", "--data", "/tmp/x", "--block-interval", "fast", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--block-interval"));
    proc_result_free(&r);
    r = coopvm("node", "--data", "/tmp/x", "--max-block-txs", "0", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--max-block-txs"));
    proc_result_free(&r);
    r = coopvm("node", "--data", "/tmp/x", "--chain", "-1", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("node", "--data", "/tmp/x", "--mempool-limit", "x", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("node", "--data", "/tmp/x", "--bogus", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--bogus"));
    proc_result_free(&r);
    r = coopvm("node", "--data", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("node", "--empty-blocks=1", "--data", "/tmp/x", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("node", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--block-interval"));
    proc_result_free(&r);
    r = coopvm("node", "--data", "/tmp/coopvm-test-node-cmd-nope", "--genesis", "/nonexistent.json", NULL);
    assert_int_equal(r.status, 1);
    proc_result_free(&r);
}

/* Starts `coopvm node` with args, reads its stdout until a line contains
 * until, sends sig, and returns its exit status; *out gets all it printed
 * (the caller frees it). */
static int run_until(char *const args[], const char *until, int sig, char **out)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(args[0], args);
        _exit(127);
    }
    close(fd[1]);
    size_t cap = 1 << 16, len = 0;
    char *buf = calloc(1, cap);
    bool seen = false, signalled = false;
    for (;;) {
        ssize_t k = read(fd[0], buf + len, cap - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
        buf[len] = '\0';
        if (!seen && strstr(buf, until)) {
            seen = true;
            kill(pid, sig);
            signalled = true;
        }
        if (len + 1 >= cap)
            break;
    }
    close(fd[0]);
    if (!signalled)
        kill(pid, SIGKILL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_start_stop_restart(void **state)
{
    (void)state;
    char dir[] = "/tmp/coopvm-test-node-cmd-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *bin = (char *)proc_coopvm();
    char *first[] = {bin, "node", "--data", dir, "--genesis", "examples/cooperative/scenario.json",
                     "--block-interval", "20ms", "--listen", "127.0.0.1:0", NULL};
    char *out = NULL;
    assert_int_equal(run_until(first, "coopvm node: chain 42 at height 2", SIGTERM, &out), 0);
    assert_non_null(strstr(out, "block 1: genesis, 4 accounts"));
    assert_non_null(strstr(out, "block 2: 2 genesis contracts deployed"));
    assert_non_null(strstr(out, "coopvm node: serving the API on http://127.0.0.1:"));
    assert_non_null(strstr(out, "SIGTERM"));
    assert_non_null(strstr(out, "coopvm node: stopped"));
    free(out);
    proc_result r = coopvm("verify", "--data", dir, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    /* again at its height, no genesis block; SIGINT ends it too */
    assert_int_equal(run_until(first, "coopvm node: chain 42 at height 2", SIGINT, &out), 0);
    assert_null(strstr(out, "block 1"));
    assert_non_null(strstr(out, "SIGINT"));
    free(out);
    /* another genesis: refused, nothing written */
    r = coopvm("node", "--data", dir, "--genesis", "examples/counter.json", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "a different genesis"));
    proc_result_free(&r);
    /* another virtual chain: refused by the store's identity */
    r = coopvm("node", "--data", dir, "--chain", "7", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "chain"));
    proc_result_free(&r);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_start_stop_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
