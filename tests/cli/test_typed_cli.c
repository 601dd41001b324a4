/*
 * test_typed_cli.c — typed contracts through the command line: a declared
 * event (`.event Transfer from:bytes to:bytes amount:int`) in `coopvm
 * process`'s receipts and in the history `coopvm events` prints, text and
 * JSON, exactly as native services' events are; `coopvm run` with bytes and
 * @NAME arguments and typed results (bytes that are not UTF-8 as 0x hex).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/clitest.h"
#include "coopvm.h"
#include "support/store_dir.h"

#define TOKEN                                                                                                \
    ".contract Token\n.event Transfer from:bytes to:bytes amount:int\n"                                      \
    ".method transfer params to:bytes amount:int returns int\n"                                              \
    "  Signer\n  Rot\n  Rot\n  Emit \"Transfer\"\n  Push 1\n"                                                \
    ".method pair readonly params who:bytes returns bytes string int\n"                                      \
    "  PushBytes \"\\xff\\x00\"\n  PushBytes \"caf\\xc3\\xa9\"\n  Push 7\n"

static char dir[64], asm_path[96], scen[96], data[96];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* "0x" + the address of development account name. */
static void hex_address(const char *name, char out[43])
{
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES], a[CVM_ADDRESS_BYTES];
    cvm_dev_keypair(name, pk, sk);
    cvm_address_of_key(pk, a);
    strcpy(out, "0x");
    for (int i = 0; i < CVM_ADDRESS_BYTES; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", a[i]);
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/cvm-typed-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(asm_path, sizeof asm_path, "%s/token.asm", dir);
    snprintf(scen, sizeof scen, "%s/s.json", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    write_file(asm_path, TOKEN);
    char bob[43], s[512];
    hex_address("bob", bob);
    snprintf(s, sizeof s,
             "{\"accounts\": {\"alice\": {}, \"bob\": {}},\n \"contracts\": {\"Token\": \"token.asm\"},\n"
             " \"blocks\": [[{\"signer\": \"alice\", \"contract\": \"Token\", \"method\": \"transfer\","
             " \"args\": [\"%s\", {\"uint64\": 300}]}]]}\n",
             bob);
    write_file(scen, s);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_dir_remove(data);
    unlink(asm_path);
    unlink(scen);
    rmdir(dir);
    return 0;
}

static void test_declared_event_in_history(void **state)
{
    (void)state;
    proc_result r = coopvm("process", scen, "--data", data, NULL);
    if (r.status != 0 || !strstr(r.out, "Token.Transfer from=alice to=bob amount=300"))
        fail_msg("exit %d\n%s\n%s", r.status, r.out, r.err);
    proc_result_free(&r);
    /* the history, text with the scenario's names, and JSON */
    r = coopvm("events", "--data", data, "--service", "Token", "--scenario", scen, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Token.Transfer from=alice to=bob amount=300\n"));
    proc_result_free(&r);
    r = coopvm("events", "--data", data, "--service", "Token", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_int_equal(json_array_size(j), 1);
    json_t *f = json_object_get(json_array_get(j, 0), "fields");
    char alice[43], bob[43];
    hex_address("alice", alice);
    hex_address("bob", bob);
    assert_string_equal(json_string_value(json_object_get(f, "from")), alice);
    assert_string_equal(json_string_value(json_object_get(f, "to")), bob);
    assert_int_equal(json_integer_value(json_object_get(f, "amount")), 300);
    json_decref(j);
    proc_result_free(&r);
}

/* process's event line and the history's are one rule (cli_print_value):
 * short bytes bare (to=0x00ff, not "0x00ff"), empty bytes 0x, a string
 * quoted; only process shortens long bytes. */
static void test_process_and_events_print_alike(void **state)
{
    (void)state;
    char s2[128], d2[128];
    snprintf(s2, sizeof s2, "%s/short.json", dir);
    snprintf(d2, sizeof d2, "%s/data2", dir);
    write_file(s2, "{\"accounts\": {\"alice\": {}},\n \"contracts\": {\"Token\": \"token.asm\"},\n"
                   " \"blocks\": [[{\"signer\": \"alice\", \"contract\": \"Token\", \"method\": \"transfer\","
                   " \"args\": [\"0x00ff\", 5]},\n"
                   "  {\"signer\": \"alice\", \"contract\": \"Token\", \"method\": \"transfer\","
                   " \"args\": [\"0x\", 6]}]]}\n");
    proc_result p = coopvm("process", s2, "--data", d2, NULL);
    proc_result e = coopvm("events", "--data", d2, "--service", "Token", "--scenario", s2, NULL);
    assert_int_equal(p.status | e.status, 0);
    static const char *const lines[] = {" Token.Transfer from=alice to=0x00ff amount=5\n",
                                        " Token.Transfer from=alice to=0x amount=6\n"};
    for (size_t i = 0; i < 2; i++) {
        if (!strstr(p.out, lines[i]) || !strstr(e.out, lines[i]))
            fail_msg("\"%s\" not in both:\nprocess:\n%s\nevents:\n%s", lines[i], p.out, e.out);
    }
    proc_result_free(&p);
    proc_result_free(&e);
    store_dir_remove(d2);
    unlink(s2);
}

static void test_run_typed_results(void **state)
{
    (void)state;
    proc_result r = coopvm("run", asm_path, "transfer", "@bob", "300", NULL);
    assert_int_equal(r.status, 0);
    char bob[43], line[128];
    hex_address("bob", bob);
    snprintf(line, sizeof line, "event     Token.Transfer from=");
    assert_non_null(strstr(r.out, line));
    snprintf(line, sizeof line, " to=%.18s...(20 bytes) amount=300\n", bob); /* long bytes shortened */
    assert_non_null(strstr(r.out, line));
    proc_result_free(&r);
    /* bytes bare as 0x hex, a string quoted (as coopvm events prints them) */
    r = coopvm("run", asm_path, "pair", "0x00", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "outputs   (0xff00, \"caf\xc3\xa9\", 7)\n"));
    proc_result_free(&r);
    r = coopvm("run", asm_path, "pair", "0x00", "--json", NULL);
    json_t *j = parse_json(r.out);
    json_t *o = json_object_get(j, "outputs");
    assert_int_equal(json_array_size(o), 3);
    assert_string_equal(json_string_value(json_array_get(o, 0)), "0xff00");
    assert_string_equal(json_string_value(json_array_get(o, 1)), "caf\xc3\xa9");
    assert_int_equal(json_integer_value(json_array_get(o, 2)), 7);
    json_decref(j);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declared_event_in_history),
        cmocka_unit_test(test_process_and_events_print_alike),
        cmocka_unit_test(test_run_typed_results),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
