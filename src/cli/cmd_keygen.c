/*
 * cmd_keygen.c — `coopvm keygen`: an Ed25519 key pair and its address,
 * random, from a seed, or the development key of an account name. The JSON
 * form is the key file that `coopvm tx build --key` and `tx sign --key` read.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/hex.h"
#include "cli.h"
#include "crypto/sign.h"

static const char help[] =
    "usage: coopvm keygen [--seed HEX | --name NAME] [--json]\n\n"
    "Prints an Ed25519 key pair (Address Scheme 01) and its address, the last\n"
    "20 bytes of SHA-256 of the public key.\n\n"
    "  --seed HEX  derive the pair from this 32-byte seed (64 hex digits)\n"
    "  --name NAME the development key of account NAME: seed =\n"
    "              SHA-256(\"coopvm-dev-key:\" + NAME), as `coopvm process` uses;\n"
    "              anyone can compute it, so never use it for real value\n"
    "  --json      print {\"public_key\", \"secret_key\", \"address\"}: a key file\n\n"
    "Without --seed or --name the seed is random. secret_key is the 32-byte seed.\n\n"
    "Exit status: 0 success, 2 usage error.\n";

int cmd_keygen(int argc, char **argv)
{
    const char *seed_hex = NULL, *name = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--seed") == 0) {
            if (!v)
                return cli_usage_error("keygen", "--seed needs 64 hex digits");
            seed_hex = argv[++i];
        } else if (strcmp(a, "--name") == 0) {
            if (!v)
                return cli_usage_error("keygen", "--name needs an account name");
            name = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else {
            return cli_usage_error("keygen", "unknown argument '%s'", a);
        }
    }
    if (seed_hex && name)
        return cli_usage_error("keygen", "--seed and --name exclude each other");

    uint8_t seed[CVM_SEED_BYTES], pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES], addr[CVM_ADDRESS_BYTES];
    if (seed_hex) {
        if (!cvm_hex_decode(seed_hex, strlen(seed_hex), seed, sizeof seed))
            return cli_usage_error("keygen", "--seed must be 64 hex digits (32 bytes)");
        cvm_keypair_from_seed(seed, pk, sk);
    } else if (name) {
        cvm_dev_keypair(name, pk, sk);
    } else if (cvm_keypair_random(pk, sk) != CVM_OK) {
        fprintf(stderr, "coopvm keygen: libsodium could not initialise\n");
        return CLI_FAIL;
    }
    cvm_secretkey_seed(sk, seed);
    cvm_address_of_key(pk, addr);

    char pk_hex[2 * sizeof pk + 1], seed_out[2 * sizeof seed + 1], addr_hex[2 * sizeof addr + 1];
    cvm_hex_write(pk_hex, pk, sizeof pk);
    cvm_hex_write(seed_out, seed, sizeof seed);
    cvm_hex_write(addr_hex, addr, sizeof addr);
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "public_key", pk_hex, "secret_key", seed_out, "address", addr_hex);
        if (!o || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            json_decref(o);
            fprintf(stderr, "coopvm keygen: out of memory\n");
            return CLI_FAIL;
        }
        fputc('\n', stdout);
        json_decref(o);
    } else {
        printf("public_key  %s\nsecret_key  %s\naddress     %s\n", pk_hex, seed_out, addr_hex);
    }
    return CLI_OK;
}
