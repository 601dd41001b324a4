/*
 * client_tx.c — the signed transactions the client commands build
 * themselves (`deploy`, `call --key`): the signer from a key file written by
 * `coopvm keygen --json`, the node's chain id, the wall clock, and the same
 * JSON view `coopvm tx sign` writes (codec/tx_json.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "codec/tx_json.h"

json_t *client_signed_tx(const char *cmd, const char *key_path, uint32_t chain, const char *service,
                         const char *method, const cvm_arg *args, size_t nargs)
{
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES], sig[CVM_SIGNATURE_BYTES];
    if (!cli_load_key(cmd, key_path, pk, sk))
        return NULL;
    cvm_transaction tx = {0};
    tx.protocol_version = CVM_PROTOCOL_VERSION;
    tx.virtual_chain_id = chain;
    tx.timestamp = cli_now_ns();
    tx.signer_scheme = CVM_SCHEME_ED25519;
    memcpy(tx.signer_key, pk, sizeof pk);
    tx.service = service;
    tx.method = method;
    tx.args = args;
    tx.nargs = nargs;
    cvm_errmsg why;
    char err[CVM_ERRMSG_BYTES] = "";
    json_t *j = NULL;
    if (cvm_tx_sign(NULL, &tx, sk, sig, &why) != CVM_OK) {
        snprintf(err, sizeof err, "%s", why.text);
    } else {
        tx.signature = sig;
        j = cvm_tx_to_json(&tx, err, sizeof err);
    }
    memset(sk, 0, sizeof sk);
    if (!j)
        fprintf(stderr, "coopvm %s: signing %s.%s: %s\n", cmd, service, method, err[0] ? err : "out of memory");
    return j;
}
