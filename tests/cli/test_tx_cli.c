/*
 * test_tx_cli.c — `coopvm keygen` and `coopvm tx build|sign|verify|hash`
 * driven as a user would: pinned keys, a pinned hash and signature, the
 * three verdicts with their exit statuses, tampered files, and usage errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

#define ALICE_PK "eae07b5255bff16b56c41d6586669453e64470f2e805f29ae555ad52ee35f1d4"
#define ALICE_SEED "9be162b2675f097f42ee537d17f38e96e57cea3dcb6c3047acaa01b60b4d8fe3"
#define ALICE_ADDR "d21b6d72a95502cbc0128326b938aa55a2325cf1"

/* alice's transaction below: Counter.add(5, "hi") on chain 42 at 1.7e18 ns. */
#define ALICE_TX_HASH "c3d73d73c690cc7a18e390ad7cdc8a1f1f6ce928c19f280f8e6d7c8481a9fbd5"
#define ALICE_TX_SIG                                                      \
    "ce5d97fff377f02fc4121687c1b5bb380d2c13303a9589cca4e18a97baab8b41" \
    "22e416146098563df932b8b54b791153105c36d4455831f17cb1764158fcd80b"

/* A fresh temporary path (the file is created empty). */
static char *temp_path(void)
{
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/coopvm-tx-XXXXXX.json");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static json_t *load(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

static void save(const char *path, json_t *j)
{
    assert_int_equal(json_dump_file(j, path, JSON_PRESERVE_ORDER), 0);
}

/* The standard output of a successful run, without its final newline. */
static void expect_out(proc_result r, int status, const char *want)
{
    if (r.status != status)
        fail_msg("exit %d (want %d); stderr: %s", r.status, status, r.err);
    if (r.out_len && r.out[r.out_len - 1] == '\n')
        r.out[r.out_len - 1] = '\0';
    assert_string_equal(r.out, want);
    proc_result_free(&r);
}

static void expect_err(proc_result r, int status, const char *want)
{
    if (r.status != status)
        fail_msg("exit %d (want %d); stderr: %s", r.status, status, r.err);
    if (!strstr(r.err, want))
        fail_msg("stderr '%s' does not mention '%s'", r.err, want);
    proc_result_free(&r);
}

/* ------------------------------------------------------------------ keygen */

static void test_keygen(void **state)
{
    (void)state;
    expect_out(coopvm("keygen", "--name", "alice", NULL), 0,
               "public_key  " ALICE_PK "\nsecret_key  " ALICE_SEED "\naddress     " ALICE_ADDR);
    expect_out(coopvm("keygen", "--name", "alice", "--json", NULL), 0,
               "{\n  \"public_key\": \"" ALICE_PK "\",\n  \"secret_key\": \"" ALICE_SEED
               "\",\n  \"address\": \"" ALICE_ADDR "\"\n}");
    /* a seed gives the same pair as the name that derived it */
    expect_out(coopvm("keygen", "--seed", ALICE_SEED, NULL), 0,
               "public_key  " ALICE_PK "\nsecret_key  " ALICE_SEED "\naddress     " ALICE_ADDR);
    proc_result r = coopvm("keygen", "--seed", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                           "--json", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"public_key\": \"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\""));
    proc_result_free(&r);

    /* random keys differ */
    proc_result r1 = coopvm("keygen", "--json", NULL), r2 = coopvm("keygen", "--json", NULL);
    assert_int_equal(r1.status, 0);
    assert_int_equal(r2.status, 0);
    assert_true(strlen(r1.out) > 100);
    assert_string_not_equal(r1.out, r2.out);
    proc_result_free(&r1);
    proc_result_free(&r2);

    r = coopvm("keygen", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: coopvm keygen"));
    proc_result_free(&r);
    expect_err(coopvm("keygen", "--seed", "abc", NULL), 2, "--seed must be 64 hex digits");
    expect_err(coopvm("keygen", "--seed", ALICE_SEED, "--name", "bob", NULL), 2, "exclude each other");
    expect_err(coopvm("keygen", "--name", NULL), 2, "--name needs");
    expect_err(coopvm("keygen", "--bogus", NULL), 2, "unknown argument '--bogus'");
}

/* ---------------------------------------------------------------------- tx */

/* Writes alice's key file and returns its path. */
static char *alice_key(void)
{
    char *key = temp_path();
    proc_result r = coopvm("keygen", "--name", "alice", "--json", NULL);
    assert_int_equal(r.status, 0);
    write_text(key, r.out);
    proc_result_free(&r);
    return key;
}

static void test_build_signed_verify_hash(void **state)
{
    (void)state;
    char *key = alice_key(), *tx = temp_path();
    proc_result r = coopvm("tx", "build", "--service", "Counter", "--method", "add", "--arg", "5", "--arg", "\"hi\"",
                           "--key", key, "--chain", "42", "--timestamp", "1700000000000000000", "-o", tx, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    proc_result_free(&r);

    json_t *j = load(tx);
    assert_int_equal(json_integer_value(json_object_get(j, "protocol_version")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "virtual_chain_id")), 42);
    assert_true(json_integer_value(json_object_get(j, "timestamp")) == 1700000000000000000ll);
    json_t *signer = json_object_get(j, "signer");
    assert_int_equal(json_integer_value(json_object_get(signer, "scheme")), 1);
    assert_string_equal(json_string_value(json_object_get(signer, "public_key")), ALICE_PK);
    assert_string_equal(json_string_value(json_object_get(j, "service")), "Counter");
    assert_string_equal(json_string_value(json_object_get(j, "method")), "add");
    char *args = json_dumps(json_object_get(j, "args"), JSON_COMPACT);
    assert_string_equal(args, "[5,\"hi\"]");
    free(args);
    assert_string_equal(json_string_value(json_object_get(j, "signature")), ALICE_TX_SIG);
    json_decref(j);

    expect_out(coopvm("tx", "verify", tx, NULL), 0, "VALID");
    expect_out(coopvm("tx", "hash", tx, NULL), 0, ALICE_TX_HASH);

    /* the same to standard output */
    r = coopvm("tx", "build", "--service", "Counter", "--method", "add", "--arg", "5", "--arg", "\"hi\"", "--key", key,
               "--chain", "42", "--timestamp", "1700000000000000000", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"signature\": \"" ALICE_TX_SIG "\""));
    proc_result_free(&r);

    unlink(tx);
    unlink(key);
    free(tx);
    free(key);
}

static void test_build_then_sign(void **state)
{
    (void)state;
    char *key = alice_key(), *tx = temp_path(), *signed_tx = temp_path();
    proc_result r = coopvm("tx", "build", "--service", "Counter", "--method", "add", "--arg", "5", "--arg", "\"hi\"",
                           "--signer-key", ALICE_PK, "--chain", "42", "--timestamp", "1700000000000000000", "-o", tx,
                           NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    /* unsigned: the hash is the same, the verdict is not */
    expect_out(coopvm("tx", "hash", tx, NULL), 0, ALICE_TX_HASH);
    expect_out(coopvm("tx", "verify", tx, NULL), 1, "INVALID_SIGNATURE");

    r = coopvm("tx", "sign", tx, "--key", key, "-o", signed_tx, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    expect_out(coopvm("tx", "verify", signed_tx, NULL), 0, "VALID");
    json_t *j = load(signed_tx);
    assert_string_equal(json_string_value(json_object_get(j, "signature")), ALICE_TX_SIG);
    json_decref(j);

    /* signing again replaces the signature with the same one (Ed25519 is deterministic) */
    r = coopvm("tx", "sign", signed_tx, "--key", key, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, ALICE_TX_SIG));
    proc_result_free(&r);

    /* bob's key is not the signer's */
    char *bob = temp_path();
    r = coopvm("keygen", "--name", "bob", "--json", NULL);
    write_text(bob, r.out);
    proc_result_free(&r);
    expect_err(coopvm("tx", "sign", tx, "--key", bob, NULL), 1, "not the transaction's signer key");

    unlink(bob);
    unlink(signed_tx);
    unlink(tx);
    unlink(key);
    free(bob);
    free(signed_tx);
    free(tx);
    free(key);
}

/* --from: a template file, flags over it, defaults under it. */
static void test_build_from_template(void **state)
{
    (void)state;
    char *key = alice_key(), *tmpl = temp_path(), *tx = temp_path();
    write_text(tmpl, "{\"service\": \"Counter\", \"method\": \"add\", \"args\": [5, \"hi\"], \"virtual_chain_id\": 42}");
    proc_result r = coopvm("tx", "build", "--from", tmpl, "--key", key, "--timestamp", "1700000000000000000", "-o", tx,
                           NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    /* the same transaction as built from flags alone: the same signature */
    json_t *j = load(tx);
    assert_string_equal(json_string_value(json_object_get(j, "signature")), ALICE_TX_SIG);
    json_decref(j);

    /* rebuilding a signed file with another timestamp drops the signature */
    r = coopvm("tx", "build", "--from", tx, "--timestamp", "1700000000000000001", "-o", tmpl, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    j = load(tmpl);
    assert_null(json_object_get(j, "signature"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "signer"), "public_key")), ALICE_PK);
    json_decref(j);
    expect_out(coopvm("tx", "verify", tmpl, NULL), 1, "INVALID_SIGNATURE");

    /* --arg replaces the template's arguments; --scheme 0 drops the key */
    r = coopvm("tx", "build", "--from", tx, "--arg", "7", "--scheme", "0", NULL);
    assert_int_equal(r.status, 0);
    json_t *o = json_loads(r.out, 0, NULL);
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, "{\"protocol_version\":1,\"virtual_chain_id\":42,\"timestamp\":1700000000000000000,"
                              "\"signer\":{\"scheme\":0},\"service\":\"Counter\",\"method\":\"add\",\"args\":[7]}");
    free(text);
    json_decref(o);
    proc_result_free(&r);

    write_text(tmpl, "[1]");
    expect_err(coopvm("tx", "build", "--from", tmpl, NULL), 1, "a transaction must be a JSON object");
    write_text(tmpl, "{\"method\": \"m\"}");
    expect_err(coopvm("tx", "build", "--from", tmpl, NULL), 1, "missing \"service\"");
    write_text(tmpl, "{\"service\": \"S\", \"method\": \"m\", \"extra\": 1}");
    expect_err(coopvm("tx", "build", "--from", tmpl, NULL), 1, "unknown key \"extra\"");
    expect_err(coopvm("tx", "build", "--from", "/nonexistent/t.json", NULL), 1, "/nonexistent/t.json");

    unlink(tx);
    unlink(tmpl);
    unlink(key);
    free(tx);
    free(tmpl);
    free(key);
}

static void test_tampering_is_detected(void **state)
{
    (void)state;
    char *key = alice_key(), *tx = temp_path(), *bad = temp_path();
    proc_result r = coopvm("tx", "build", "--service", "Counter", "--method", "add", "--arg", "5", "--key", key,
                           "--timestamp", "7", "-o", tx, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    expect_out(coopvm("tx", "verify", tx, NULL), 0, "VALID");

    /* a flipped bit in the signature */
    json_t *j = load(tx);
    char sig[129];
    snprintf(sig, sizeof sig, "%s", json_string_value(json_object_get(j, "signature")));
    sig[10] = sig[10] == '0' ? '1' : '0';
    json_object_set_new(j, "signature", json_string(sig));
    save(bad, j);
    json_decref(j);
    expect_out(coopvm("tx", "verify", bad, NULL), 1, "INVALID_SIGNATURE");

    /* a changed field: the argument */
    j = load(tx);
    json_array_set_new(json_object_get(j, "args"), 0, json_integer(6));
    save(bad, j);
    json_decref(j);
    expect_out(coopvm("tx", "verify", bad, NULL), 1, "INVALID_SIGNATURE");

    /* the same value with another type is another transaction: uint64 5 */
    j = load(tx);
    json_array_set_new(json_object_get(j, "args"), 0, json_pack("{s:i}", "uint64", 5));
    save(bad, j);
    json_decref(j);
    expect_out(coopvm("tx", "verify", bad, NULL), 1, "INVALID_SIGNATURE");

    /* a different signer key */
    j = load(tx);
    json_object_set_new(json_object_get(j, "signer"), "public_key",
                        json_string("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"));
    save(bad, j);
    json_decref(j);
    expect_out(coopvm("tx", "verify", bad, NULL), 1, "INVALID_SIGNATURE");

    /* an unknown scheme keeps its key and is refused as a scheme */
    j = load(tx);
    json_object_set_new(json_object_get(j, "signer"), "scheme", json_integer(2));
    save(bad, j);
    json_decref(j);
    expect_out(coopvm("tx", "verify", bad, NULL), 1, "INVALID_ADDRESS_SCHEME");

    unlink(bad);
    unlink(tx);
    unlink(key);
    free(bad);
    free(tx);
    free(key);
}

static void test_schemes(void **state)
{
    (void)state;
    char *tx = temp_path();
    proc_result r = coopvm("tx", "build", "--service", "S", "--method", "m", "--timestamp", "1", "-o", tx, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    json_t *j = load(tx);
    char *signer = json_dumps(json_object_get(j, "signer"), JSON_COMPACT);
    assert_string_equal(signer, "{\"scheme\":0}");
    /* without --chain: chain 42, as process and the node use */
    assert_int_equal(json_integer_value(json_object_get(j, "virtual_chain_id")), 42);
    free(signer);
    json_decref(j);
    expect_out(coopvm("tx", "verify", tx, NULL), 1, "INVALID_ADDRESS_SCHEME");
    char *key = alice_key();
    expect_err(coopvm("tx", "sign", tx, "--key", key, NULL), 1, "cannot sign a transaction of signer scheme 0");
    expect_err(coopvm("tx", "sign", tx, "--key", tx, NULL), 1, "\"secret_key\" must be 64 hex digits");

    r = coopvm("tx", "build", "--service", "S", "--method", "m", "--signer-key", ALICE_PK, "--scheme", "9",
               "--timestamp", "1", "-o", tx, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    expect_out(coopvm("tx", "verify", tx, NULL), 1, "INVALID_ADDRESS_SCHEME");
    /* a string argument holding NUL survives the file (written as \u0000) */
    r = coopvm("tx", "build", "--service", "S", "--method", "m", "--arg", "\"a\\u0000b\"", "--key", key,
               "--timestamp", "1", "-o", tx, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    expect_out(coopvm("tx", "verify", tx, NULL), 0, "VALID");
    unlink(key);
    free(key);
    unlink(tx);
    free(tx);
}

static void test_bad_input_exit_1(void **state)
{
    (void)state;
    char *f = temp_path();
    expect_err(coopvm("tx", "verify", "/nonexistent/tx.json", NULL), 1, "/nonexistent/tx.json");
    write_text(f, "{not json");
    expect_err(coopvm("tx", "hash", f, NULL), 1, f);
    write_text(f, "{\"protocol_version\":1,\"virtual_chain_id\":0,\"timestamp\":1,\"signer\":{\"scheme\":0},"
                  "\"service\":\"S\",\"method\":\"m\",\"colour\":\"red\"}");
    expect_err(coopvm("tx", "verify", f, NULL), 1, "unknown key \"colour\"");
    write_text(f, "{\"protocol_version\":1,\"virtual_chain_id\":0,\"timestamp\":1,\"signer\":{\"scheme\":1,"
                  "\"public_key\":\"00\"},\"service\":\"S\",\"method\":\"m\"}");
    expect_err(coopvm("tx", "hash", f, NULL), 1, "\"public_key\" in \"signer\" must be 64 hex digits");
    write_text(f, "{\"protocol_version\":1,\"virtual_chain_id\":0,\"timestamp\":1,\"signer\":{\"scheme\":0},"
                  "\"service\":\"S\",\"method\":\"m\",\"args\":[2.5]}");
    expect_err(coopvm("tx", "hash", f, NULL), 1, "args[0]");
    /* a key file whose public key does not belong to its secret key */
    write_text(f, "{\"public_key\":\"" ALICE_PK "\",\"secret_key\":"
                  "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--key", f, NULL), 1,
               "\"public_key\" does not belong to \"secret_key\"");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--arg", "{\"float\": 1}", NULL), 1, "args[0]");
    unlink(f);
    free(f);
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    proc_result r = coopvm("tx", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: coopvm tx build"));
    proc_result_free(&r);
    static const char *const subs[] = {"build", "sign", "verify", "hash"};
    for (size_t i = 0; i < 4; i++) {
        r = coopvm("tx", subs[i], "--help", NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "usage: coopvm tx"));
        proc_result_free(&r);
    }
    r = coopvm("--help", NULL);
    assert_non_null(strstr(r.out, "keygen"));
    assert_non_null(strstr(r.out, "tx "));
    proc_result_free(&r);

    expect_err(coopvm("tx", NULL), 2, "needs a subcommand");
    expect_err(coopvm("tx", "frob", NULL), 2, "unknown subcommand 'frob'");
    expect_err(coopvm("tx", "build", "--method", "m", NULL), 2, "needs --service and --method");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--chain", "4294967296", NULL), 2, "--chain");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--timestamp", "-1", NULL), 2, "--timestamp");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--scheme", "1", NULL), 2,
               "scheme 1 needs --signer-key or --key");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--scheme", "0", "--signer-key", ALICE_PK, NULL),
               2, "scheme 0 (unsigned) takes no key");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--signer-key", "xyz", NULL), 2,
               "--signer-key must be 64 hex digits");
    expect_err(coopvm("tx", "build", "--service", "S", "--method", "m", "--arg", "{oops", NULL), 2, "is not JSON");
    expect_err(coopvm("tx", "build", "--service", NULL), 2, "--service needs a value");
    expect_err(coopvm("tx", "sign", "t.json", NULL), 2, "needs --key FILE");
    expect_err(coopvm("tx", "verify", NULL), 2, "needs a transaction file");
    expect_err(coopvm("tx", "verify", "a.json", "b.json", NULL), 2, "one transaction file");
    expect_err(coopvm("tx", "hash", "--key", "k.json", "t.json", NULL), 2, "unknown argument '--key'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen),
        cmocka_unit_test(test_build_signed_verify_hash),
        cmocka_unit_test(test_build_then_sign),
        cmocka_unit_test(test_build_from_template),
        cmocka_unit_test(test_tampering_is_detected),
        cmocka_unit_test(test_schemes),
        cmocka_unit_test(test_bad_input_exit_1),
        cmocka_unit_test(test_usage_errors_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
