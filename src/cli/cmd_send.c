/*
 * cmd_send.c — `coopvm send` and `coopvm receipt`: a signed transaction
 * submitted to a node (POST /v1/transactions), and a transaction's status
 * and receipt read back (GET /v1/transactions/{hash}, long-polled with
 * --wait). docs/node-api.md is the contract; client.h the plumbing.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

/* How long `send --wait` and `deploy --wait` wait for the commit: many
 * block intervals of any sensible node. */
#define SEND_WAIT_S 120

static const char send_help[] =
    "usage: coopvm send --node URL TX.json [--wait] [--scenario FILE] [--json]\n\n"
    "Submits a signed transaction (the JSON that `coopvm tx sign` writes) to the\n"
    "node at URL (POST /v1/transactions). The node answers once the transaction is\n"
    "durably in its mempool; send then prints its hash and PENDING.\n\n"
    "  --node URL  the node, as `coopvm node` prints it: http://127.0.0.1:7070\n"
    "  --wait      then wait (up to 120 s) until it is committed or rejected and\n"
    "              print its receipt, as `coopvm receipt` does\n"
    "  --scenario FILE  in the text, name the accounts of FILE (a scenario or a\n"
    "              genesis file) instead of their addresses, as `coopvm process` does\n"
    "  --json      print the API's answer as it is: {\"tx_hash\", \"status\"}, or with\n"
    "              --wait that of GET /v1/transactions/HASH\n\n"
    "The node refuses a transaction that does not decode (400, naming the JSON\n"
    "path), one that pre-order refuses (422: INVALID_SIGNATURE, WRONG_VIRTUAL_CHAIN,\n"
    "TIMESTAMP_OUT_OF_WINDOW, ...), one it already has, pending or committed (409\n"
    "DUPLICATE), and any while its mempool is full (429); send prints\n"
    "  coopvm send: URL: STATUS CODE: message\n"
    "A transaction file is at most 16 MiB (the node takes at most 1 MiB).\n\n"
    "Exit status: 0 accepted (with --wait: committed with status SUCCESS), 1 refused,\n"
    "failed, rejected or still pending, or the node could not be reached (the URL\n"
    "and the reason are printed), 2 usage error.\n";

static const char receipt_help[] =
    "usage: coopvm receipt --node URL HASH [--wait S] [--scenario FILE] [--json]\n\n"
    "Prints what the node at URL knows of transaction HASH (64 hex digits, as\n"
    "`coopvm send` and `coopvm tx hash` print it): PENDING, COMMITTED with its\n"
    "height, index and receipt, or REJECTED with the pre-order reason.\n\n"
    "  --node URL  the node: http://127.0.0.1:7070\n"
    "  --wait S    wait up to S seconds for a pending transaction to be committed\n"
    "              or rejected (the node is long-polled, at most 60 s a request)\n"
    "  --scenario FILE  in the text, name the accounts of FILE (a scenario or a\n"
    "              genesis file) instead of their addresses, as `coopvm process` does\n"
    "  --json      print the API's answer as it is ({\"tx_hash\", \"status\",\n"
    "              \"height\", \"index\", \"receipt\"}, docs/node-api.md)\n\n"
    "Text:\n"
    "  tx 9c1e...: COMMITTED at height 12, index 0\n"
    "    0xd21b... -> Housing.join(): SUCCESS result 0, gas 1680\n"
    "        event _Cooperatives.CooperativeJoined cooperative_id=\"housing\" member=0x...\n\n"
    "Exit status: 0 the node knows the transaction (whatever its status), 1 it does\n"
    "not (404) or the node could not be reached, 2 usage error.\n";

/* A hash argument: 64 hex digits, an optional 0x; lowercased into out. */
static bool parse_hash(const char *s, char out[65])
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return false;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[64] = '\0';
    return true;
}

int client_wait_and_print(client *c, const char *hash, uint64_t wait_s, bool json, bool strict)
{
    json_t *ans;
    char *raw;
    if (client_tx_status(c, hash, wait_s, &ans, &raw) != CLI_OK)
        return CLI_FAIL;
    if (json)
        printf("%s\n", raw);
    else
        client_print_tx_status(c->names, ans);
    int rc = CLI_OK;
    if (strict && !client_tx_succeeded(ans)) {
        const char *st = json_string_value(json_object_get(ans, "status"));
        if (st && strcmp(st, "PENDING") == 0)
            fprintf(stderr, "coopvm %s: %s is still pending after %" PRIu64 " s\n", c->cmd, hash, wait_s);
        rc = CLI_FAIL;
    }
    json_decref(ans);
    free(raw);
    return rc;
}

int client_submit(client *c, const void *body, size_t len, bool wait, bool json)
{
    json_t *ans;
    char *raw;
    if (client_call(c, "POST", "/v1/transactions", "application/json", body, len, CLIENT_TIMEOUT_S, &ans, &raw,
                    NULL) != CLI_OK)
        return CLI_FAIL;
    const char *hash = json_string_value(json_object_get(ans, "tx_hash"));
    char h[65];
    int rc = CLI_OK;
    if (!hash || !parse_hash(hash, h)) {
        fprintf(stderr, "coopvm %s: %s/v1/transactions: the answer has no \"tx_hash\" of 64 hex digits: %.120s\n",
                c->cmd, c->base, raw);
        rc = CLI_FAIL;
    } else if (wait) {
        rc = client_wait_and_print(c, h, SEND_WAIT_S, json, true);
    } else if (json) {
        printf("%s\n", raw);
    } else {
        const char *st = json_string_value(json_object_get(ans, "status"));
        printf("%s %s\n", h, st ? st : "?");
    }
    json_decref(ans);
    free(raw);
    return rc;
}

int cmd_send(int argc, char **argv)
{
    const char *node = NULL, *file = NULL, *scenario = NULL;
    bool wait = false, json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(send_help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--node") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("send", "--node needs the node's URL");
            node = argv[++i];
        } else if (strcmp(a, "--scenario") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("send", "--scenario needs a file");
            scenario = argv[++i];
        } else if (strcmp(a, "--wait") == 0) {
            wait = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("send", "unknown flag '%s'", a);
        } else if (file) {
            return cli_usage_error("send", "one transaction file at a time ('%s' and '%s')", file, a);
        } else {
            file = a;
        }
    }
    if (!node)
        return cli_usage_error("send", "--node URL is required");
    if (!file)
        return cli_usage_error("send", "needs a transaction file (TX.json, from `coopvm tx sign`)");
    char err[1280];
    size_t len;
    uint8_t *body = cli_read_file_err(file, CLI_FILE_TX, &len, err, sizeof err);
    if (!body) {
        fprintf(stderr, "coopvm send: %s\n", err);
        return CLI_FAIL;
    }
    cli_names names = {0};
    if (scenario && !cli_names_load("send", scenario, &names)) {
        free(body);
        return CLI_FAIL;
    }
    client c;
    int rc = client_open(&c, "send", node);
    if (rc == CLI_OK) {
        c.raw = json;
        c.names = scenario ? &names : NULL;
        rc = client_submit(&c, body, len, wait, json);
        client_close(&c);
    }
    cli_names_free(&names);
    free(body);
    return rc;
}

int cmd_receipt(int argc, char **argv)
{
    const char *node = NULL, *hash = NULL, *scenario = NULL;
    int64_t wait = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(receipt_help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--node") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("receipt", "--node needs the node's URL");
            node = argv[++i];
        } else if (strcmp(a, "--scenario") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("receipt", "--scenario needs a file");
            scenario = argv[++i];
        } else if (strcmp(a, "--wait") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("receipt", "--wait needs a number of seconds");
            const char *v = argv[++i];
            if (!cli_parse_i64(v, &wait) || wait < 0 || wait > 86400)
                return cli_usage_error("receipt", "--wait: '%s' is not a number of seconds from 0 to 86400", v);
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("receipt", "unknown flag '%s'", a);
        } else if (hash) {
            return cli_usage_error("receipt", "one transaction hash at a time");
        } else {
            hash = a;
        }
    }
    char h[65];
    if (!node)
        return cli_usage_error("receipt", "--node URL is required");
    if (!hash)
        return cli_usage_error("receipt", "needs a transaction hash");
    if (!parse_hash(hash, h))
        return cli_usage_error("receipt", "'%s' is not a transaction hash (64 hex digits)", hash);
    cli_names names = {0};
    if (scenario && !cli_names_load("receipt", scenario, &names))
        return CLI_FAIL;
    client c;
    int rc = client_open(&c, "receipt", node);
    if (rc == CLI_OK) {
        c.raw = json;
        c.names = scenario ? &names : NULL;
        rc = client_wait_and_print(&c, h, (uint64_t)wait, json, false);
        client_close(&c);
    }
    cli_names_free(&names);
    return rc;
}
