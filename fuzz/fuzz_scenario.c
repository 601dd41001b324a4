/*
 * fuzz_scenario.c — fuzzes the scenario reader of `coopvm process`
 * (src/cli/scenario.h, scenario_parse) with arbitrary bytes as the file's
 * text.
 *
 * Contract paths are read from disk, relative to the scenario's directory:
 * the harness names its input DIR/fuzz.json, where DIR is a fresh temporary
 * directory holding one tiny valid contract, counter.asm (so the committed
 * examples/counter.json is a seed that reads through). An input whose
 * "contracts" name a path with a '/' is skipped, so nothing outside DIR is
 * ever opened (no /dev/stdin, no /dev/zero); a name that is missing in DIR,
 * or DIR itself, still gets the reader's error.
 *
 * Beyond not crashing or leaking: a refused input has a message naming the
 * file; an accepted one holds what scenario.h promises — every contract is a
 * loadable module of at most CVM_ARG_BYTES_MAX bytes, every block
 * transaction has a signer that is a scenario account, a contract and a
 * method, every signed query's signer is an account.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/scenario.h"
#include "codec/args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* The temporary directory and the label of every input in it, made once.
 * (Harness state: the library and the CLI keep none.) */
static char dir[64];
static char label[96];
static char contract[96];

static void remove_dir(void)
{
    remove(contract);
    rmdir(dir);
}

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/coopvm-fuzz-scenario-XXXXXX");
    if (!mkdtemp(dir))
        fail("a temporary directory", dir);
    snprintf(label, sizeof label, "%s/fuzz.json", dir);
    snprintf(contract, sizeof contract, "%s/counter.asm", dir);
    FILE *f = fopen(contract, "w");
    if (!f || fputs(".contract Tiny\n.method get readonly\n    Push 7\n", f) < 0 || fclose(f) != 0)
        fail("the tiny contract is written", contract);
    atexit(remove_dir);
}

/* True when every "contracts" path of the input stays inside dir (or the
 * input does not get as far as reading contracts at all). */
static bool paths_stay_inside(const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    const json_t *c = json_object_get(root, "contracts");
    const char *name;
    const json_t *v;
    bool inside = true;
    json_object_foreach((json_t *)c, name, v) {
        if (json_is_string(v) && memchr(json_string_value(v), '/', json_string_length(v)))
            inside = false;
    }
    json_decref(root);
    return inside;
}

static void check_tx(const scenario *s, const scn_tx *t, bool query)
{
    if (!t->contract || !t->method || (t->nargs && !t->args))
        fail("a transaction has a contract, a method and its arguments", query ? "query" : "block");
    if (!query && !t->signer)
        fail("a block's transaction is signed", t->method);
    if (t->signer && !scenario_account(s, t->signer))
        fail("a signer is an account of the scenario", t->signer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        make_dir();
    if (!paths_stay_inside(data, size))
        return 0;
    scenario s;
    cvm_errmsg err;
    cvm_status st = scenario_parse(label, (const char *)data, size, &s, err.text, sizeof err.text);
    if (st == CVM_EINPUT && strncmp(err.text, label, strlen(label)) != 0)
        fail("a refused scenario gets a message naming the file", err.text);
    if (st != CVM_OK)
        return 0;
    for (size_t i = 0; i < s.ncontracts; i++) {
        const scn_contract *c = &s.contracts[i];
        cvm_module *m = NULL;
        if (c->len > CVM_ARG_BYTES_MAX || cvm_module_load(NULL, c->code, c->len, &m, &err) == CVM_EINPUT)
            fail("a scenario's contract is a deployable module", c->name);
        cvm_module_free(m);
    }
    for (size_t b = 0; b < s.nblocks; b++) { /* each block read again, as process does */
        cvm_arena arena;
        cvm_arena_init(&arena, NULL);
        scn_block blk;
        if (scenario_block(&s, b, &arena, &blk, err.text, sizeof err.text) != CVM_OK)
            fail("a block of an accepted scenario reads again", err.text);
        for (size_t i = 0; i < blk.n; i++)
            check_tx(&s, &blk.txs[i], false);
        cvm_arena_free(&arena);
    }
    for (size_t i = 0; i < s.nqueries; i++)
        check_tx(&s, &s.queries[i], true);
    scenario_free(&s);
    return 0;
}
