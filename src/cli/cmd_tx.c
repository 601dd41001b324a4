/*
 * cmd_tx.c — `coopvm tx build|sign|verify|hash`: transactions as JSON files
 * (codec/tx_json.h), signed with key files written by `coopvm keygen --json`.
 *
 * Every command reads a transaction through the same strict reader, so a
 * file that any of them accepts has exactly one canonical encoding, hash and
 * signature.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/hex.h"
#include "cli.h"
#include "client.h"
#include "codec/json.h"
#include "codec/tx_json.h"
#include "crypto/sign.h"
#include "play.h"

static const char help[] =
    "usage: coopvm tx build [--from TX.json] --service S --method M [--arg JSON]...\n"
    "                       [--signer-key HEX | --key FILE] [--scheme N] [--chain N]\n"
    "                       [--timestamp NS] [--protocol N] [--node URL] [-o FILE]\n"
    "       coopvm tx sign TX.json --key KEY.json [-o FILE]\n"
    "       coopvm tx verify TX.json\n"
    "       coopvm tx hash TX.json\n\n"
    "Transactions are JSON (see docs/transactions.md):\n"
    "  {\"protocol_version\", \"virtual_chain_id\", \"timestamp\", \"signer\": {\"scheme\",\n"
    "   \"public_key\"}, \"service\", \"method\", \"args\": [...], \"signature\"}\n"
    "and key files are what `coopvm keygen --json` prints.\n\n"
    "build   writes a transaction. --arg is one argument as JSON, as in scenario\n"
    "        files: 5 (int64), \"text\" (string), \"0x00ff\" (bytes), true (bool), or an\n"
    "        explicit type: {\"uint64\": 7}, {\"string\": \"0x...\"}, {\"int64\": \"-1\"};\n"
    "        --signer-key sets the signer's public key (scheme 1) and leaves the\n"
    "        transaction unsigned; --key FILE sets it from a key file and signs.\n"
    "        Without either the signer is scheme 0 (an unsigned local call).\n"
    "        --scheme overrides the scheme (to exercise INVALID_ADDRESS_SCHEME);\n"
    "        --chain defaults to the chain id of the node at --node URL (GET\n"
    "        /v1/status), else to 42 (the chain of `coopvm process` and of a node\n"
    "        started without --chain); --timestamp to now (ns), --protocol to 1.\n"
    "        --from starts from a transaction JSON (any of its fields; service and\n"
    "        method then need no flags): flags replace its fields (--arg replaces\n"
    "        all its args), defaults fill what it lacks, its signature is dropped.\n"
    "sign    signs with the key file's key, which must be the signer's (scheme 1).\n"
    "verify  prints VALID, INVALID_SIGNATURE or INVALID_ADDRESS_SCHEME.\n"
    "hash    prints the transaction hash: SHA-256 of its canonical encoding, hex.\n\n"
    "-o FILE writes the transaction there instead of standard output.\n"
    "A transaction file is at most 16 MiB, a key file 4 KiB.\n\n"
    "Exit status: 0 success (verify: VALID), 1 bad input or not VALID, 2 usage error.\n";

#define MAX_ARGS 64

/* ---------------------------------------------------------------- helpers */

/* Parses a whole decimal number of at most max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static json_t *load_json(const char *path, cli_file kind) { return cli_load_json("tx", path, kind); }

/* Reads a transaction file into d; prints why and returns false on failure. */
static bool load_tx(const char *path, cvm_tx_decoded *d)
{
    json_t *j = load_json(path, CLI_FILE_TX);
    if (!j)
        return false;
    char err[256];
    cvm_status s = cvm_tx_from_json(NULL, j, d, err, sizeof err);
    json_decref(j);
    if (s != CVM_OK) {
        fprintf(stderr, "coopvm tx: %s: %s\n", path, err);
        return false;
    }
    return true;
}

static bool load_key(const char *path, uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES])
{
    return cli_load_key("tx", path, pk, sk);
}

/* Writes tx as indented JSON to out_path, or standard output when NULL. */
static int write_tx(const cvm_transaction *tx, const char *out_path)
{
    char err[256];
    json_t *j = cvm_tx_to_json(tx, err, sizeof err);
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!text) {
        fprintf(stderr, "coopvm tx: %s\n", j ? "out of memory" : err);
        return CLI_FAIL;
    }
    bool ok;
    if (out_path) {
        size_t n = strlen(text);
        text[n] = '\n'; /* replaces the NUL: the file gets a final newline */
        ok = cli_write_file(out_path, text, n + 1);
    } else {
        ok = printf("%s\n", text) >= 0;
    }
    free(text);
    return ok ? CLI_OK : CLI_FAIL;
}

/* Signs d's transaction in place with (pk, sk); sig must outlive d's use. */
static bool sign_tx(cvm_transaction *tx, const uint8_t pk[CVM_PUBKEY_BYTES], const uint8_t sk[CVM_SECRETKEY_BYTES],
                    uint8_t sig[CVM_SIGNATURE_BYTES])
{
    if (tx->signer_scheme != CVM_SCHEME_ED25519) {
        fprintf(stderr, "coopvm tx: cannot sign a transaction of signer scheme %u (only 1, Ed25519)\n",
                tx->signer_scheme);
        return false;
    }
    if (memcmp(tx->signer_key, pk, CVM_PUBKEY_BYTES) != 0) {
        fprintf(stderr, "coopvm tx: the key is not the transaction's signer key\n");
        return false;
    }
    cvm_errmsg err;
    tx->signature = NULL; /* the hash never covers a signature */
    if (cvm_tx_sign(NULL, tx, sk, sig, &err) != CVM_OK) {
        fprintf(stderr, "coopvm tx: %s\n", err.text);
        return false;
    }
    tx->signature = sig;
    return true;
}

/* ------------------------------------------------------------------ build */

/* The signer object of a built transaction: from the flags when any of
 * --scheme, --signer-key or --key is given (a scheme without a key keeps the
 * template's key), else the template's, else scheme 0. NULL after printing
 * a usage error in *rc. */
static json_t *build_signer(const json_t *tmpl, bool have_scheme, uint64_t scheme, const char *pk_hex, int *rc)
{
    const json_t *old = json_object_get(tmpl, "signer");
    if (!have_scheme && !pk_hex)
        return old ? json_deep_copy(old) : json_pack("{s:i}", "scheme", 0);
    if (!have_scheme)
        scheme = CVM_SCHEME_ED25519;
    const json_t *old_pk = json_object_get(old, "public_key");
    if (scheme == CVM_SCHEME_NONE && pk_hex) {
        *rc = cli_usage_error("tx", "scheme 0 (unsigned) takes no key");
        return NULL;
    }
    if (scheme != CVM_SCHEME_NONE && !pk_hex && !old_pk) {
        *rc = cli_usage_error("tx", "scheme %" PRIu64 " needs --signer-key or --key", scheme);
        return NULL;
    }
    json_t *signer = json_pack("{s:I}", "scheme", (json_int_t)scheme);
    if (signer && scheme != CVM_SCHEME_NONE)
        json_object_set_new(signer, "public_key", pk_hex ? json_string(pk_hex) : json_deep_copy(old_pk));
    return signer;
}

static int tx_build(int argc, char **argv)
{
    const char *service = NULL, *method = NULL, *signer_hex = NULL, *key_path = NULL, *out = NULL, *from = NULL,
               *node = NULL;
    const char *arg_text[MAX_ARGS];
    size_t nargs = 0;
    uint64_t chain = PLAY_CHAIN_ID, protocol = CVM_PROTOCOL_VERSION, scheme = 0, ts = 0;
    bool have_scheme = false, have_ts = false, have_chain = false, have_protocol = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        }
        if (a[0] != '-' || !v)
            return cli_usage_error("tx", a[0] == '-' ? "%s needs a value" : "unexpected argument '%s'", a);
        i++;
        if (strcmp(a, "--service") == 0) {
            service = v;
        } else if (strcmp(a, "--method") == 0) {
            method = v;
        } else if (strcmp(a, "--arg") == 0) {
            if (nargs == MAX_ARGS)
                return cli_usage_error("tx", "at most %d --arg values", MAX_ARGS);
            arg_text[nargs++] = v;
        } else if (strcmp(a, "--signer-key") == 0) {
            signer_hex = v;
        } else if (strcmp(a, "--key") == 0) {
            key_path = v;
        } else if (strcmp(a, "--from") == 0) {
            from = v;
        } else if (strcmp(a, "-o") == 0) {
            out = v;
        } else if (strcmp(a, "--node") == 0) {
            node = v;
        } else if (strcmp(a, "--chain") == 0) {
            if (!parse_uint(v, UINT32_MAX, &chain))
                return cli_usage_error("tx", "--chain: '%s' is not a number from 0 to 4294967295", v);
            have_chain = true;
        } else if (strcmp(a, "--protocol") == 0) {
            if (!parse_uint(v, UINT32_MAX, &protocol))
                return cli_usage_error("tx", "--protocol: '%s' is not a number from 0 to 4294967295", v);
            have_protocol = true;
        } else if (strcmp(a, "--scheme") == 0) {
            if (!parse_uint(v, UINT8_MAX, &scheme))
                return cli_usage_error("tx", "--scheme: '%s' is not a number from 0 to 255", v);
            have_scheme = true;
        } else if (strcmp(a, "--timestamp") == 0) {
            if (!parse_uint(v, UINT64_MAX, &ts))
                return cli_usage_error("tx", "--timestamp: '%s' is not a number of nanoseconds", v);
            have_ts = true;
        } else {
            return cli_usage_error("tx", "unknown argument '%s'", a);
        }
    }
    if (!from && (!service || !method))
        return cli_usage_error("tx", "build needs --service and --method (or --from FILE)");
    if (signer_hex && key_path)
        return cli_usage_error("tx", "--signer-key and --key exclude each other");
    uint8_t pk[CVM_PUBKEY_BYTES] = {0}, sk[CVM_SECRETKEY_BYTES];
    if (signer_hex && !cvm_hex_decode(signer_hex, strlen(signer_hex), pk, sizeof pk))
        return cli_usage_error("tx", "--signer-key must be 64 hex digits");
    if (!have_ts)
        ts = cli_now_ns();
    if (node && !have_chain) { /* the node's chain, unless told otherwise */
        client c;
        uint32_t id = 0;
        int rc = client_open(&c, "tx", node);
        if (rc == CLI_OK)
            rc = client_chain_id(&c, &id);
        client_close(&c);
        if (rc != CLI_OK)
            return rc;
        chain = id;
        have_chain = true;
    }

    json_t *args = NULL;
    for (size_t k = 0; k < nargs; k++) {
        json_error_t je;
        json_t *v = json_loads(arg_text[k], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!v) {
            json_decref(args);
            return cli_usage_error("tx", "--arg '%s' is not JSON: %s", arg_text[k], je.text);
        }
        if (!args)
            args = json_array();
        json_array_append_new(args, v);
    }

    /* The template (--from, else empty), then the flags over it, then the
     * defaults under what is still missing; the result goes through the same
     * reader as any transaction file. */
    json_t *j = from ? load_json(from, CLI_FILE_TX) : json_object();
    if (from && j && !json_is_object(j)) {
        fprintf(stderr, "coopvm tx: %s: a transaction must be a JSON object\n", from);
        json_decref(j);
        j = NULL;
    }
    if (!j || (key_path && !load_key(key_path, pk, sk))) {
        json_decref(j);
        json_decref(args);
        return CLI_FAIL;
    }
    char pk_hex[2 * CVM_PUBKEY_BYTES + 1];
    cvm_hex_write(pk_hex, pk, sizeof pk);
    int rc = CLI_OK;
    json_t *signer = build_signer(j, have_scheme, scheme, signer_hex || key_path ? pk_hex : NULL, &rc);
    if (!signer) {
        json_decref(j);
        json_decref(args);
        return rc == CLI_OK ? CLI_FAIL : rc;
    }
    json_object_set_new(j, "signer", signer);
    json_object_del(j, "signature"); /* a changed transaction is unsigned until signed again */
    if (service)
        json_object_set_new(j, "service", json_string(service));
    if (method)
        json_object_set_new(j, "method", json_string(method));
    if (args)
        json_object_set_new(j, "args", args);
    if (have_protocol || !json_object_get(j, "protocol_version"))
        json_object_set_new(j, "protocol_version", json_integer((json_int_t)protocol));
    if (have_chain || !json_object_get(j, "virtual_chain_id"))
        json_object_set_new(j, "virtual_chain_id", json_integer((json_int_t)chain));
    if (have_ts || !json_object_get(j, "timestamp"))
        json_object_set_new(j, "timestamp", cvm_json_uint64(ts));
    if (!json_object_get(j, "args"))
        json_object_set_new(j, "args", json_array());

    cvm_tx_decoded d;
    char err[256];
    cvm_status s = cvm_tx_from_json(NULL, j, &d, err, sizeof err);
    json_decref(j);
    if (s != CVM_OK) {
        fprintf(stderr, "coopvm tx build: %s%s%s\n", from ? from : "", from ? ": " : "", err);
        return CLI_FAIL;
    }
    uint8_t sig[CVM_SIGNATURE_BYTES];
    if (key_path && d.tx.signer_scheme == CVM_SCHEME_ED25519 && !sign_tx(&d.tx, pk, sk, sig))
        rc = CLI_FAIL;
    if (rc == CLI_OK)
        rc = write_tx(&d.tx, out);
    cvm_tx_decoded_free(&d);
    return rc;
}

/* ------------------------------------------------- sign, verify and hash */

/* Parses "TX.json [--key FILE] [-o FILE]" for sign, verify and hash. */
static int file_args(int argc, char **argv, bool keyed, const char **file, const char **key, const char **out)
{
    const char *cmd = argv[1];
    *file = *key = *out = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (keyed && (strcmp(a, "--key") == 0 || strcmp(a, "-o") == 0)) {
            if (!v)
                return cli_usage_error("tx", "%s needs a file", a);
            *(strcmp(a, "--key") == 0 ? key : out) = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("tx", "%s: unknown argument '%s'", cmd, a);
        } else if (*file) {
            return cli_usage_error("tx", "%s takes one transaction file", cmd);
        } else {
            *file = a;
        }
    }
    if (!*file)
        return cli_usage_error("tx", "%s needs a transaction file", cmd);
    if (keyed && !*key)
        return cli_usage_error("tx", "%s needs --key FILE", cmd);
    return -1;
}

static int tx_sign(int argc, char **argv)
{
    const char *file, *key, *out;
    int rc = file_args(argc, argv, true, &file, &key, &out);
    if (rc >= 0)
        return rc;
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES], sig[CVM_SIGNATURE_BYTES];
    if (!load_key(key, pk, sk))
        return CLI_FAIL;
    cvm_tx_decoded d;
    if (!load_tx(file, &d))
        return CLI_FAIL;
    rc = sign_tx(&d.tx, pk, sk, sig) ? write_tx(&d.tx, out) : CLI_FAIL;
    cvm_tx_decoded_free(&d);
    return rc;
}

static int tx_verify(int argc, char **argv)
{
    const char *file, *key, *out;
    int rc = file_args(argc, argv, false, &file, &key, &out);
    if (rc >= 0)
        return rc;
    cvm_tx_decoded d;
    if (!load_tx(file, &d))
        return CLI_FAIL;
    cvm_tx_verdict v;
    cvm_errmsg err;
    cvm_status s = cvm_tx_verify(NULL, &d.tx, &v, &err);
    cvm_tx_decoded_free(&d);
    if (s != CVM_OK) {
        fprintf(stderr, "coopvm tx: %s: %s\n", file, err.text);
        return CLI_FAIL;
    }
    printf("%s\n", cvm_tx_verdict_name(v));
    return v == CVM_TX_VALID ? CLI_OK : CLI_FAIL;
}

static int tx_hash(int argc, char **argv)
{
    const char *file, *key, *out;
    int rc = file_args(argc, argv, false, &file, &key, &out);
    if (rc >= 0)
        return rc;
    cvm_tx_decoded d;
    if (!load_tx(file, &d))
        return CLI_FAIL;
    uint8_t h[CVM_HASH_BYTES];
    char hex[2 * CVM_HASH_BYTES + 1];
    cvm_errmsg err;
    cvm_status s = cvm_tx_hash(NULL, &d.tx, h, &err);
    cvm_tx_decoded_free(&d);
    if (s != CVM_OK) {
        fprintf(stderr, "coopvm tx: %s: %s\n", file, err.text);
        return CLI_FAIL;
    }
    cvm_hex_write(hex, h, sizeof h);
    printf("%s\n", hex);
    return CLI_OK;
}

int cmd_tx(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("tx", "needs a subcommand: build, sign, verify or hash");
    const char *sub = argv[1];
    if (cli_is_help(sub)) {
        fputs(help, stdout);
        return CLI_OK;
    }
    if (strcmp(sub, "build") == 0)
        return tx_build(argc, argv);
    if (strcmp(sub, "sign") == 0)
        return tx_sign(argc, argv);
    if (strcmp(sub, "verify") == 0)
        return tx_verify(argc, argv);
    if (strcmp(sub, "hash") == 0)
        return tx_hash(argc, argv);
    return cli_usage_error("tx", "unknown subcommand '%s' (build, sign, verify or hash)", sub);
}
