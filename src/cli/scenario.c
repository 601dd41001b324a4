/* scenario.c — reads and checks a scenario file (see scenario.h). */
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/count.h"
#include "base/map.h"
#include "cli.h"
#include "codec/args.h"
#include "codec/json.h"
#include "codec/tx.h"
#include "native/native.h"

/* What the readers below share: the scenario being filled, the file's name
 * for messages, and where the message goes. scenario_block reads a block
 * again with again set: the scenario was checked, so only what a
 * transaction holds is rebuilt. */
typedef struct reader {
    scenario *s;          /* borrowed: being filled (NULL when again) */
    const scenario *look; /* borrowed: accounts and contracts to check names against */
    cvm_arena *arena;     /* borrowed: where transactions and their arguments go */
    bool again;
    cvm_map undeclared;   /* owned: contract name -> scn_undeclared (pval, in s's arena) */
    cvm_buf enc;          /* owned: scratch for encoding each transaction once */
    const char *file;     /* borrowed */
    char *err;
    size_t errcap;
} reader;

static cvm_status bad(reader *r, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static cvm_status bad(reader *r, const char *where, const char *fmt, ...)
{
    int k = snprintf(r->err, r->errcap, "%s: %s: ", r->file, where);
    if (k >= 0 && (size_t)k < r->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err + k, r->errcap - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return CVM_EINPUT;
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* A JSON string without NUL bytes, else an error at where. */
static cvm_status text(reader *r, const json_t *v, const char *where, const char **out)
{
    if (!json_is_string(v))
        return bad(r, where, "expected a string, got %s", json_kind(v));
    if (strlen(json_string_value(v)) != json_string_length(v))
        return bad(r, where, "a name may not contain a NUL character");
    if (json_string_length(v) == 0)
        return bad(r, where, "expected a name, got an empty string");
    *out = json_string_value(v);
    return CVM_OK;
}

/* Checks that every member of obj is one of the NULL-terminated names. */
static cvm_status only_members(reader *r, const json_t *obj, const char *where, const char *const *names)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        bool known = false;
        for (size_t i = 0; names[i] && !known; i++)
            known = strcmp(k, names[i]) == 0;
        if (!known) {
            char list[200] = "";
            for (size_t i = 0; names[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
            return bad(r, where, "unknown member \"%s\" (expected %s)", k, list);
        }
    }
    return CVM_OK;
}

/* ---------------------------------------------------------------- accounts */

static cvm_status read_accounts(reader *r, const json_t *j)
{
    if (!j)
        return CVM_OK;
    if (!json_is_object(j))
        return bad(r, "accounts", "expected an object of NAME: {\"reputation\", \"admin\"}, got %s", json_kind(j));
    size_t n = json_object_size(j);
    scn_account *a = cvm_arena_calloc(&r->s->arena, n ? n : 1, sizeof *a);
    if (!a)
        return CVM_ENOMEM;
    static const char *const members[] = {"reputation", "admin", NULL};
    size_t i = 0;
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)j, name, v) {
        char where[160];
        snprintf(where, sizeof where, "accounts.%.100s", name);
        if (!*name)
            return bad(r, where, "an account needs a name");
        if (!json_is_object(v))
            return bad(r, where, "expected an object, got %s", json_kind(v));
        cvm_status st = only_members(r, v, where, members);
        if (st != CVM_OK)
            return st;
        a[i].name = name;
        const json_t *rep = json_object_get(v, "reputation"), *admin = json_object_get(v, "admin");
        char at[200];
        snprintf(at, sizeof at, "%s.reputation", where);
        if (rep && !json_is_integer(rep))
            return bad(r, at, "expected an integer, got %s", json_kind(rep));
        snprintf(at, sizeof at, "%s.admin", where);
        if (admin && !json_is_boolean(admin))
            return bad(r, at, "expected true or false, got %s", json_kind(admin));
        a[i].reputation = rep ? json_integer_value(rep) : 0;
        a[i].admin = admin && json_is_true(admin);
        i++;
    }
    r->s->accounts = a;
    r->s->naccounts = n;
    return CVM_OK;
}

/* --------------------------------------------------------------- contracts */

/* path resolved against the scenario file's directory, in the arena. */
static const char *resolve(reader *r, const char *path)
{
    const char *slash = strrchr(r->file, '/');
    size_t dir = path[0] == '/' || !slash ? 0 : (size_t)(slash - r->file) + 1;
    size_t n = strlen(path);
    char *out = cvm_arena_alloc(&r->s->arena, dir + n + 1);
    if (!out)
        return NULL;
    memcpy(out, r->file, dir);
    memcpy(out + dir, path, n + 1);
    return out;
}

static cvm_status read_contract(reader *r, const char *name, const json_t *v, scn_contract *c)
{
    char where[160];
    snprintf(where, sizeof where, "contracts.%.100s", name);
    cvm_error e;
    if (!cvm_service_name_ok(name, strlen(name), false, &e))
        return bad(r, where, "%s", e.message);
    const char *rel;
    cvm_status st = text(r, v, where, &rel);
    if (st != CVM_OK)
        return st;
    const char *path = resolve(r, rel);
    if (!path)
        return CVM_ENOMEM;
    cvm_module *m = cli_load_module(path); /* prints the loader's or assembler's errors */
    if (!m)
        return bad(r, where, "%s does not load (see the errors above)", path);
    uint8_t *code = NULL;
    size_t len = 0;
    st = cvm_module_encode(m, &code, &len);
    cvm_module_free(m);
    if (st != CVM_OK)
        return st;
    char why[128];
    if (!cli_module_fits_deployment(len, why, sizeof why)) {
        cvm_free(NULL, code);
        return bad(r, where, "%s (%s)", why, path);
    }
    c->name = name;
    c->path = path;
    c->code = cvm_arena_memdup(&r->s->arena, code, len);
    c->len = len;
    cvm_free(NULL, code);
    return c->code ? CVM_OK : CVM_ENOMEM;
}

static cvm_status read_contracts(reader *r, const json_t *j)
{
    if (!j)
        return CVM_OK;
    if (!json_is_object(j))
        return bad(r, "contracts", "expected an object of NAME: \"path.asm\", got %s", json_kind(j));
    size_t n = json_object_size(j), i = 0;
    scn_contract *c = cvm_arena_calloc(&r->s->arena, n ? n : 1, sizeof *c);
    if (!c)
        return CVM_ENOMEM;
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)j, name, v) {
        cvm_status st = read_contract(r, name, v, &c[i++]);
        if (st != CVM_OK)
            return st;
    }
    r->s->contracts = c;
    r->s->ncontracts = n;
    return CVM_OK;
}

/* ------------------------------------------------------------ transactions */

typedef cvm_status (*tx_field_fn)(reader *r, const json_t *v, const char *where, scn_tx *t);

static cvm_status tx_signer(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    cvm_status st = text(r, v, where, &t->signer);
    if (st == CVM_OK && !r->again && !scenario_account(r->look, t->signer))
        return bad(r, where, "unknown account \"%s\"", t->signer);
    return st;
}

static cvm_status tx_contract(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    cvm_status st = text(r, v, where, &t->contract);
    if (st != CVM_OK || r->again || cvm_native_find(t->contract))
        return st;
    for (size_t i = 0; i < r->look->ncontracts; i++)
        if (strcmp(r->look->contracts[i].name, t->contract) == 0)
            return CVM_OK;
    /* maybe deployed in the store a run continues: the caller checks, with
     * the place of its first use for the message */
    size_t n = json_string_length(v);
    cvm_error e;
    if (!cvm_service_name_ok(t->contract, n, false, &e))
        return bad(r, where, "unknown contract \"%s\" (not in \"contracts\" and not a native service)", t->contract);
    bool created = false;
    cvm_map_entry *me = cvm_map_put(&r->undeclared, t->contract, n, &created);
    if (!me)
        return CVM_ENOMEM;
    if (created) {
        scn_undeclared *u = cvm_arena_alloc(&r->s->arena, sizeof *u);
        char *at = u ? cvm_arena_strndup(&r->s->arena, where, strlen(where)) : NULL;
        if (!at) {
            cvm_map_del(&r->undeclared, t->contract, n);
            return CVM_ENOMEM;
        }
        u->name = t->contract;
        u->where = at;
        me->pval = u;
    }
    return CVM_OK;
}

static cvm_status tx_method(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    cvm_status st = text(r, v, where, &t->method);
    char n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
    if (st == CVM_OK && json_string_length(v) > CVM_TX_NAME_MAX) /* the transaction codec's limit */
        return bad(r, where, "the method name is %s bytes; a transaction carries at most %s",
                   cvm_count(json_string_length(v), n1), cvm_count(CVM_TX_NAME_MAX, n2));
    return st;
}

static cvm_status tx_args(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    char why[200] = "";
    cvm_arg *args = NULL;
    cvm_status st = cvm_args_from_json(v, r->arena, &args, &t->nargs, why, sizeof why);
    t->args = args;
    if (st == CVM_EINPUT) /* the codec's message starts with "args" or "args[i]", as where ends */
        snprintf(r->err, r->errcap, "%s: %.*s%s", r->file, (int)(strlen(where) - strlen("args")), where, why);
    return st;
}

/* An optional top-level limit: absent is 0 (the VM's default), else a
 * JSON integer in [1, max]. */
static cvm_status read_limit(reader *r, const json_t *root, const char *name, json_int_t max, int64_t *out)
{
    const json_t *v = json_is_object(root) ? json_object_get(root, name) : NULL;
    *out = 0;
    if (!v)
        return CVM_OK;
    if (!json_is_integer(v))
        return bad(r, name, "expected a positive integer, got %s", json_kind(v));
    json_int_t x = json_integer_value(v);
    if (x < 1 || x > max)
        return bad(r, name, "%lld is out of range (1..%lld)", (long long)x, (long long)max);
    *out = (int64_t)x;
    return CVM_OK;
}

/* A fault's value: a JSON integer in [0, max], else an error at where. */
static cvm_status fault(reader *r, const json_t *v, const char *where, json_int_t max, bool *set, uint64_t *out)
{
    if (!json_is_integer(v))
        return bad(r, where, "expected an integer, got %s", json_kind(v));
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > max)
        return bad(r, where, "%lld is out of range (0..%lld)", (long long)x, (long long)max);
    *set = true;
    *out = (uint64_t)x;
    return CVM_OK;
}

static cvm_status tx_protocol(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    return fault(r, v, where, UINT32_MAX, &t->faults.protocol_set, &t->faults.protocol);
}

static cvm_status tx_chain(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    return fault(r, v, where, UINT32_MAX, &t->faults.chain_set, &t->faults.chain);
}

static cvm_status tx_timestamp(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    return fault(r, v, where, INT64_MAX, &t->faults.timestamp_set, &t->faults.timestamp);
}

static cvm_status tx_scheme(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    return fault(r, v, where, UINT8_MAX, &t->faults.scheme_set, &t->faults.scheme);
}

static cvm_status tx_tamper(reader *r, const json_t *v, const char *where, scn_tx *t)
{
    if (!json_is_boolean(v))
        return bad(r, where, "expected true or false, got %s", json_kind(v));
    t->faults.tamper = json_is_true(v);
    if (t->faults.tamper && !t->signer) /* "signer" is read before "tamper" (tx_fields' order) */
        return bad(r, where, "an unsigned query has no signature to tamper with");
    return CVM_OK;
}

/* The members of a TX, one row each: a new member is a row here and a field
 * in scn_tx. required: in blocks; query_required: in queries; in_query:
 * allowed in queries at all (pre-order's faults are a block's matter, but a
 * local call's signature is checked too, so "tamper" is allowed there). */
static const struct tx_field {
    const char *name;
    bool required;       /* in a block */
    bool query_required; /* in a query */
    bool in_query;
    tx_field_fn read;
} tx_fields[] = {
    {"signer", true, false, true, tx_signer},
    {"contract", true, true, true, tx_contract},
    {"method", true, true, true, tx_method},
    {"args", false, false, true, tx_args},
    {"protocol", false, false, false, tx_protocol},
    {"chain", false, false, false, tx_chain},
    {"timestamp", false, false, false, tx_timestamp},
    {"scheme", false, false, false, tx_scheme},
    {"tamper", false, false, true, tx_tamper},
};

#define N_TX_FIELDS (sizeof tx_fields / sizeof tx_fields[0])

static cvm_status read_tx(reader *r, const json_t *j, const char *where, bool query, scn_tx *t)
{
    if (!json_is_object(j))
        return bad(r, where, "expected a transaction object, got %s", json_kind(j));
    const char *names[N_TX_FIELDS + 1];
    size_t n = 0;
    for (size_t i = 0; i < N_TX_FIELDS; i++)
        if (!query || tx_fields[i].in_query)
            names[n++] = tx_fields[i].name;
    names[n] = NULL;
    cvm_status st = only_members(r, j, where, names);
    for (size_t i = 0; st == CVM_OK && i < N_TX_FIELDS; i++) {
        const json_t *v = json_object_get(j, tx_fields[i].name);
        char at[200];
        snprintf(at, sizeof at, "%s.%s", where, tx_fields[i].name);
        if (v)
            st = tx_fields[i].read(r, v, at, t);
        else if (query ? tx_fields[i].query_required : tx_fields[i].required)
            st = bad(r, at, "missing");
    }
    if (st != CVM_OK || r->again)
        return st;
    /* what the codec would refuse at signing time is refused now, before
     * anything is committed (process signs each block just before it runs) */
    cvm_transaction tx = {0};
    tx.signer_scheme = t->signer ? CVM_SCHEME_ED25519 : CVM_SCHEME_NONE;
    tx.service = t->contract;
    tx.method = t->method;
    tx.args = t->args;
    tx.nargs = t->nargs;
    char why[200] = "";
    r->enc.len = 0;
    st = cvm_tx_encode(&r->enc, &tx, why, sizeof why);
    if (st == CVM_EINPUT)
        return bad(r, where, "the transaction cannot be encoded: %s", why);
    return st;
}

/* A JSON array of TX into an arena array; element i is named where[i]. */
static cvm_status read_txs(reader *r, const json_t *j, const char *where, bool query, const scn_tx **out,
                           size_t *n)
{
    if (!json_is_array(j))
        return bad(r, where, "expected an array of transactions, got %s", json_kind(j));
    *n = json_array_size(j);
    scn_tx *t = cvm_arena_calloc(r->arena, *n ? *n : 1, sizeof *t);
    if (!t)
        return CVM_ENOMEM;
    for (size_t i = 0; i < *n; i++) {
        char at[64];
        snprintf(at, sizeof at, "%s[%zu]", where, i);
        cvm_status st = read_tx(r, json_array_get(j, i), at, query, &t[i]);
        if (st != CVM_OK)
            return st;
    }
    *out = t;
    return CVM_OK;
}

/* Block i of the array j into r->arena. */
static cvm_status read_block(reader *r, const json_t *j, size_t i, scn_block *out)
{
    char at[32];
    snprintf(at, sizeof at, "blocks[%zu]", i);
    return read_txs(r, json_array_get(j, i), at, false, &out->txs, &out->n);
}

/* Checks every block, each in an arena of its own that is freed at once:
 * checking a long scenario costs the memory of its largest block. */
static cvm_status read_blocks(reader *r, const json_t *j)
{
    if (!j)
        return CVM_OK;
    if (!json_is_array(j))
        return bad(r, "blocks", "expected an array of blocks (each an array of transactions), got %s", json_kind(j));
    size_t n = json_array_size(j);
    cvm_arena *keep = r->arena;
    cvm_status st = CVM_OK;
    for (size_t i = 0; st == CVM_OK && i < n; i++) {
        cvm_arena scratch;
        cvm_arena_init(&scratch, NULL);
        r->arena = &scratch;
        scn_block b;
        st = read_block(r, j, i, &b);
        r->s->ntxs += st == CVM_OK ? b.n : 0;
        cvm_arena_free(&scratch);
    }
    r->arena = keep;
    r->s->blocks = j;
    r->s->nblocks = n;
    return st;
}

/* The undeclared contracts, from the reader's map into s, in order. */
static cvm_status keep_undeclared(reader *r)
{
    size_t n = r->undeclared.count;
    if (n == 0)
        return CVM_OK;
    scn_undeclared *u = cvm_arena_calloc(&r->s->arena, n, sizeof *u);
    if (!u)
        return CVM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        u[i] = *(const scn_undeclared *)r->undeclared.entries[i].pval;
    r->s->undeclared = u;
    r->s->nundeclared = n;
    return CVM_OK;
}

/* ------------------------------------------------------------- the file */

/* The rest of scenario_load and scenario_parse once jansson has read the
 * text: root is the parsed document (owned by s from here on), NULL when
 * it did not parse (je says why). */
static cvm_status from_json(const char *path, json_t *root, const json_error_t *je, scenario *s, char *err,
                            size_t errcap)
{
    memset(s, 0, sizeof *s);
    cvm_arena_init(&s->arena, NULL);
    s->root = root;
    reader r = {.s = s, .look = s, .arena = &s->arena, .file = path, .err = err, .errcap = errcap};
    cvm_map_init(&r.undeclared, NULL);
    cvm_buf_init(&r.enc, NULL);
    if (!s->root) {
        if (je->line <= 0)
            snprintf(err, errcap, "%s: %s", path, je->text);
        else
            snprintf(err, errcap, "%s:%d:%d: malformed JSON: %s", path, je->line, je->column, je->text);
        scenario_free(s);
        return CVM_EINPUT;
    }
    static const char *const top[] = {"accounts",        "contracts",      "blocks", "queries",
                                      "block_gas_limit", "block_tx_limit", NULL};
    cvm_status st;
    if (!json_is_object(s->root))
        st = bad(&r, "$", "expected an object with accounts, contracts, blocks and queries, got %s",
                 json_kind(s->root));
    else
        st = only_members(&r, s->root, "$", top);
    if (st == CVM_OK)
        st = read_accounts(&r, json_object_get(s->root, "accounts"));
    if (st == CVM_OK)
        st = read_contracts(&r, json_object_get(s->root, "contracts"));
    if (st == CVM_OK)
        st = read_blocks(&r, json_object_get(s->root, "blocks"));
    const json_t *q = json_object_get(s->root, "queries");
    if (st == CVM_OK && q)
        st = read_txs(&r, q, "queries", true, &s->queries, &s->nqueries);
    if (st == CVM_OK)
        st = read_limit(&r, s->root, "block_gas_limit", INT64_MAX, &s->block_gas_limit);
    if (st == CVM_OK)
        st = read_limit(&r, s->root, "block_tx_limit", INT32_MAX, &s->block_tx_limit);
    if (st == CVM_OK)
        st = keep_undeclared(&r);
    if (st == CVM_OK && !(s->file = cvm_arena_strndup(&s->arena, path, strlen(path))))
        st = CVM_ENOMEM;
    cvm_map_free(&r.undeclared);
    cvm_buf_free(&r.enc);
    if (st == CVM_ENOMEM)
        snprintf(err, errcap, "%s: out of memory", path);
    if (st != CVM_OK)
        scenario_free(s);
    return st;
}

cvm_status scenario_load(const char *path, scenario *s, char *err, size_t errcap)
{
    size_t len;
    char *text = (char *)cli_read_file_err(path, CLI_FILE_SCENARIO, &len, err, errcap); /* capped */
    if (!text) {
        memset(s, 0, sizeof *s);
        return CVM_EINPUT;
    }
    cvm_status st = scenario_parse(path, text, len, s, err, errcap);
    free(text);
    return st;
}

cvm_status scenario_parse(const char *path, const char *text, size_t len, scenario *s, char *err, size_t errcap)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    return from_json(path, root, &je, s, err, errcap);
}

void scenario_free(scenario *s)
{
    json_decref(s->root);
    cvm_arena_free(&s->arena);
    memset(s, 0, sizeof *s);
}

cvm_status scenario_block(const scenario *s, size_t i, cvm_arena *arena, scn_block *out, char *err, size_t errcap)
{
    reader r = {.look = s, .arena = arena, .again = true, .file = s->file, .err = err, .errcap = errcap};
    cvm_status st = read_block(&r, s->blocks, i, out);
    if (st == CVM_ENOMEM) /* a checked block reads again: only memory can fail */
        snprintf(err, errcap, "%s: blocks[%zu]: out of memory", s->file, i);
    return st;
}

const scn_account *scenario_account(const scenario *s, const char *name)
{
    for (size_t i = 0; i < s->naccounts; i++)
        if (strcmp(s->accounts[i].name, name) == 0)
            return &s->accounts[i];
    return NULL;
}
