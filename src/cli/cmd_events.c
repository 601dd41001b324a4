/*
 * cmd_events.c — `coopvm events`: the event history of a data directory,
 * filtered by service, event name and heights (cvm_store_events_query), as
 * one line per event or as a JSON array.
 *
 * The directory is opened read-only (cvm_lmdbstore_open_readonly): a query
 * never creates a store, and a typo in --data is an error naming it.
 *
 * --scenario FILE names accounts in the text as `coopvm process` does: an
 * address that is the development key's address of one of the scenario's
 * accounts (or of process's deployer) prints as that name. Only the
 * scenario's "accounts" are read, so it needs none of its contract files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/hex.h"
#include "cli.h"
#include "codec/json.h"
#include "play.h"

static const char help[] =
    "usage: coopvm events --data DIR [--service S] [--name N] [--from H] [--to H]\n"
    "                     [--scenario FILE] [--json]\n\n"
    "Prints the events of the transactions committed in the data directory DIR\n"
    "(what `coopvm process --data DIR` wrote), in commit order. Events of failed\n"
    "transactions are not in the history.\n\n"
    "  --data DIR     the state directory (must exist; nothing is created or written)\n"
    "  --service S    only events of service S (exact name, e.g. _Cooperatives)\n"
    "  --name N       only events named N (e.g. ProposalPassed)\n"
    "  --from H       only from height H (inclusive; default: the first)\n"
    "  --to H         only up to height H (inclusive; default: the latest)\n"
    "  --scenario FILE  in the text, print the address of each of FILE's accounts\n"
    "                 (and of process's deployer) as its name, as `coopvm process`\n"
    "                 does: bob, not 0x2e12...; only FILE's \"accounts\" are read\n"
    "  --json         a JSON array of {\"height\", \"tx_index\", \"service\", \"name\",\n"
    "                 \"fields\": {name: value}} instead of text\n\n"
    "Text: one line per event and nothing else:\n"
    "  height 3 tx 0 _Cooperatives.CooperativeJoined cooperative_id=\"housing\" member=0x1a2b...\n"
    "Integers and booleans print as such, strings as JSON strings, bytes as 0x + hex;\n"
    "a name that is not [A-Za-z0-9_]+ prints as a JSON string.\n\n"
    "Exit status: 0 success (also when no event matches), 1 the directory cannot be\n"
    "read or its history is damaged, 2 usage error.\n";

typedef struct opts {
    const char *data;
    const char *scenario; /* borrowed from argv; NULL: addresses print as hex */
    cvm_event_query q;
    bool json;
    bool none; /* --to 0: no height is 0, so nothing can match (the query's to 0 means "latest") */
} opts;

/* A height: a whole non-negative number. */
static bool parse_height(const char *s, uint64_t *out)
{
    int64_t v;
    if (!cli_parse_i64(s, &v) || v < 0 || s[0] == '-' || s[0] == '+')
        return false;
    *out = (uint64_t)v;
    return true;
}

/* Returns -1 to go on, else the exit status. */
static int parse(int argc, char **argv, opts *o)
{
    bool have_from = false, have_to = false;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        }
        if (strcmp(a, "--json") == 0) {
            if (o->json)
                return cli_usage_error("events", "--json given twice");
            o->json = true;
            continue;
        }
        const char **slot = NULL;
        bool *seen = NULL;
        if (strcmp(a, "--data") == 0)
            slot = &o->data;
        else if (strcmp(a, "--scenario") == 0)
            slot = &o->scenario;
        else if (strcmp(a, "--service") == 0)
            slot = &o->q.service;
        else if (strcmp(a, "--name") == 0)
            slot = &o->q.name;
        else if (strcmp(a, "--from") == 0)
            seen = &have_from;
        else if (strcmp(a, "--to") == 0)
            seen = &have_to;
        else
            return cli_usage_error("events", a[0] == '-' ? "unknown flag '%s'" : "unexpected argument '%s'", a);
        if (i + 1 >= argc)
            return cli_usage_error("events", "%s needs a value", a);
        const char *v = argv[++i];
        if (slot) {
            if (*slot)
                return cli_usage_error("events", "%s given twice", a);
            *slot = v;
            continue;
        }
        if (*seen)
            return cli_usage_error("events", "%s given twice", a);
        *seen = true;
        if (!parse_height(v, seen == &have_from ? &o->q.from : &o->q.to))
            return cli_usage_error("events", "%s: '%s' is not a height (a whole number, 0 or more)", a, v);
    }
    if (!o->data)
        return cli_usage_error("events", "--data DIR is required");
    if (have_from && have_to && o->q.from > o->q.to)
        return cli_usage_error("events", "--from %" PRIu64 " is after --to %" PRIu64, o->q.from, o->q.to);
    o->none = have_to && o->q.to == 0;
    return -1;
}

/* ---------------------------------------------------------------- names */

/* The accounts the text names: each name's development-key address. */
typedef struct account_names {
    json_t *root;   /* owned: the scenario's JSON, which holds the names */
    const char **name; /* owned array; the names are borrowed from root (or static) */
    uint8_t (*address)[CVM_ADDRESS_BYTES]; /* owned, n */
    size_t n;
} account_names;

static void names_free(account_names *a)
{
    json_decref(a->root);
    free(a->name);
    free(a->address);
    memset(a, 0, sizeof *a);
}

/* Reads the names of path's "accounts" (capped as a scenario), with
 * process's deployer; prints why and returns false when it cannot. */
static bool names_load(const char *path, account_names *a)
{
    memset(a, 0, sizeof *a);
    char err[1280];
    size_t len;
    char *text = (char *)cli_read_file_err(path, CLI_FILE_SCENARIO, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "coopvm events: %s\n", err);
        return false;
    }
    json_error_t je;
    a->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!a->root) {
        fprintf(stderr, "coopvm events: %s:%d:%d: malformed JSON: %s\n", path, je.line, je.column, je.text);
        return false;
    }
    const json_t *acc = json_is_object(a->root) ? json_object_get(a->root, "accounts") : NULL;
    const char *why = !json_is_object(a->root) ? "expected a scenario (an object with accounts)"
                      : acc && !json_is_object(acc) ? "accounts: expected an object of accounts"
                                                    : NULL;
    if (why) {
        fprintf(stderr, "coopvm events: %s: %s\n", path, why);
        names_free(a);
        return false;
    }
    size_t n = json_object_size(acc) + 1;
    a->name = calloc(n, sizeof *a->name);
    a->address = calloc(n, sizeof *a->address);
    if (!a->name || !a->address) {
        fprintf(stderr, "coopvm events: out of memory\n");
        names_free(a);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)acc, key, v) a->name[a->n++] = key;
    a->name[a->n++] = PLAY_DEPLOYER;
    for (size_t i = 0; i < a->n; i++)
        play_address(a->name[i], a->address[i]);
    return true;
}

/* The name of the account whose address is v, or NULL. */
static const char *name_of(const account_names *a, const cvm_arg *v)
{
    for (size_t i = 0; a && v->type == CVM_ARG_BYTES && v->v.bytes.len == CVM_ADDRESS_BYTES && i < a->n; i++)
        if (memcmp(v->v.bytes.ptr, a->address[i], CVM_ADDRESS_BYTES) == 0)
            return a->name[i];
    return NULL;
}

/* ------------------------------------------------------------------ text */

/* A name as is when it is [A-Za-z0-9_]+, else as a JSON string (which
 * shows a non-UTF-8 name as "0x..."), so that a line stays one line. */
static void print_name(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n && (s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
                     (s[i] >= 'A' && s[i] <= 'Z')))
        i++;
    if (n && i == n) {
        fputs(s, stdout);
        return;
    }
    json_t *j = cvm_json_name((const uint8_t *)s, n);
    if (j)
        json_dumpf(j, stdout, JSON_ENCODE_ANY);
    json_decref(j);
}

static void print_value(const account_names *names, const cvm_arg *v)
{
    const char *name = name_of(names, v);
    if (name) { /* bare, as process prints it (a string value prints quoted) */
        fputs(name, stdout);
        return;
    }
    switch (v->type) {
    case CVM_ARG_INT64: printf("%" PRId64, v->v.i64); return;
    case CVM_ARG_UINT64: printf("%" PRIu64, v->v.u64); return;
    case CVM_ARG_BOOL: fputs(v->v.boolean ? "true" : "false", stdout); return;
    case CVM_ARG_BYTES: {
        char *hex = cvm_hex_encode(NULL, v->v.bytes.ptr, v->v.bytes.len);
        printf("0x%s", hex ? hex : "?");
        cvm_free(NULL, hex);
        return;
    }
    case CVM_ARG_STRING: {
        json_t *j = cvm_arg_to_json(v);
        if (j)
            json_dumpf(j, stdout, JSON_ENCODE_ANY);
        json_decref(j);
        return;
    }
    }
}

static int print_line(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    const account_names *names = ud; /* NULL without --scenario */
    printf("height %" PRIu64 " tx %" PRIu64 " ", height, tx_index);
    print_name(ev->service);
    putchar('.');
    print_name(ev->name);
    for (size_t i = 0; i < ev->nfields; i++) {
        putchar(' ');
        print_name(ev->fields[i].name);
        putchar('=');
        print_value(names, &ev->fields[i].value);
    }
    putchar('\n');
    return 0;
}

/* ------------------------------------------------------------------ JSON */

typedef struct json_walk {
    json_t *arr; /* borrowed from the caller */
    bool nomem;
} json_walk;

static int add_record(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    json_walk *w = ud;
    cvm_event_record r = {height, tx_index, *ev};
    if (json_array_append_new(w->arr, cvm_event_record_to_json(&r)) != 0) {
        w->nomem = true;
        return 1;
    }
    return 0;
}

int cmd_events(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    account_names names = {0};
    if (o.scenario && !names_load(o.scenario, &names))
        return CLI_FAIL;
    char err[512];
    cvm_store *s = NULL;
    if (cvm_lmdbstore_open_readonly(NULL, o.data, &s, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm events: %s\n", err);
        names_free(&names);
        return CLI_FAIL;
    }
    json_walk w = {o.json ? json_array() : NULL, false};
    if (o.json && !w.arr) {
        cvm_store_close(s);
        names_free(&names);
        fprintf(stderr, "coopvm events: out of memory\n");
        return CLI_FAIL;
    }
    /* with --to 0 the directory must still be a store; then nothing matches */
    cvm_status st = o.none ? CVM_OK
                         : cvm_store_events_query(s, &o.q, o.json ? add_record : print_line,
                                                  o.json ? (void *)&w : o.scenario ? (void *)&names : NULL, err,
                                                  sizeof err);
    cvm_store_close(s);
    names_free(&names);
    if (st == CVM_OK && w.nomem) {
        st = CVM_ENOMEM;
        snprintf(err, sizeof err, "out of memory building the JSON output");
    }
    if (st != CVM_OK) {
        fprintf(stderr, "coopvm events: %s\n", err);
        json_decref(w.arr);
        return CLI_FAIL;
    }
    if (o.json) {
        json_dumpf(w.arr, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(w.arr);
    }
    return CLI_OK;
}
