/*
 * main.c — the `coopvm` command: finds the subcommand and hands it argv.
 *
 * Each subcommand lives in its own cmd_*.c and answers --help itself.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *synopsis;
} commands[] = {
    {"run", cmd_run, "run one method of a contract (.asm or .cvm) and print its receipt"},
    {"asm", cmd_asm, "assemble a .asm file into a binary .cvm module"},
    {"disasm", cmd_disasm, "print a .cvm module as assembly that assembles back to the same bytes"},
    {"opcodes", cmd_opcodes, "list the instruction set (--markdown writes docs/opcodes.md)"},
    {"keygen", cmd_keygen, "print an Ed25519 key pair and its address (--json: a key file)"},
    {"tx", cmd_tx, "build, sign, verify and hash transactions (JSON files)"},
    {"process", cmd_process, "play a scenario: accounts, contracts, blocks and queries on a chain"},
    {"events", cmd_events, "print the event history of a data directory (filters; --json)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: coopvm COMMAND [ARGS]\n\n"
                 "coopvm %s: a virtual machine for cooperative contracts.\n\ncommands:\n",
            cvm_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].synopsis);
    fprintf(out, "\n'coopvm COMMAND --help' describes a command's flags.\n"
                 "Exit status: 0 success, 1 the contract failed or the input is bad, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("coopvm %s\n", cvm_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "coopvm: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
