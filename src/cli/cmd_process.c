/*
 * cmd_process.c — `coopvm process`: plays a scenario (scenario.h,
 * docs/scenarios.md) on a chain (play.h) and reports every block and query
 * (report.h).
 *
 * Order: the scenario is read and checked, the store opened, the contracts
 * compared with what a continued store already holds, and every
 * transaction built and signed — all before the first commit, so a bad
 * scenario changes nothing. Then genesis (only on an empty store), the
 * deployment block (only when something is new), one block per scenario
 * block, and the queries on the final state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "play.h"
#include "report.h"
#include "scenario.h"

static const char help[] =
    "usage: coopvm process SCENARIO.json [--data DIR] [--json] [--trace]\n\n"
    "Plays a scenario: genesis with its accounts (height 1), its contracts\n"
    "deployed (height 2), each of its blocks processed and committed at the next\n"
    "height, then its queries as local calls on the final state. Block h has the\n"
    "timestamp h * 10^9 ns; accounts sign with their development keys\n"
    "(`coopvm keygen --name NAME`); the virtual chain is 42. Each block goes\n"
    "through TransactionSetPreOrder first: a transaction it rejects is not run,\n"
    "and every receipt says \"preorder\" (a scenario entry may carry \"tamper\",\n"
    "\"scheme\", \"chain\", \"protocol\" or \"timestamp\" to be rejected). See\n"
    "docs/scenarios.md. A scenario is at most 64 MiB, a contract 4 MiB.\n\n"
    "  --data DIR  keep the state in an LMDB store in DIR; a later run continues\n"
    "              it (no second genesis, unchanged contracts not redeployed)\n"
    "  --json      print {\"blocks\": [...], \"queries\": [...]} instead of text\n"
    "  --trace     write each executed instruction to stderr as one JSON object,\n"
    "              with the block's height and the transaction's index\n\n"
    "Exit status: 0 the scenario was played (whatever its transactions did),\n"
    "1 the scenario is bad or the chain failed (nothing is committed for a bad\n"
    "scenario), 2 usage.\n";

typedef struct process_opts {
    const char *file;
    const char *data_dir;
    bool json, trace;
} process_opts;

/* Returns -1 when the options are complete, else the exit status. */
static int parse(int argc, char **argv, process_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--data") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("process", "--data needs a directory");
            o->data_dir = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--trace") == 0) {
            o->trace = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("process", "unknown flag '%s'", a);
        } else if (o->file) {
            return cli_usage_error("process", "one scenario only ('%s' and '%s')", o->file, a);
        } else {
            o->file = a;
        }
    }
    if (!o->file)
        return cli_usage_error("process", "missing scenario file");
    return -1;
}

static void trace_step(void *ud, uint64_t height, size_t tx, const cvm_trace_step *s)
{
    (void)ud;
    report_trace_step(s, true, height, tx);
}

/* Everything to run, built and signed before the first commit. */
typedef struct plan {
    bool genesis;
    play_tx *deploys; /* owned: ndeploys, at deploy_height */
    cvm_arg *deploy_args; /* owned: 3 per deployment */
    size_t ndeploys;
    play_tx **blocks; /* owned: one array per scenario block */
    play_tx *queries; /* owned */
} plan;

static void plan_free(plan *p, size_t nblocks)
{
    for (size_t i = 0; p->blocks && i < nblocks; i++)
        free(p->blocks[i]);
    free(p->blocks);
    free(p->deploys);
    free(p->deploy_args);
    free(p->queries);
    memset(p, 0, sizeof *p);
}

static cvm_status make_txs(const scn_tx *src, size_t n, uint64_t ts, play_tx **out, char *err, size_t errcap)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = CVM_OK;
    for (size_t i = 0; st == CVM_OK && i < n; i++)
        st = play_tx_make(&(*out)[i], src[i].signer, src[i].contract, src[i].method, src[i].args, src[i].nargs, ts,
                          &src[i].faults, err, errcap);
    return st;
}

/* Decides what to run and builds it; CVM_EINPUT when a contract of the
 * scenario is already deployed with other code. */
static cvm_status make_plan(const process_opts *o, const scenario *s, play_chain *c, plan *p, char *err,
                            size_t errcap)
{
    memset(p, 0, sizeof *p);
    uint64_t height = play_height(c);
    p->genesis = height == 0;
    uint64_t next = p->genesis ? 2 : height + 1;
    p->deploys = calloc(s->ncontracts ? s->ncontracts : 1, sizeof *p->deploys);
    p->deploy_args = calloc(3 * (s->ncontracts ? s->ncontracts : 1), sizeof *p->deploy_args);
    p->blocks = calloc(s->nblocks ? s->nblocks : 1, sizeof *p->blocks);
    if (!p->deploys || !p->deploy_args || !p->blocks) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    bool deployed = false, same = false;
    cvm_status st = CVM_OK;
    for (size_t i = 0; st == CVM_OK && i < s->ncontracts; i++) {
        const scn_contract *k = &s->contracts[i];
        if (!p->genesis && (st = play_deployed(c, k->name, k->code, k->len, &deployed, &same, err, errcap)) != CVM_OK)
            break;
        if (!p->genesis && deployed) {
            if (!same) {
                snprintf(err, errcap,
                         "%s: contracts.%s: %s differs from the code %s already deployed in %s at height %llu",
                         o->file, k->name, k->path, k->name, o->data_dir, (unsigned long long)height);
                st = CVM_EINPUT;
            }
            continue;
        }
        st = play_deploy_tx(&p->deploys[p->ndeploys], &p->deploy_args[3 * p->ndeploys], k->name, k->code, k->len,
                            play_timestamp(next), err, errcap);
        p->ndeploys++;
    }
    if (st == CVM_OK && p->ndeploys)
        next++;
    for (size_t i = 0; st == CVM_OK && i < s->nblocks; i++)
        st = make_txs(s->blocks[i].txs, s->blocks[i].n, play_timestamp(next++), &p->blocks[i], err, errcap);
    if (st == CVM_OK)
        st = make_txs(s->queries, s->nqueries, play_timestamp(next - 1), &p->queries, err, errcap);
    return st;
}

static cvm_status genesis(const scenario *s, play_chain *c, report *r, char *err, size_t errcap)
{
    cvm_genesis_account *acc = calloc(s->naccounts ? s->naccounts : 1, sizeof *acc);
    if (!acc) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    for (size_t i = 0; i < s->naccounts; i++) {
        play_address(s->accounts[i].name, acc[i].address);
        acc[i].reputation = s->accounts[i].reputation;
        acc[i].admin = s->accounts[i].admin;
    }
    cvm_block_result *b = NULL;
    cvm_status st = play_genesis(c, acc, s->naccounts, &b, err, errcap);
    free(acc);
    if (st == CVM_OK)
        report_block(r, b, NULL, 0, "genesis");
    cvm_block_result_free(b);
    return st;
}

static cvm_status block(play_chain *c, play_tx *txs, size_t n, const char *title, report *r, char *err,
                        size_t errcap)
{
    cvm_block_result *b = NULL;
    cvm_status st = play_block(c, txs, n, &b, err, errcap);
    if (st == CVM_OK)
        report_block(r, b, txs, n, title);
    cvm_block_result_free(b);
    return st;
}

static cvm_status play(const scenario *s, const plan *p, play_chain *c, report *r, char *err, size_t errcap)
{
    cvm_status st = p->genesis ? genesis(s, c, r, err, errcap) : CVM_OK;
    if (st == CVM_OK && p->ndeploys)
        st = block(c, p->deploys, p->ndeploys, "deployments", r, err, errcap);
    for (size_t i = 0; st == CVM_OK && i < s->nblocks; i++)
        st = block(c, p->blocks[i], s->blocks[i].n, NULL, r, err, errcap);
    if (st == CVM_OK)
        report_queries_begin(r, play_height(c), s->nqueries);
    for (size_t i = 0; st == CVM_OK && i < s->nqueries; i++) {
        cvm_local_result *q = NULL;
        st = play_query(c, &p->queries[i], &q, err, errcap);
        if (st == CVM_OK)
            report_query(r, &p->queries[i], q);
        cvm_local_result_free(q);
    }
    return st;
}

int cmd_process(int argc, char **argv)
{
    process_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    char err[768] = "";
    scenario s;
    if (scenario_load(o.file, &s, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm process: %s\n", err);
        return CLI_FAIL;
    }
    play_options po = {o.data_dir, 0, CVM_DISPATCH_AUTO, o.trace ? trace_step : NULL, NULL};
    play_chain c;
    if (play_open(&c, &po, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm process: %s\n", err);
        scenario_free(&s);
        return CLI_FAIL;
    }
    plan p;
    report r;
    report_init(&r, o.json);
    const char **names = calloc(s.naccounts + 1, sizeof *names); /* owned; the names are the scenario's */
    if (names) {
        for (size_t i = 0; i < s.naccounts; i++)
            names[i] = s.accounts[i].name;
        names[s.naccounts] = PLAY_DEPLOYER;
        report_name_accounts(&r, names, s.naccounts + 1);
        free(names);
    }
    cvm_status st = make_plan(&o, &s, &c, &p, err, sizeof err);
    if (st == CVM_OK)
        st = play(&s, &p, &c, &r, err, sizeof err);
    if (st != CVM_OK)
        fprintf(stderr, "coopvm process: %s\n", err);
    else if (!report_finish(&r))
        st = CVM_ENOMEM;
    report_free(&r);
    plan_free(&p, s.nblocks);
    play_close(&c);
    scenario_free(&s);
    return st == CVM_OK ? CLI_OK : CLI_FAIL;
}
