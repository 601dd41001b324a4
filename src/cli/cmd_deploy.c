/*
 * cmd_deploy.c — `coopvm deploy`: a contract deployed on a running node.
 * The module (assembled from .asm, or a .cvm as it is) is encoded in its
 * binary form and carried by a `_Deployments.deployService(name, 2, code)`
 * transaction — what `coopvm process` signs for a scenario's contracts
 * (play_deploy_tx) — signed with a key file at the node's chain id and
 * submitted as `coopvm send` submits one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

static const char help[] =
    "usage: coopvm deploy --node URL --key KEY.json FILE.asm|FILE.cvm [--name NAME]\n"
    "                     [--wait] [--scenario FILE] [--json]\n\n"
    "Deploys a contract on the node at URL: FILE is assembled (or read as a binary\n"
    "module), and the transaction _Deployments.deployService(NAME, 2, CODE) is\n"
    "built, signed with KEY.json's key at the node's chain id (GET /v1/status) and\n"
    "submitted (POST /v1/transactions). Prints its hash and PENDING.\n\n"
    "  --node URL      the node: http://127.0.0.1:7070\n"
    "  --key KEY.json  the deployer's key file (`coopvm keygen --json`)\n"
    "  --name NAME     the service's name (default: the module's .contract name)\n"
    "  --wait          then wait (up to 120 s) for the commit and print the receipt\n"
    "  --scenario FILE in the text, name the accounts of FILE (with --wait)\n"
    "  --json          print the API's answer as it is\n\n"
    "A deployed name cannot be deployed again (the receipt says\n"
    "DEPLOYMENT_FAILED: service NAME is already deployed); a module carries at\n"
    "most 65,536 bytes.\n\n"
    "Exit status: 0 accepted (with --wait: deployed), 1 the file or the key is bad,\n"
    "the node refused the transaction, the deployment failed, or the node could not\n"
    "be reached, 2 usage error.\n";

int cmd_deploy(int argc, char **argv)
{
    const char *node = NULL, *key = NULL, *file = NULL, *name = NULL, *scenario = NULL;
    bool wait = false, json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--node") == 0 || strcmp(a, "--key") == 0 || strcmp(a, "--name") == 0 ||
                   strcmp(a, "--scenario") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("deploy", "%s needs a value", a);
            const char **slot = strcmp(a, "--node") == 0  ? &node
                                : strcmp(a, "--key") == 0 ? &key
                                : strcmp(a, "--name") == 0 ? &name
                                                           : &scenario;
            *slot = argv[++i];
        } else if (strcmp(a, "--wait") == 0) {
            wait = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("deploy", "unknown flag '%s'", a);
        } else if (file) {
            return cli_usage_error("deploy", "one contract at a time ('%s' and '%s')", file, a);
        } else {
            file = a;
        }
    }
    if (!node)
        return cli_usage_error("deploy", "--node URL is required");
    if (!key)
        return cli_usage_error("deploy", "--key KEY.json is required (the deployer signs)");
    if (!file)
        return cli_usage_error("deploy", "needs a contract: FILE.asm or FILE.cvm");
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    bool key_ok = cli_load_key("deploy", key, pk, sk); /* a bad key is named before the node is asked */
    memset(sk, 0, sizeof sk);
    cvm_module *m = key_ok ? cli_load_module(file) : NULL;
    if (!m)
        return CLI_FAIL;
    uint8_t *code = NULL;
    size_t len = 0;
    char why[160];
    int rc = CLI_OK;
    if (cvm_module_encode(m, &code, &len) != CVM_OK) {
        fprintf(stderr, "coopvm deploy: %s: out of memory encoding the module\n", file);
        rc = CLI_FAIL;
    } else if (!cli_module_fits_deployment(len, why, sizeof why)) {
        fprintf(stderr, "coopvm deploy: %s: %s\n", file, why);
        rc = CLI_FAIL;
    }
    if (!name)
        name = cvm_module_name(m);
    cli_names names = {0};
    if (rc == CLI_OK && scenario && !cli_names_load("deploy", scenario, &names))
        rc = CLI_FAIL;
    client c = {0};
    if (rc == CLI_OK)
        rc = client_open(&c, "deploy", node);
    c.raw = json;
    c.names = scenario ? &names : NULL;
    uint32_t chain = 0;
    if (rc == CLI_OK)
        rc = client_chain_id(&c, &chain);
    json_t *tx = NULL;
    char *text = NULL;
    if (rc == CLI_OK) {
        cvm_arg args[3] = {cvm_arg_stringn(name, strlen(name)), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE),
                           cvm_arg_bytes(code, len)};
        tx = client_signed_tx("deploy", key, chain, "_Deployments", "deployService", args, 3);
        text = tx ? json_dumps(tx, JSON_COMPACT) : NULL;
        if (!text)
            rc = CLI_FAIL;
    }
    if (rc == CLI_OK)
        rc = client_submit(&c, text, strlen(text), wait, json);
    free(text);
    json_decref(tx);
    client_close(&c);
    cli_names_free(&names);
    cvm_free(NULL, code);
    cvm_module_free(m);
    return rc;
}
