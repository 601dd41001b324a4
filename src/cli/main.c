/*
 * main.c — the `coopvm` command: finds the subcommand and hands it argv.
 *
 * Each subcommand lives in its own cmd_*.c and answers --help itself;
 * `coopvm help CMD` is `coopvm CMD --help`. Before dispatch, every
 * `--flag=value` (up to a `--`) becomes `--flag value`, so each command's
 * parser accepts both forms without knowing of either; a flag that takes
 * no value (flags_without_value) refuses `=value` here.
 */
#include <stdio.h>
#include <stdlib.h>
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
    {"inspect", cmd_inspect, "print a contract's interface: methods and their types, events, imports (--json)"},
    {"opcodes", cmd_opcodes, "list the instruction set (--markdown writes docs/opcodes.md)"},
    {"keygen", cmd_keygen, "print an Ed25519 key pair and its address (--json: a key file)"},
    {"tx", cmd_tx, "build, sign, verify and hash transactions (JSON files)"},
    {"process", cmd_process, "play a scenario: accounts, contracts, blocks and queries on a chain"},
    {"events", cmd_events, "print the event history of a data directory (filters; --json)"},
    {"node", cmd_node, "run a chain: durable mempool, blocks, the HTTP API (docs/node.md)"},
    {"verify", cmd_verify, "check a data directory against itself: state commitment, records, identity"},
    {"send", cmd_send, "submit a signed transaction to a node (--wait: until committed)"},
    {"receipt", cmd_receipt, "a transaction's status and receipt on a node, by hash"},
    {"call", cmd_call, "run a read-only method on a node's latest state"},
    {"block", cmd_block, "a committed block of a node: header, receipts, rejections"},
    {"deploy", cmd_deploy, "deploy a contract (.asm or .cvm) on a node, signed with a key file"},
};

/* The flags that take no value, in every command (a flag means the same in
 * each command that has it). A new flag without a value belongs here, or
 * `--flag=x` would pass x on as an argument. */
static const char *const flags_without_value[] = {"--help", "--json", "--trace", "--markdown", "--quiet", "--version",
                                                  "--empty-blocks", NULL};

static const char *find_command(const char *name, cli_cmd_fn *fn)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0) {
            *fn = commands[i].fn;
            return commands[i].name;
        }
    return NULL;
}

/* argv with each "--flag=value" before a "--" split in two, into out
 * (2 * argc + 1 pointers; the "--flag" halves are malloc'd into *owned,
 * freed by the caller). Returns the new count, or -1 after a usage error
 * (a flag without a value given one) or when memory ran out. */
static int split_flags(const char *cmd, int argc, char **argv, char **out, char **owned, size_t *nowned)
{
    int n = 0;
    bool rest = false; /* after "--": taken as they are */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        if (strcmp(a, "--") == 0)
            rest = true;
        if (rest || i == 0 || strncmp(a, "--", 2) != 0 || !eq || eq == a + 2) {
            out[n++] = argv[i];
            continue;
        }
        size_t len = (size_t)(eq - a);
        for (size_t k = 0; flags_without_value[k]; k++)
            if (strlen(flags_without_value[k]) == len && memcmp(flags_without_value[k], a, len) == 0) {
                cli_usage_error(cmd, "%s takes no value (in '%s')", flags_without_value[k], a);
                return -1;
            }
        char *flag = malloc(len + 1);
        if (!flag) {
            fprintf(stderr, "coopvm: out of memory\n");
            return -1;
        }
        memcpy(flag, a, len);
        flag[len] = 0;
        owned[(*nowned)++] = flag;
        out[n++] = flag;
        out[n++] = (char *)eq + 1;
    }
    out[n] = NULL;
    return n;
}

/* Runs the command fn named cmd with argv, its flags split first. */
static int dispatch(const char *cmd, cli_cmd_fn fn, int argc, char **argv)
{
    char **args = malloc(((size_t)argc * 2 + 1) * sizeof *args);  /* owned */
    char **owned = malloc(((size_t)argc + 1) * sizeof *owned);    /* owned, as are its strings */
    size_t nowned = 0;
    int rc = CLI_USAGE;
    if (!args || !owned) {
        fprintf(stderr, "coopvm: out of memory\n");
        rc = CLI_FAIL;
    } else {
        int n = split_flags(cmd, argc, argv, args, owned, &nowned);
        if (n >= 0)
            rc = fn(n, args);
    }
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(args);
    return rc;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: coopvm COMMAND [ARGS]\n\n"
                 "coopvm %s: a virtual machine for cooperative contracts.\n\ncommands:\n",
            cvm_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].synopsis);
    fprintf(out, "\n'coopvm help COMMAND' (or 'coopvm COMMAND --help') describes a command's flags;\n"
                 "a flag's value may follow it or be joined to it: --method get, --method=get.\n"
                 "Exit status: 0 success, 1 the contract failed or the input is bad (or a node\n"
                 "refused a request or could not be reached), 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    cli_cmd_fn fn;
    const char *cmd;
    if (strcmp(argv[1], "help") == 0 && argc > 2) {
        if (argc > 3) {
            fprintf(stderr, "coopvm help: one command at a time ('%s' and '%s')\n", argv[2], argv[3]);
            return CLI_USAGE;
        }
        if (!(cmd = find_command(argv[2], &fn))) {
            fprintf(stderr, "coopvm help: unknown command '%s'\n\n", argv[2]);
            usage(stderr);
            return CLI_USAGE;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return fn(2, help_argv);
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("coopvm %s\n", cvm_version());
        return CLI_OK;
    }
    if ((cmd = find_command(argv[1], &fn)))
        return dispatch(cmd, fn, argc - 1, argv + 1);
    fprintf(stderr, "coopvm: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
