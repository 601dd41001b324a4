/*
 * cmd_block.c — `coopvm block`: one committed block of a node, GET
 * /v1/blocks/latest or /v1/blocks/{height} (docs/node-api.md): its header,
 * its receipts and what pre-order rejected in it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

static const char help[] =
    "usage: coopvm block --node URL [HEIGHT] [--scenario FILE] [--json]\n\n"
    "Prints block HEIGHT of the node at URL (the latest without HEIGHT): its\n"
    "header (height, time, hash, the previous block's hash, the state\n"
    "commitment), the receipt of each transaction and the transactions that\n"
    "pre-order rejected when the block was built.\n\n"
    "  --node URL  the node: http://127.0.0.1:7070\n"
    "  --scenario FILE  in the text, name the accounts of FILE (a scenario or a\n"
    "              genesis file) instead of their addresses, as `coopvm process` does\n"
    "  --json      print the API's answer as it is: {\"header\", \"transactions\",\n"
    "              \"receipts\", \"rejected\"} (docs/node-api.md)\n\n"
    "Text:\n"
    "  block 12  2026-12-06 08:28:28.123 UTC, 2 transactions\n"
    "    hash 5be0...\n"
    "    prev 9a41...\n"
    "    state commitment 6c7b...\n"
    "    0xd21b... -> Housing.vote(1, 1): SUCCESS result 0, gas 2650\n"
    "        event _Governance.VoteCast proposal_id=1 voter=0xd21b... support=true\n\n"
    "Exit status: 0 success, 1 no such block (404) or the node could not be\n"
    "reached, 2 usage error.\n";

int cmd_block(int argc, char **argv)
{
    const char *node = NULL, *height = NULL, *scenario = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--node") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("block", "--node needs the node's URL");
            node = argv[++i];
        } else if (strcmp(a, "--scenario") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("block", "--scenario needs a file");
            scenario = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("block", "unknown flag '%s'", a);
        } else if (height) {
            return cli_usage_error("block", "one height at a time ('%s' and '%s')", height, a);
        } else {
            height = a;
        }
    }
    if (!node)
        return cli_usage_error("block", "--node URL is required");
    int64_t h = 0;
    if (height && (!cli_parse_i64(height, &h) || h < 1 || height[0] == '-' || height[0] == '+'))
        return cli_usage_error("block", "'%s' is not a height (a whole number, 1 or more)", height);
    cli_names names = {0};
    if (scenario && !cli_names_load("block", scenario, &names))
        return CLI_FAIL;
    client c;
    int rc = client_open(&c, "block", node);
    if (rc != CLI_OK) {
        cli_names_free(&names);
        return rc;
    }
    c.raw = json;
    c.names = scenario ? &names : NULL;
    char path[64];
    if (height)
        snprintf(path, sizeof path, "/v1/blocks/%" PRId64, h);
    else
        snprintf(path, sizeof path, "/v1/blocks/latest");
    json_t *ans;
    char *raw;
    rc = client_call(&c, "GET", path, NULL, NULL, 0, CLIENT_TIMEOUT_S, &ans, &raw, NULL);
    if (rc == CLI_OK) {
        if (json)
            printf("%s\n", raw);
        else
            client_print_block(c.names, ans);
        json_decref(ans);
        free(raw);
    }
    client_close(&c);
    cli_names_free(&names);
    return rc;
}
