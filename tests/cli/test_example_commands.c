/*
 * test_example_commands.c — the commands printed in the examples' headers
 * (lines ";   coopvm ...") work as printed: each exits 0. An `asm` command
 * gets "-o" into a temporary file so the tree stays clean.
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

static const char *const examples[] = {"examples/counter.asm", "examples/cooperative/Housing.asm",
                                       "examples/cooperative/Compute.asm", "examples/ledger/Ledger.asm"};

/* Runs the command on line (after ";   coopvm "); returns its exit status. */
static int run_line(const char *file, char *line)
{
    const char *argv[PROC_MAX_ARGS + 1] = {0};
    size_t n = 0;
    for (char *tok = strtok(line, " \t\n"); tok && n < PROC_MAX_ARGS - 2; tok = strtok(NULL, " \t\n"))
        argv[n++] = tok;
    /* a path of this process: make cross runs two architectures' tests at once */
    char out[64];
    snprintf(out, sizeof out, "/tmp/coopvm-example-commands-%ld.cvm", (long)getpid());
    if (n && strcmp(argv[0], "asm") == 0) {
        argv[n++] = "-o";
        argv[n++] = out;
    }
    proc_result r;
    assert_int_equal(proc_coopvm_run(&r, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7],
                                     argv[8], argv[9], argv[10], argv[11], argv[12], argv[13], argv[14], NULL),
                     0);
    int status = r.status;
    if (status != 0)
        print_error("%s: 'coopvm %s ...' exits %d:\n%s%s\n", file, argv[0], status, r.out, r.err);
    proc_result_free(&r);
    unlink(out);
    return status;
}

static void test_header_commands_work_as_printed(void **state)
{
    (void)state;
    size_t commands = 0, failed = 0;
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        FILE *f = fopen(examples[i], "r");
        assert_non_null(f);
        char line[512];
        static const char prefix[] = ";   coopvm ";
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, prefix, sizeof prefix - 1) != 0)
                continue;
            commands++;
            failed += run_line(examples[i], line + sizeof prefix - 1) != 0;
        }
        fclose(f);
    }
    assert_true(commands >= 8);
    assert_int_equal(failed, 0);
}

/* run --help says how reputation gates run, and the command it shows works. */
static void test_run_help_explains_reputation(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Reputation gates every method"));
    assert_non_null(strstr(r.out, "INSUFFICIENT_REPUTATION"));
    char *cmd = strstr(r.out, "  coopvm run examples/counter.asm");
    assert_non_null(cmd);
    char line[256];
    size_t n = strcspn(cmd + 9, "\n");
    assert_true(n < sizeof line);
    memcpy(line, cmd + 9, n);
    line[n] = 0;
    assert_int_equal(run_line("coopvm run --help", line), 0);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_commands_work_as_printed),
        cmocka_unit_test(test_run_help_explains_reputation),
    };
    return cmocka_run_group_tests_name("example commands", tests, NULL, NULL);
}
