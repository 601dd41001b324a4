/*
 * cmd_call.c — `coopvm call`: a read-only call (RunLocalMethod) on a node's
 * latest committed state, POST /v1/query (docs/node-api.md). Arguments are
 * written as `coopvm tx build --arg` takes them and checked here first, so a
 * typo is named before anything is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "cli.h"
#include "client.h"
#include "codec/json.h"

static const char help[] =
    "usage: coopvm call --node URL CONTRACT METHOD [ARG]... [--key KEY.json]\n"
    "                   [--scenario FILE] [--json]\n\n"
    "Runs CONTRACT.METHOD(ARG...) read-only on the latest committed state of the\n"
    "node at URL (POST /v1/query: RunLocalMethod) and prints its receipt and the\n"
    "height it read. Nothing is committed.\n\n"
    "  --node URL      the node: http://127.0.0.1:7070\n"
    "  ARG             one argument as JSON, as `coopvm tx build --arg` takes it:\n"
    "                  5 (int64), '\"text\"' (string), '\"0x00ff\"' (bytes), true,\n"
    "                  '{\"uint64\": 7}', '{\"string\": \"0x...\"}'; a negative number\n"
    "                  is an argument, not a flag; after -- every word is one\n"
    "  --key KEY.json  call as that key's account (a `coopvm keygen --json` file):\n"
    "                  a contract's .reputation gates read-only methods too, so\n"
    "                  most contract getters need a signer; the call is signed at\n"
    "                  the node's chain id. Without it the call is unsigned.\n"
    "  --scenario FILE in the text, name the accounts of FILE (a scenario or a\n"
    "                  genesis file) instead of their addresses\n"
    "  --json          print the API's answer as it is: {\"height\", \"receipt\"}\n\n"
    "Text:\n"
    "  (unsigned) -> _Cooperatives.allocation(\"housing\", 1): SUCCESS result 5, gas 100\n"
    "  at height 12\n\n"
    "Exit status: 0 the call succeeded, 1 it failed (its receipt is printed), the\n"
    "node refused it or could not be reached, 2 usage error.\n";

int cmd_call(int argc, char **argv)
{
    const char *node = NULL, *key = NULL, *contract = NULL, *method = NULL, *scenario = NULL;
    bool json = false, rest = false;
    json_t *args = json_array();
    if (!args) {
        fprintf(stderr, "coopvm call: out of memory\n");
        return CLI_FAIL;
    }
    int rc = -1;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        /* a flag is "--x" or "-h"; "-5" is a number */
        bool flag = !rest && a[0] == '-' && (a[1] == '-' || a[1] == 'h');
        if (flag && strcmp(a, "--") == 0) {
            rest = true;
        } else if (flag && cli_is_help(a)) {
            fputs(help, stdout);
            rc = CLI_OK;
        } else if (flag && (strcmp(a, "--node") == 0 || strcmp(a, "--key") == 0 || strcmp(a, "--scenario") == 0)) {
            if (i + 1 >= argc)
                rc = cli_usage_error("call", "%s needs a value", a);
            else
                *(strcmp(a, "--node") == 0 ? &node : strcmp(a, "--key") == 0 ? &key : &scenario) = argv[++i];
        } else if (flag && strcmp(a, "--json") == 0) {
            json = true;
        } else if (flag) {
            rc = cli_usage_error("call", "unknown flag '%s'", a);
        } else if (!contract) {
            contract = a;
        } else if (!method) {
            method = a;
        } else {
            json_error_t je;
            json_t *v = json_loads(a, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
            if (!v)
                rc = cli_usage_error("call", "argument '%s' is not JSON: %s (a string is written '\"text\"')", a,
                                     je.text);
            else if (json_array_append_new(args, v) != 0)
                rc = CLI_FAIL;
        }
    }
    if (rc < 0 && !node)
        rc = cli_usage_error("call", "--node URL is required");
    if (rc < 0 && (!contract || !method))
        rc = cli_usage_error("call", "needs a CONTRACT and a METHOD");
    /* the arguments as the node will read them: a bad one is named here */
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    cvm_arg *decoded = NULL;
    size_t n = 0;
    char err[256];
    if (rc < 0 && cvm_args_from_json(args, &arena, &decoded, &n, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm call: %s\n", err);
        rc = CLI_FAIL;
    }
    cli_names names = {0};
    if (rc < 0 && scenario && !cli_names_load("call", scenario, &names))
        rc = CLI_FAIL;
    client c = {0};
    if (rc < 0 && (rc = client_open(&c, "call", node)) == CLI_OK)
        rc = -1;
    c.raw = json;
    c.names = scenario ? &names : NULL;
    json_t *body = NULL;
    if (rc < 0 && !(body = json_pack("{s:s, s:s, s:O}", "contract", contract, "method", method, "args", args)))
        rc = CLI_FAIL;
    uint32_t chain = 0;
    if (rc < 0 && key) {
        json_t *tx = client_chain_id(&c, &chain) == CLI_OK
                         ? client_signed_tx("call", key, chain, contract, method, decoded, n)
                         : NULL;
        /* a signed call is the whole call: {"signer": TX} (docs/node-api.md) */
        json_decref(body);
        body = tx ? json_pack("{s:o}", "signer", tx) : NULL;
        if (!body)
            rc = CLI_FAIL;
    }
    char *text = rc < 0 ? json_dumps(body, JSON_COMPACT) : NULL;
    if (rc < 0 && !text)
        rc = CLI_FAIL;
    if (rc < 0) {
        json_t *ans;
        char *raw;
        rc = client_call(&c, "POST", "/v1/query", "application/json", text, strlen(text), CLIENT_TIMEOUT_S, &ans, &raw,
                         NULL);
        if (rc == CLI_OK) {
            const json_t *receipt = json_object_get(ans, "receipt");
            if (json)
                printf("%s\n", raw);
            else {
                client_print_receipt(c.names, receipt, "");
                printf("at height %" JSON_INTEGER_FORMAT "\n", json_integer_value(json_object_get(ans, "height")));
            }
            const char *st = json_string_value(json_object_get(receipt, "status"));
            rc = st && strcmp(st, "SUCCESS") == 0 ? CLI_OK : CLI_FAIL;
            json_decref(ans);
            free(raw);
        }
    }
    free(text);
    json_decref(body);
    json_decref(args);
    cvm_arena_free(&arena);
    client_close(&c);
    cli_names_free(&names);
    return rc;
}
