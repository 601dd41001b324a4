/*
 * cmd_process.c — `coopvm process`: plays a scenario (scenario.h,
 * docs/scenarios.md) on a chain (play.h) and reports every block and query
 * (report.h).
 *
 * Order: the scenario is read and checked completely, the store opened,
 * and the scenario's accounts and contracts compared with what a continued
 * store already holds — all before the first commit, so a bad scenario
 * changes nothing. Then genesis (only on an empty store), the deployment
 * block (only when something is new), one block per scenario block, and
 * the queries on the final state. Each block is built, signed, run,
 * committed and printed before the next is read, so memory does not grow
 * with the number of blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "play.h"
#include "report.h"
#include "scenario.h"

static const char help[] =
    "usage: coopvm process SCENARIO.json [--data DIR] [--json] [--quiet] [--trace]\n\n"
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
    "              it (no second genesis, unchanged contracts not redeployed;\n"
    "              contracts it holds may be called without listing them;\n"
    "              an account it does not hold is refused)\n"
    "  --json      print {\"blocks\": [...], \"queries\": [...]} instead of text\n"
    "  --quiet     print only errors and the final summary (with --json:\n"
    "              {\"summary\": {...}}), no blocks, queries or progress\n"
    "  --trace     write each executed instruction to stderr as one JSON object,\n"
    "              with the block's height and the transaction's index\n\n"
    "Output is written block by block as the run goes. When stderr is a\n"
    "terminal and stdout is not, a long run shows its progress on stderr\n"
    "(\"block 1200/1000000\", rewritten in place).\n\n"
    "Exit status: 0 the scenario was played (whatever its transactions did),\n"
    "1 the scenario is bad or the chain failed (nothing is committed for a bad\n"
    "scenario), 2 usage.\n";

typedef struct process_opts {
    const char *file;
    const char *data_dir;
    bool json, trace, quiet;
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
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
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

/* Progress of a long run: "block 1200/1000000" on stderr, rewritten in
 * place at most four times a second (from a quarter of a second in, so a
 * short run shows none), cleared at the end. Only when stderr is a terminal
 * and stdout is not (on one terminal the blocks themselves show it), and
 * neither --quiet nor --trace (whose steps go to stderr) is given. */
typedef struct progress {
    bool on;
    int width;            /* of the line shown, 0 when none */
    size_t total;
    struct timespec last; /* when it was last shown (or the run began) */
} progress;

#define PROGRESS_NS 250000000L

static void progress_init(progress *p, const process_opts *o, size_t total)
{
    memset(p, 0, sizeof *p);
    p->on = !o->quiet && !o->trace && total > 0 && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
    p->total = total;
    if (p->on)
        clock_gettime(CLOCK_MONOTONIC, &p->last);
}

static void progress_step(progress *p, size_t done)
{
    if (!p->on)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ns = (long)(now.tv_sec - p->last.tv_sec) * 1000000000L + (now.tv_nsec - p->last.tv_nsec);
    if (ns < PROGRESS_NS)
        return;
    p->last = now;
    int w = fprintf(stderr, "\rblock %zu/%zu", done, p->total);
    p->width = w > p->width ? w : p->width;
    fflush(stderr);
}

/* Clears the line, so that what follows on stderr starts clean. */
static void progress_end(progress *p)
{
    if (p->width)
        fprintf(stderr, "\r%*s\r", p->width, "");
    p->width = 0;
}

/* What the store already holds decides what runs: checked completely
 * before the first commit, so that a bad scenario changes nothing. */
typedef struct plan {
    bool genesis;               /* the store is empty */
    const scn_contract **todo;  /* owned array: the contracts to deploy, in the file's order */
    size_t ntodo;
} plan;

/* The scenario's accounts as genesis writes them; NULL when out of memory. */
static cvm_genesis_account *genesis_accounts(const scenario *s)
{
    cvm_genesis_account *acc = calloc(s->naccounts ? s->naccounts : 1, sizeof *acc);
    for (size_t i = 0; acc && i < s->naccounts; i++) {
        play_address(s->accounts[i].name, acc[i].address);
        acc[i].reputation = s->accounts[i].reputation;
        acc[i].admin = s->accounts[i].admin;
    }
    return acc;
}

/* A continued store must be this scenario's chain: the genesis its
 * accounts (names, reputations, admin flags) make is the one the store
 * recorded (cvm_vm_check_genesis). A continuation may also name only some
 * of the chain's accounts (those it signs with): then each one it names
 * must agree with what the chain holds, else the scenario is another
 * chain's and is refused, naming both genesis hashes. */
static cvm_status check_genesis(const process_opts *o, const scenario *s, play_chain *c, char *err, size_t errcap)
{
    cvm_genesis_account *acc = genesis_accounts(s);
    if (!acc) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = cvm_vm_check_genesis(c->vm, play_timestamp(1), acc, s->naccounts);
    free(acc);
    if (st != CVM_ESTATE || !cvm_store_identity(c->store, NULL)) {
        if (st != CVM_OK)
            snprintf(err, errcap, "%s: %s", o->file, cvm_vm_errmsg(c->vm));
        return st;
    }
    for (size_t i = 0; i < s->naccounts; i++) {
        const scn_account *a = &s->accounts[i];
        int64_t rep = 0;
        bool admin = false;
        cvm_status rs = play_account_values(c, a->name, &rep, &admin, err, errcap);
        if (rs != CVM_OK)
            return rs;
        if (rep != a->reputation || admin != (a->admin != 0)) {
            snprintf(err, errcap, "%s: accounts.%s: reputation %lld%s here, %lld%s in the chain: %s", o->file,
                     a->name, (long long)a->reputation, a->admin ? " (admin)" : "", (long long)rep,
                     admin ? " (admin)" : "", cvm_vm_errmsg(c->vm));
            return CVM_ESTATE;
        }
    }
    return CVM_OK;
}

/* A continuation's checks: every account it declares is held by the store
 * (accounts are written only at genesis), every contract it lists is new
 * or deployed with the same code, every contract it calls without listing
 * it is deployed. Fills p->todo. CVM_EINPUT with err naming the place. */
static cvm_status make_plan(const process_opts *o, const scenario *s, play_chain *c, plan *p, char *err,
                            size_t errcap)
{
    memset(p, 0, sizeof *p);
    uint64_t height = play_height(c);
    p->genesis = height == 0;
    p->todo = calloc(s->ncontracts ? s->ncontracts : 1, sizeof *p->todo);
    if (!p->todo) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = CVM_OK;
    for (size_t i = 0; st == CVM_OK && !p->genesis && i < s->naccounts; i++) {
        const scn_account *a = &s->accounts[i];
        bool held = false;
        if ((st = play_account_held(c, a->name, &held, err, errcap)) != CVM_OK)
            break;
        /* an account of reputation 0, not admin, is what the store says of
         * any address it does not hold: nothing would be ignored */
        if (!held && (a->reputation != 0 || a->admin)) {
            snprintf(err, errcap,
                     "%s: accounts.%s: the store in %s holds no account %s (accounts are written only at genesis; "
                     "this run continues the chain at height %llu)",
                     o->file, a->name, o->data_dir, a->name, (unsigned long long)height + 1);
            st = CVM_EINPUT;
        }
    }
    if (st == CVM_OK && !p->genesis)
        st = check_genesis(o, s, c, err, errcap);
    bool deployed = false, same = false;
    uint64_t at = 0;
    for (size_t i = 0; st == CVM_OK && i < s->ncontracts; i++) {
        const scn_contract *k = &s->contracts[i];
        if (!p->genesis &&
            (st = play_deployed(c, k->name, k->code, k->len, &deployed, &same, &at, err, errcap)) != CVM_OK)
            break;
        if (p->genesis || !deployed) {
            p->todo[p->ntodo++] = k;
        } else if (!same) {
            char when[64] = "(its deployment height is not recorded)";
            if (at)
                snprintf(when, sizeof when, "at height %llu", (unsigned long long)at);
            snprintf(err, errcap, "%s: contracts.%s: %s differs from the code %s already deployed in %s %s", o->file,
                     k->name, k->path, k->name, o->data_dir, when);
            st = CVM_EINPUT;
        }
    }
    for (size_t i = 0; st == CVM_OK && i < s->nundeclared; i++) {
        const scn_undeclared *u = &s->undeclared[i];
        deployed = false;
        if (!p->genesis && (st = play_deployed(c, u->name, NULL, 0, &deployed, &same, &at, err, errcap)) != CVM_OK)
            break;
        if (deployed)
            continue;
        if (o->data_dir)
            snprintf(err, errcap,
                     "%s: %s: unknown contract \"%s\" (not in \"contracts\", not a native service and not deployed "
                     "in %s)",
                     o->file, u->where, u->name, o->data_dir);
        else
            snprintf(err, errcap, "%s: %s: unknown contract \"%s\" (not in \"contracts\" and not a native service)",
                     o->file, u->where, u->name);
        st = CVM_EINPUT;
    }
    return st;
}

/* Builds and signs n transactions for one block (*out is the caller's). */
/* Makes n transactions; transaction i gets timestamp ts + i * step (a
 * block's step 1, so that two alike calls in one block are two
 * transactions and not a replay; the queries' 0, since a local call's
 * timestamp is its block time). */
static cvm_status make_txs(const scn_tx *src, size_t n, uint64_t ts, uint64_t step, play_tx **out, char *err,
                           size_t errcap)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = CVM_OK;
    for (size_t i = 0; st == CVM_OK && i < n; i++)
        st = play_tx_make(&(*out)[i], src[i].signer, src[i].contract, src[i].method, src[i].args, src[i].nargs,
                          ts + i * step, &src[i].faults, err, errcap);
    return st;
}

static cvm_status genesis(const scenario *s, play_chain *c, report *r, char *err, size_t errcap)
{
    cvm_genesis_account *acc = genesis_accounts(s);
    if (!acc) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_block_result *b = NULL;
    cvm_status st = play_genesis(c, acc, s->naccounts, &b, err, errcap);
    free(acc);
    if (st == CVM_OK && !report_block(r, b, NULL, 0, "genesis"))
        st = CVM_ENOMEM;
    cvm_block_result_free(b);
    return st;
}

/* Processes, commits and reports one block, then lets it go. */
static cvm_status block(play_chain *c, play_tx *txs, size_t n, const char *title, report *r, char *err,
                        size_t errcap)
{
    cvm_block_result *b = NULL;
    cvm_status st = play_block(c, txs, n, &b, err, errcap);
    if (st == CVM_OK && !report_block(r, b, txs, n, title))
        st = CVM_ENOMEM;
    cvm_block_result_free(b);
    return st;
}

static cvm_status deployments(const plan *p, play_chain *c, report *r, char *err, size_t errcap)
{
    play_tx *txs = calloc(p->ntodo, sizeof *txs);
    cvm_arg *args = calloc(3 * p->ntodo, sizeof *args);
    cvm_status st = txs && args ? CVM_OK : CVM_ENOMEM;
    if (st != CVM_OK)
        snprintf(err, errcap, "out of memory");
    uint64_t ts = play_timestamp(play_height(c) + 1);
    for (size_t i = 0; st == CVM_OK && i < p->ntodo; i++)
        st = play_deploy_tx(&txs[i], &args[3 * i], p->todo[i]->name, p->todo[i]->code, p->todo[i]->len, ts, err,
                            errcap);
    if (st == CVM_OK)
        st = block(c, txs, p->ntodo, "deployments", r, err, errcap);
    free(txs);
    free(args);
    return st;
}

/* Scenario block i: read again from the JSON, signed, run, committed and
 * reported; everything built for it is freed before the next. */
static cvm_status scenario_step(const scenario *s, size_t i, play_chain *c, report *r, char *err, size_t errcap)
{
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    scn_block b;
    play_tx *txs = NULL;
    cvm_status st = scenario_block(s, i, &arena, &b, err, errcap);
    if (st == CVM_OK)
        st = make_txs(b.txs, b.n, play_timestamp(play_height(c) + 1), 1, &txs, err, errcap);
    if (st == CVM_OK)
        st = block(c, txs, b.n, NULL, r, err, errcap);
    free(txs);
    cvm_arena_free(&arena);
    return st;
}

static cvm_status queries(const scenario *s, play_chain *c, report *r, char *err, size_t errcap)
{
    play_tx *qs = NULL;
    cvm_status st = make_txs(s->queries, s->nqueries, play_timestamp(play_height(c)), 0, &qs, err, errcap);
    if (st == CVM_OK)
        report_queries_begin(r, play_height(c), s->nqueries);
    for (size_t i = 0; st == CVM_OK && i < s->nqueries; i++) {
        cvm_local_result *q = NULL;
        st = play_query(c, &qs[i], &q, err, errcap);
        if (st == CVM_OK && !report_query(r, &qs[i], q))
            st = CVM_ENOMEM;
        cvm_local_result_free(q);
    }
    free(qs);
    return st;
}

static cvm_status play(const scenario *s, const plan *p, play_chain *c, report *r, progress *pg, char *err,
                       size_t errcap)
{
    cvm_status st = p->genesis ? genesis(s, c, r, err, errcap) : CVM_OK;
    if (st == CVM_OK && p->ntodo)
        st = deployments(p, c, r, err, errcap);
    for (size_t i = 0; st == CVM_OK && i < s->nblocks; i++) {
        st = scenario_step(s, i, c, r, err, errcap);
        progress_step(pg, i + 1);
    }
    progress_end(pg);
    if (st == CVM_OK)
        st = queries(s, c, r, err, errcap);
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
    play_options po = {.data_dir = o.data_dir,
                       .block_gas_limit = s.block_gas_limit,
                       .block_tx_limit = (size_t)s.block_tx_limit,
                       .trace = o.trace ? trace_step : NULL};
    play_chain c;
    if (play_open(&c, &po, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm process: %s\n", err);
        scenario_free(&s);
        return CLI_FAIL;
    }
    plan p;
    report r;
    report_init(&r, o.json, o.quiet);
    const char **names = calloc(s.naccounts + 1, sizeof *names); /* owned; the names are the scenario's */
    if (names) {
        for (size_t i = 0; i < s.naccounts; i++)
            names[i] = s.accounts[i].name;
        names[s.naccounts] = PLAY_DEPLOYER;
        report_name_accounts(&r, names, s.naccounts + 1);
        free(names);
    }
    progress pg;
    progress_init(&pg, &o, s.nblocks);
    cvm_status st = make_plan(&o, &s, &c, &p, err, sizeof err);
    if (st == CVM_OK)
        st = play(&s, &p, &c, &r, &pg, err, sizeof err);
    if (st == CVM_OK && !report_finish(&r, play_height(&c)))
        st = CVM_ENOMEM;
    fflush(stdout); /* what was committed is printed before the reason it stopped */
    if (st != CVM_OK && !r.oom)
        fprintf(stderr, "coopvm process: %s\n", err);
    report_free(&r);
    free(p.todo);
    play_close(&c);
    scenario_free(&s);
    return st == CVM_OK ? CLI_OK : CLI_FAIL;
}
