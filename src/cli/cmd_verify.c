/*
 * cmd_verify.c — `coopvm verify`: checks a data directory against itself
 * (cvm_store_verify, state/verify.h) and names what does not match.
 *
 * The directory is opened read-only, so verifying never changes it; a
 * store that cannot even be opened (a damaged data.mdb, a damaged meta
 * record) is a finding too, reported with the open's message, and so is
 * one whose damaged pages crash LMDB (the check runs in a child process).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/hex.h"
#include "cli.h"
#include "state/lmdbstore.h"
#include "state/verify.h"

static const char help[] =
    "usage: coopvm verify --data DIR [--json]\n\n"
    "Checks the data directory DIR (what `coopvm process --data DIR` wrote)\n"
    "against itself, changing nothing:\n"
    "  - the state commitment recomputed from every stored (service, key, value)\n"
    "    against the one recorded for the latest height;\n"
    "  - the record of every height 1..H (present once, well formed; the last one's\n"
    "    diff hash the one the store's meta holds);\n"
    "  - the chain's identity: its genesis hash recomputed from height 1's record;\n"
    "  - every event record decodes and encodes back to the same bytes, at the\n"
    "    height and index of its key, and each height's records hash to the\n"
    "    events hash its record keeps; the indexes by service and by name hold\n"
    "    exactly the entries the records call for;\n"
    "  - the transaction index entries are well formed, at committed heights, and\n"
    "    digest to what the latest height's record keeps;\n"
    "  - the blocks and their hash chain (docs/blocks.md): each block hash\n"
    "    recomputed from its header, each prev hash the block hash before it, the\n"
    "    tx root and receipts root recomputed from the stored transactions and\n"
    "    receipts.\n\n"
    "Prints `ok: height H, N keys, M events, commitment C, B blocks chained` when\n"
    "everything matches, else one line per mismatch (at most 100) and a summary\n"
    "naming the first height whose block does not match.\n\n"
    "  --data DIR  the state directory (must exist; nothing is created or written)\n"
    "  --json      {\"ok\", \"height\", \"keys\", \"events\", \"heights\", \"transactions\",\n"
    "              \"commitment\", \"blocks\", \"first_bad_block\" (a height or null),\n"
    "              \"problems\": [...]} instead of text\n\n"
    "Exit status: 0 everything matches, 1 something does not (or the directory\n"
    "cannot be opened), 2 usage error.\n";

typedef struct problems {
    json_t *list; /* owned; NULL for text */
} problems;

static void on_problem(void *ud, const char *msg)
{
    problems *p = ud;
    if (p->list)
        json_array_append_new(p->list, json_string(msg));
    else
        printf("%s\n", msg);
}

static int print_json(const cvm_verify_report *r, json_t *list, const char *open_error)
{
    char hex[2 * CVM_SHA256_BYTES + 1];
    cvm_hex_write(hex, r->commitment, sizeof r->commitment);
    json_t *o = json_object();
    if (open_error)
        json_array_append_new(list, json_string(open_error));
    bool ok = !open_error && r->problems == 0;
    json_object_set_new(o, "ok", json_boolean(ok));
    if (!open_error) {
        json_object_set_new(o, "height", json_integer((json_int_t)r->height));
        json_object_set_new(o, "keys", json_integer((json_int_t)r->keys));
        json_object_set_new(o, "events", json_integer((json_int_t)r->events));
        json_object_set_new(o, "heights", json_integer((json_int_t)r->heights));
        json_object_set_new(o, "transactions", json_integer((json_int_t)r->txs));
        json_object_set_new(o, "commitment", json_string(hex));
        json_object_set_new(o, "blocks", json_integer((json_int_t)r->blocks));
        json_object_set_new(o, "first_bad_block",
                            r->first_bad_block ? json_integer((json_int_t)r->first_bad_block) : json_null());
        json_object_set_new(o, "problem_count", json_integer((json_int_t)r->problems));
    }
    json_object_set(o, "problems", list);
    int rc = json_dumpf(o, stdout, JSON_PRESERVE_ORDER) == 0 ? (putchar('\n'), ok ? CLI_OK : CLI_FAIL) : CLI_FAIL;
    json_decref(o);
    return rc;
}

static int verify(const char *data, bool json);

/* LMDB keeps no checksums and trusts its pages: a page damaged in the
 * right place sends its cursor astray and the process dies of SIGSEGV or
 * SIGBUS. So the verification runs in a child process, and such a death
 * is reported as what it is: a finding, exit 1. */
static int verify_isolated(const char *data, bool json)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return verify(data, json); /* cannot isolate: verify here */
    if (pid == 0) {
        int rc = verify(data, json);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "coopvm verify: waiting for the verification: %s\n", strerror(errno));
            return CLI_FAIL;
        }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    char msg[512];
    snprintf(msg, sizeof msg,
             "%s is damaged: reading it crashed LMDB (signal %d): a page points where it must not (LMDB keeps no "
             "checksums of its pages)",
             data, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (json) {
        json_t *o = json_pack("{s:b, s:[s]}", "ok", 0, "problems", msg);
        if (o)
            json_dumpf(o, stdout, JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(o);
    } else {
        fprintf(stderr, "coopvm verify: %s\n", msg);
    }
    return CLI_FAIL;
}

int cmd_verify(int argc, char **argv)
{
    const char *data = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--json") == 0) {
            if (json)
                return cli_usage_error("verify", "--json given twice");
            json = true;
        } else if (strcmp(a, "--data") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("verify", "--data needs a directory");
            if (data)
                return cli_usage_error("verify", "--data given twice");
            data = argv[++i];
        } else {
            return cli_usage_error("verify", a[0] == '-' ? "unknown flag '%s'" : "unexpected argument '%s'", a);
        }
    }
    if (!data)
        return cli_usage_error("verify", "--data DIR is required");
    return verify_isolated(data, json);
}

static int verify(const char *data, bool json)
{

    problems p = {json ? json_array() : NULL};
    if (json && !p.list) {
        fprintf(stderr, "coopvm verify: out of memory\n");
        return CLI_FAIL;
    }
    cvm_verify_report r;
    memset(&r, 0, sizeof r);
    cvm_errmsg err;
    cvm_store *s = NULL;
    if (cvm_lmdbstore_open_readonly(NULL, data, &s, &err) != CVM_OK) {
        int rc = CLI_FAIL;
        if (json)
            print_json(&r, p.list, err.text);
        else
            fprintf(stderr, "coopvm verify: %s\n", err.text);
        json_decref(p.list);
        return rc;
    }
    cvm_status st = cvm_store_verify(s, on_problem, &p, &r);
    int rc;
    if (st != CVM_OK) {
        fprintf(stderr, "coopvm verify: %s\n", cvm_store_errmsg(s));
        rc = CLI_FAIL;
    } else if (json) {
        rc = print_json(&r, p.list, NULL);
    } else if (r.problems) {
        if (r.problems > CVM_VERIFY_MAX_REPORTED)
            printf("... and %" PRIu64 " more\n", r.problems - CVM_VERIFY_MAX_REPORTED);
        fprintf(stderr, "coopvm verify: %s: %" PRIu64 " problem%s at height %" PRIu64 " (%" PRIu64 " keys, %" PRIu64
                " events)", data, r.problems, r.problems == 1 ? "" : "s", r.height, r.keys, r.events);
        if (r.first_bad_block)
            fprintf(stderr, "; the first block that does not match is height %" PRIu64, r.first_bad_block);
        fputc('\n', stderr);
        rc = CLI_FAIL;
    } else {
        char hex[2 * CVM_SHA256_BYTES + 1];
        cvm_hex_write(hex, r.commitment, sizeof r.commitment);
        printf("ok: height %" PRIu64 ", %" PRIu64 " keys, %" PRIu64 " events, commitment %s, %" PRIu64
               " blocks chained\n", r.height, r.keys, r.events, hex, r.blocks);
        rc = CLI_OK;
    }
    json_decref(p.list);
    cvm_store_close(s);
    return rc;
}
