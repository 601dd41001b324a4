/*
 * cmd_node.c — `coopvm node`: runs a chain (src/node/node.h) in a data
 * directory, with the HTTP API on top (src/node/http.h), until SIGINT or
 * SIGTERM. A thin command: options and the genesis file are read here, the
 * node does the rest (docs/node.md).
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (the node's and
 * the server's inherit the mask) and taken by sigwait on the main thread,
 * so the shutdown runs as ordinary code: the server stops (answering the
 * requests in flight), the node finishes the block in progress and closes
 * the store, and the command exits 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "node/http.h"
#include "node/node.h"
#include "node/producer_etcd.h"
#include "play.h"
#include "scenario.h"

static const char help[] =
    "usage: coopvm node --data DIR [--genesis FILE.json] [--listen ADDR:PORT]\n"
    "                   [--block-interval DURATION] [--max-block-txs N] [--chain N]\n"
    "                   [--mempool-limit N] [--empty-blocks]\n"
    "                   [--etcd URL[,URL...] --node-id NAME [--lease-ttl SECONDS]]\n\n"
    "Runs a chain in DIR: admits signed transactions into a durable mempool,\n"
    "cuts a block every block interval (or as soon as --max-block-txs are\n"
    "pending; no empty block unless --empty-blocks), commits it with its\n"
    "receipts, and serves the HTTP API (docs/node-api.md) until SIGINT or\n"
    "SIGTERM, which finish the block in progress, answer the requests in\n"
    "flight, close the store and exit 0. Prints its URL, then one line per\n"
    "block. See docs/node.md.\n\n"
    "  --data DIR            the chain's store (created when missing) and its\n"
    "                        mempool (DIR/mempool)\n"
    "  --genesis FILE.json   a scenario file's \"accounts\" (written at height 1)\n"
    "                        and \"contracts\" (deployed at height 2 by the\n"
    "                        development key \"deployer\"); its blocks and\n"
    "                        queries are not run. On later starts the chain must\n"
    "                        have begun with it, else the node refuses to start.\n"
    "  --listen ADDR:PORT    where the API listens (default 127.0.0.1:7070;\n"
    "                        port 0 picks a free one)\n"
    "  --block-interval D    500ms (default), 2s, or milliseconds (250)\n"
    "  --max-block-txs N     cut a block as soon as N are pending (default 1000)\n"
    "  --chain N             the virtual chain id (default 42, as process)\n"
    "  --mempool-limit N     refuse admissions beyond N pending (default 100000)\n"
    "  --empty-blocks        cut a block every interval even when none is pending\n"
    "  --etcd URLS           order blocks through the etcd cluster at these client\n"
    "                        URLs (comma-separated) with the other nodes of the\n"
    "                        chain: one elected node produces, every node follows\n"
    "                        (docs/cluster.md); needs --node-id\n"
    "  --node-id NAME        this node's name in the cluster (unique)\n"
    "  --lease-ttl S         the producer's lease TTL in seconds (default 2)\n\n"
    "Exit status: 0 stopped by a signal, 1 the chain could not be opened (a\n"
    "different genesis, a damaged store) or the server could not start, 2 usage.\n";

typedef struct node_opts {
    const char *data, *genesis, *listen;
    const char *etcd, *node_id;
    uint64_t interval_ms, max_txs, chain, mempool_limit, ttl_s;
    bool empty_blocks;
} node_opts;

/* A duration: "500ms", "2s", or a number of milliseconds. */
static bool parse_duration_ms(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    uint64_t mul = 1;
    if (strcmp(end, "s") == 0)
        mul = 1000;
    else if (*end && strcmp(end, "ms") != 0)
        return false;
    if (v == 0 || v > UINT64_MAX / 1000 / mul)
        return false;
    *out = (uint64_t)v * mul;
    return true;
}

static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    int64_t v;
    if (!s || !cli_parse_i64(s, &v) || v <= 0 || (uint64_t)v > max)
        return false;
    *out = (uint64_t)v;
    return true;
}

static int parse(int argc, char **argv, node_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:7070";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--empty-blocks") == 0) {
            o->empty_blocks = true;
            continue;
        } else if (a[0] != '-' || !a[1]) {
            return cli_usage_error("node", "unexpected argument '%s'", a);
        } else if (strcmp(a, "--data") && strcmp(a, "--genesis") && strcmp(a, "--listen") &&
                   strcmp(a, "--block-interval") && strcmp(a, "--max-block-txs") && strcmp(a, "--chain") &&
                   strcmp(a, "--mempool-limit") && strcmp(a, "--etcd") && strcmp(a, "--node-id") &&
                   strcmp(a, "--lease-ttl")) {
            return cli_usage_error("node", "unknown flag '%s'", a);
        } else if (!v) {
            return cli_usage_error("node", "%s needs a value", a);
        }
        i++;
        if (strcmp(a, "--data") == 0) {
            o->data = v;
        } else if (strcmp(a, "--genesis") == 0) {
            o->genesis = v;
        } else if (strcmp(a, "--listen") == 0) {
            o->listen = v;
        } else if (strcmp(a, "--block-interval") == 0) {
            if (!parse_duration_ms(v, &o->interval_ms))
                return cli_usage_error("node", "--block-interval: '%s' is not a duration (500ms, 2s, 250)", v);
        } else if (strcmp(a, "--max-block-txs") == 0) {
            if (!parse_count(v, CVM_DEFAULT_BLOCK_TX_LIMIT, &o->max_txs))
                return cli_usage_error("node", "--max-block-txs: '%s' is not a count from 1 to %d", v,
                                       CVM_DEFAULT_BLOCK_TX_LIMIT);
        } else if (strcmp(a, "--chain") == 0) {
            if (!parse_count(v, UINT32_MAX, &o->chain))
                return cli_usage_error("node", "--chain: '%s' is not a virtual chain id from 1 to %u", v,
                                       (unsigned)UINT32_MAX);
        } else if (strcmp(a, "--etcd") == 0) {
            o->etcd = v;
        } else if (strcmp(a, "--node-id") == 0) {
            o->node_id = v;
        } else if (strcmp(a, "--lease-ttl") == 0) {
            if (!parse_count(v, 3600, &o->ttl_s))
                return cli_usage_error("node", "--lease-ttl: '%s' is not a number of seconds from 1 to 3600", v);
        } else if (!parse_count(v, 100000000, &o->mempool_limit)) {
            return cli_usage_error("node", "--mempool-limit: '%s' is not a count from 1 to 100000000", v);
        }
    }
    if (!o->data)
        return cli_usage_error("node", "missing --data DIR");
    if (!o->etcd != !o->node_id)
        return cli_usage_error("node", "--etcd and --node-id go together");
    return -1;
}

static void print_line(void *ud, const char *message)
{
    (void)ud;
    printf("%s\n", message);
    fflush(stdout);
}

/* The genesis file's accounts and contracts into opts (arrays owned by
 * the caller, names borrowed from s). */
static int load_genesis(const char *path, scenario *s, cvm_genesis_account **acc, cvm_node_contract **con)
{
    char err[768] = "";
    if (scenario_load(path, s, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm node: %s\n", err);
        return CLI_FAIL;
    }
    *acc = calloc(s->naccounts + 1, sizeof **acc);
    *con = calloc(s->ncontracts + 1, sizeof **con);
    if (!*acc || !*con) {
        fprintf(stderr, "coopvm node: out of memory\n");
        return CLI_FAIL;
    }
    for (size_t i = 0; i < s->naccounts; i++) {
        play_address(s->accounts[i].name, (*acc)[i].address);
        (*acc)[i].reputation = s->accounts[i].reputation;
        (*acc)[i].admin = s->accounts[i].admin;
    }
    for (size_t i = 0; i < s->ncontracts; i++)
        (*con)[i] = (cvm_node_contract){s->contracts[i].name, s->contracts[i].code, s->contracts[i].len};
    return CLI_OK;
}

int cmd_node(int argc, char **argv)
{
    node_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    scenario s;
    memset(&s, 0, sizeof s);
    cvm_genesis_account *acc = NULL;
    cvm_node_contract *con = NULL;
    if (o.genesis && (rc = load_genesis(o.genesis, &s, &acc, &con)) != CLI_OK) {
        free(acc);
        free(con);
        if (s.root)
            scenario_free(&s);
        return rc;
    }
    /* blocked before any thread starts, so every thread inherits the mask
     * and only sigwait below takes them */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    cvm_node_options no = {0};
    no.data_dir = o.data;
    no.chain_id = (uint32_t)o.chain;
    no.block_interval_ms = o.interval_ms;
    no.max_block_txs = (size_t)o.max_txs;
    no.mempool_limit = (size_t)o.mempool_limit;
    no.empty_blocks = o.empty_blocks;
    if (o.genesis) {
        no.genesis_accounts = acc;
        no.ngenesis_accounts = s.naccounts;
        no.genesis_contracts = con;
        no.ngenesis_contracts = s.ncontracts;
    }
    no.deployer = PLAY_DEPLOYER;
    no.log = print_line;
    char err[1024] = "";
    cvm_producer *etcd = NULL;
    if (o.etcd) {
        /* every node of the cluster must begin the same chain: a fixed
         * genesis time rather than each node's clock */
        no.genesis_timestamp = CVM_ETCD_GENESIS_TIMESTAMP;
        cvm_etcd_producer_options eo = {.endpoints = o.etcd, .node_id = o.node_id, .chain_id = (uint32_t)o.chain,
                                        .ttl_s = (unsigned)o.ttl_s, .log = print_line};
        if (cvm_etcd_producer_new(&eo, &etcd, err, sizeof err) != CVM_OK) {
            fprintf(stderr, "coopvm node: %s\n", err);
            free(acc);
            free(con);
            if (o.genesis)
                scenario_free(&s);
            return CLI_USAGE;
        }
        no.producer = etcd;
    }
    cvm_node *n = NULL;
    cvm_status st = cvm_node_open(&no, &n, err, sizeof err);
    free(acc);
    free(con);
    if (o.genesis)
        scenario_free(&s);
    if (st != CVM_OK) {
        fprintf(stderr, "coopvm node: %s: %s\n", o.data, err);
        cvm_etcd_producer_free(etcd);
        return CLI_FAIL;
    }
    const cvm_node_options *eff = cvm_node_get_options(n);
    printf("coopvm node: chain %" PRIu32 " at height %" PRIu64 " in %s; blocks every %" PRIu64
           " ms or %zu transactions\n",
           eff->chain_id, cvm_node_height(n), o.data, eff->block_interval_ms, eff->max_block_txs);
    cvm_http_options ho = {.listen = o.listen};
    cvm_http *http = NULL;
    if (cvm_http_start(n, &ho, &http, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm node: %s\n", err);
        cvm_node_close(n);
        cvm_etcd_producer_free(etcd);
        return CLI_FAIL;
    }
    if (etcd) {
        cvm_etcd_producer_set_url(etcd, cvm_http_url(http));
        printf("coopvm node: %s follows the blocks etcd orders (%s)\n", o.node_id, o.etcd);
    }
    printf("coopvm node: serving the API on %s/v1 and the explorer on %s/\n", cvm_http_url(http),
           cvm_http_url(http));
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    printf("coopvm node: %s: answering the requests in flight, finishing the block in progress\n",
           sig == SIGINT ? "SIGINT" : "SIGTERM");
    fflush(stdout);
    /* the server first: it stops accepting and answers what is in flight
     * (long-polls and streams end), then the node finishes its block */
    cvm_http_stop(http);
    cvm_node_close(n);
    cvm_etcd_producer_free(etcd);
    printf("coopvm node: stopped\n");
    return CLI_OK;
}
