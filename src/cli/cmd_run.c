/*
 * cmd_run.c — `coopvm run`: one method of one contract on a fresh in-memory
 * chain, with its receipt printed as text or JSON and, on request, a trace
 * of every executed instruction.
 *
 * The chain is the one `coopvm process` plays (play.h): genesis (height 1)
 * with one account, RUN_SIGNER, holding --reputation; the module deployed
 * with its .state and the --state values (height 2, at the default gas
 * limit: --gas limits the call, not this setup); the method run as a
 * one-transaction set signed by RUN_SIGNER (height 3). The receipt's
 * state_diff is that block's diff.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hex.h"
#include "bytecode/module.h"
#include "codec/utf8.h"
#include "cli.h"
#include "native/native.h"
#include "play.h"
#include "report.h"

static const char help[] =
    "usage: coopvm run FILE(.asm|.cvm) [--method NAME] [--arg VALUE]... [--reputation INT]\n"
    "                  [--gas INT] [--state KEY=INT]... [--trace] [--json]\n"
    "                  [--dispatch auto|switch|goto]\n"
    "       coopvm run FILE(.asm|.cvm) METHOD [VALUE]... [flags]\n\n"
    "Runs one method (default main) of a contract in a fresh in-memory state that\n"
    "holds the module's initial state and the --state values, as a signer with the\n"
    "given reputation (default 0) and gas limit (default 1000000). Arguments are\n"
    "pushed in order, the first deepest. FILE is at most 4 MiB; its module must\n"
    "fit a deployment (65,536 bytes).\n\n"
    "Each VALUE is read as the method's parameter declares (an untyped method's\n"
    "are all int; a negative number is a VALUE, not a flag):\n"
    "  int     a 64-bit integer, decimal or 0x hex: 5, -3, 0xff\n"
    "  bytes   0x and an even number of hex digits: 0x00ff; @NAME, the 20-byte\n"
    "          address of development account NAME (@signer is the caller's, as\n"
    "          `coopvm keygen --name NAME` prints it); anything else, its text\n"
    "  string  the text as it is (UTF-8)\n"
    "Results print as `result N` for one integer, else `outputs (...)`: strings\n"
    "quoted, bytes as 0x hex (long ones shortened in text; whole in --json).\n\n"
    "Reputation gates every method: a contract's `.reputation N` is the least\n"
    "reputation its signer needs, for read-only methods too. Below it the call\n"
    "fails with INSUFFICIENT_REPUTATION (exit 1, no gas used), so a contract with\n"
    "`.reputation 10` runs with --reputation 10 or more:\n"
    "  coopvm run examples/counter.asm --method increment --arg 5 --reputation 10\n\n"
    "  --json      print the receipt as one JSON object\n"
    "  --trace     write one JSON object per executed instruction to stderr\n"
    "  --dispatch  choose the interpreter's dispatch (tests use both)\n\n"
    "Exit status: 0 the method succeeded, 1 it failed or the input is bad, 2 usage.\n";

#define MAX_ARGS 64
#define MAX_STATE 256
#define RUN_SIGNER "signer" /* the account whose development key signs the call */

typedef struct run_state_kv {
    const char *key; /* borrowed from argv: key bytes, not NUL-terminated at keylen */
    size_t keylen;
    int64_t value;
} run_state_kv;

typedef struct run_opts {
    const char *file;
    const char *method;
    bool method_flag;          /* --method given: no positional METHOD */
    const char *args[MAX_ARGS]; /* borrowed from argv, as written: typed by the method's parameters */
    size_t nargs;
    bool positional_args;      /* VALUEs after METHOD rather than --arg */
    run_state_kv state[MAX_STATE];
    size_t nstate;
    int64_t reputation;
    int64_t gas_limit;
    cvm_dispatch dispatch;
    bool trace, json;
} run_opts;

static int parse_int_flag(const char *flag, const char *value, int64_t *out)
{
    if (!value)
        return cli_usage_error("run", "%s needs a value", flag);
    if (!cli_parse_i64(value, out))
        return cli_usage_error("run", "%s: '%s' is not a 64-bit integer", flag, value);
    return -1;
}

/* Returns -1 when the options are complete, else the exit status. */
static int parse(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = "main";
    bool positional_method = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--method") == 0) {
            if (!v)
                return cli_usage_error("run", "--method needs a name");
            o->method = v;
            o->method_flag = true;
            i++;
        } else if (strcmp(a, "--arg") == 0) {
            if (o->nargs == MAX_ARGS)
                return cli_usage_error("run", "at most %d --arg values", MAX_ARGS);
            if (!v)
                return cli_usage_error("run", "--arg needs a value");
            o->args[o->nargs++] = v;
            i++;
        } else if (strcmp(a, "--reputation") == 0) {
            if ((rc = parse_int_flag(a, v, &o->reputation)) >= 0)
                return rc;
            i++;
        } else if (strcmp(a, "--gas") == 0) {
            if ((rc = parse_int_flag(a, v, &o->gas_limit)) >= 0)
                return rc;
            if (o->gas_limit <= 0)
                return cli_usage_error("run", "--gas must be positive, not %s", v);
            i++;
        } else if (strcmp(a, "--state") == 0) {
            const char *eq = v ? strchr(v, '=') : NULL;
            if (!eq || eq == v)
                return cli_usage_error("run", "--state needs KEY=INT, not '%s'", v ? v : "");
            if (o->nstate == MAX_STATE)
                return cli_usage_error("run", "at most %d --state values", MAX_STATE);
            run_state_kv *kv = &o->state[o->nstate++];
            kv->key = v;
            kv->keylen = (size_t)(eq - v);
            if (!cli_parse_i64(eq + 1, &kv->value))
                return cli_usage_error("run", "--state %s: '%s' is not a 64-bit integer", v, eq + 1);
            i++;
        } else if (strcmp(a, "--dispatch") == 0) {
            if (v && strcmp(v, "auto") == 0)
                o->dispatch = CVM_DISPATCH_AUTO;
            else if (v && strcmp(v, "switch") == 0)
                o->dispatch = CVM_DISPATCH_SWITCH;
            else if (v && strcmp(v, "goto") == 0)
                o->dispatch = CVM_DISPATCH_GOTO;
            else
                return cli_usage_error("run", "--dispatch takes auto, switch or goto");
            i++;
        } else if (strcmp(a, "--trace") == 0) {
            o->trace = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (a[0] == '-' && a[1] && !(o->file && (a[1] == '.' || (a[1] >= '0' && a[1] <= '9')))) {
            return cli_usage_error("run", "unknown flag '%s'", a);
        } else if (!o->file) {
            o->file = a;
        } else if (!o->method_flag && !positional_method) {
            o->method = a; /* coopvm run FILE METHOD VALUE... */
            positional_method = true;
        } else {
            if (o->nargs == MAX_ARGS)
                return cli_usage_error("run", "at most %d argument values", MAX_ARGS);
            o->args[o->nargs++] = a;
            o->positional_args = true;
        }
    }
    if (!o->file)
        return cli_usage_error("run", "missing contract file");
    if (positional_method && o->method_flag)
        return cli_usage_error("run", "the method is named twice: after FILE and with --method");
    return -1;
}

/* VALUE as bytes (see the help): 0x hex, @NAME's address, else the text.
 * *owned (the caller frees it) holds decoded hex. False when 0x is
 * followed by something else than an even number of hex digits. */
static bool bytes_value(const char *v, uint8_t addr[CVM_ADDRESS_BYTES], cvm_arg *out, uint8_t **owned)
{
    size_t n = strlen(v);
    if (v[0] == '@' && v[1]) {
        play_address(v + 1, addr);
        *out = cvm_arg_bytes(addr, CVM_ADDRESS_BYTES);
        return true;
    }
    if (n >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        uint8_t *p = malloc(n / 2 + 1);
        if (!p || (n - 2) % 2 || !cvm_hex_decode(v + 2, n - 2, p, (n - 2) / 2)) {
            free(p);
            return false;
        }
        *owned = p;
        *out = cvm_arg_bytes(p, (n - 2) / 2);
        return true;
    }
    *out = cvm_arg_bytes(v, n);
    return true;
}

/* The call's arguments, each read as m's method declares its parameter
 * (an untyped method's, and any beyond a typed one's, as int64).
 * Returns -1 when they are all good, else the exit status (a usage error
 * naming the argument). owned[] and addrs[] hold their bytes. */
static int typed_args(const cvm_module *m, const run_opts *o, cvm_arg *args, uint8_t **owned,
                      uint8_t (*addrs)[CVM_ADDRESS_BYTES])
{
    const cvm_method *me = cvm_module_find_method(m, o->method, strlen(o->method));
    for (size_t i = 0; i < o->nargs; i++) {
        unsigned t = me && me->typed && i < me->params ? me->ptypes[i] : CVM_ARG_INT64;
        const char *name = me && me->typed && i < me->params && me->pnames && me->pnames[i] ? me->pnames[i] : NULL;
        char what[96];
        if (name)
            snprintf(what, sizeof what, "argument %zu (%.40s)", i + 1, name);
        else
            snprintf(what, sizeof what, "%s %zu", o->positional_args ? "argument" : "--arg", i + 1);
        const char *v = o->args[i];
        int64_t x;
        if (t == CVM_ARG_INT64) {
            if (!cli_parse_i64(v, &x))
                return cli_usage_error("run", "%s: '%s' is not a 64-bit integer",
                                       o->positional_args || name ? what : "--arg", v);
            args[i] = cvm_arg_int64(x);
        } else if (t == CVM_ARG_STRING) {
            size_t bad;
            if (!cvm_utf8_valid((const uint8_t *)v, strlen(v), &bad)) /* named here, not at signing */
                return cli_usage_error("run", "%s: the value is not valid UTF-8 (byte %zu); a string takes UTF-8 text",
                                       what, bad);
            args[i] = cvm_arg_stringn(v, strlen(v));
        } else if (!bytes_value(v, addrs[i], &args[i], &owned[i])) {
            return cli_usage_error("run", "%s: '%s' is not bytes (0x and an even number of hex digits)", what, v);
        }
    }
    return -1;
}

/* --trace: the transaction's instructions, as they have always been shown
 * (no height or index: there is one transaction). */
static void trace_step(void *ud, uint64_t height, size_t tx, const cvm_trace_step *s)
{
    (void)ud;
    report_trace_step(s, false, height, tx);
}

/* Sets key to value in m's initial state (replacing an entry or adding
 * one), so that the deployment writes it. */
static cvm_status set_state(cvm_module *m, const run_state_kv *kv)
{
    for (size_t i = 0; i < m->nstate; i++) {
        if (m->state[i].keylen == kv->keylen && memcmp(m->state[i].key, kv->key, kv->keylen) == 0) {
            m->state[i].value = kv->value;
            return CVM_OK;
        }
    }
    cvm_state_init *s = cvm_realloc(m->al, m->state, (m->nstate + 1) * sizeof *s);
    if (!s)
        return CVM_ENOMEM;
    m->state = s;
    uint8_t *key = (uint8_t *)cvm_strndup(m->al, kv->key, kv->keylen);
    if (!key)
        return CVM_ENOMEM;
    m->state[m->nstate++] = (cvm_state_init){key, kv->keylen, kv->value};
    return CVM_OK;
}

/* The module's code as deployed: its .state with the --state values on
 * top, checked again as the deployment will. *code is cvm_free'd by the
 * caller. Prints why and returns false when it cannot be. */
static bool module_code(cvm_module *m, const run_opts *o, uint8_t **code, size_t *len)
{
    cvm_status st = CVM_OK;
    for (size_t i = 0; st == CVM_OK && i < o->nstate; i++)
        st = set_state(m, &o->state[i]);
    char why[256] = "";
    if (st == CVM_OK && o->nstate)
        st = cvm_verify(m, why, sizeof why);
    if (st == CVM_OK)
        st = cvm_module_encode(m, code, len);
    if (st == CVM_OK && !cli_module_fits_deployment(*len, why, sizeof why)) {
        cvm_free(NULL, *code);
        *code = NULL;
        st = CVM_EINPUT;
    }
    if (st != CVM_OK)
        fprintf(stderr, "coopvm run: %s: %s\n", o->file, st == CVM_ENOMEM ? "out of memory" : why);
    return st == CVM_OK;
}

/* Genesis and the deployment (heights 1 and 2); prints why on failure. */
static bool prepare(play_chain *c, const char *name, const uint8_t *code, size_t len, int64_t reputation)
{
    char err[512] = "";
    cvm_genesis_account acc = {{0}, reputation, 0};
    play_address(RUN_SIGNER, acc.address);
    cvm_block_result *b = NULL;
    cvm_status st = play_genesis(c, &acc, 1, &b, err, sizeof err);
    cvm_block_result_free(b);
    b = NULL;
    play_tx deploy;
    cvm_arg args[3];
    if (st == CVM_OK)
        st = play_deploy_tx(&deploy, args, name, code, len, play_timestamp(2), err, sizeof err);
    if (st == CVM_OK)
        st = play_block(c, &deploy, 1, &b, err, sizeof err);
    if (st == CVM_OK && deploy.receipt == PLAY_NO_RECEIPT) {
        snprintf(err, sizeof err, "pre-order rejected it: %s: %s", cvm_preorder_status_name(deploy.preorder),
                 deploy.preorder_reason);
        st = CVM_EINPUT;
    } else if (st == CVM_OK && b->receipts[0].status != CVM_SUCCESS) {
        cvm_error_format(&b->receipts[0].error, err, sizeof err);
        st = CVM_EINPUT;
    }
    cvm_block_result_free(b);
    if (st != CVM_OK)
        fprintf(stderr, "coopvm run: deploying %s: %s\n", name, err);
    return st == CVM_OK;
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    cvm_module *m = cli_load_module(o.file);
    if (!m)
        return CLI_FAIL;
    const char *name = cvm_module_name(m);
    cvm_error e;
    if (!cvm_service_name_ok(name, strlen(name), false, &e)) {
        fprintf(stderr, "coopvm run: %s: contract %s cannot be deployed: %s\n", o.file, name, e.message);
        cvm_module_free(m);
        return CLI_FAIL;
    }
    uint8_t *code = NULL;
    size_t len = 0;
    if (!module_code(m, &o, &code, &len)) {
        cvm_module_free(m);
        return CLI_FAIL;
    }

    /* the deployment is run's own setup, not the call --gas limits: it runs
     * at the default limit, the call on a VM with the user's */
    play_options po = {.dispatch = o.dispatch, .trace = o.trace ? trace_step : NULL};
    play_chain chain;
    char err[512];
    if (play_open(&chain, &po, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm run: %s\n", err);
        cvm_free(NULL, code);
        cvm_module_free(m);
        return CLI_FAIL;
    }
    rc = CLI_FAIL;
    cvm_arg args[MAX_ARGS];
    uint8_t *owned[MAX_ARGS] = {0};
    uint8_t addrs[MAX_ARGS][CVM_ADDRESS_BYTES];
    int arc = typed_args(m, &o, args, owned, addrs);
    if (arc >= 0) {
        for (size_t i = 0; i < MAX_ARGS; i++)
            free(owned[i]);
        play_close(&chain);
        cvm_free(NULL, code);
        cvm_module_free(m);
        return arc;
    }
    play_tx call;
    cvm_block_result *b = NULL;
    if (prepare(&chain, name, code, len, o.reputation)) {
        po.gas_limit = o.gas_limit;
        cvm_status st = play_reopen_vm(&chain, &po, err, sizeof err);
        if (st == CVM_OK)
            st = play_tx_make(&call, RUN_SIGNER, name, o.method, args, o.nargs, play_timestamp(3), NULL, err,
                              sizeof err);
        if (st == CVM_OK)
            st = play_block(&chain, &call, 1, &b, err, sizeof err);
        if (st != CVM_OK) {
            fprintf(stderr, "coopvm run: %s\n", err);
        } else if (call.receipt == PLAY_NO_RECEIPT) {
            fprintf(stderr, "coopvm run: pre-order rejected the call: %s: %s\n",
                    cvm_preorder_status_name(call.preorder), call.preorder_reason);
        } else {
            const cvm_receipt *r = &b->receipts[0];
            bool printed = true;
            if (o.json)
                printed = report_run_json(&call, b);
            else
                report_run_text(r, b);
            rc = printed && r->status == CVM_SUCCESS ? CLI_OK : CLI_FAIL;
        }
    }
    cvm_block_result_free(b);
    for (size_t i = 0; i < MAX_ARGS; i++)
        free(owned[i]);
    play_close(&chain);
    cvm_free(NULL, code);
    cvm_module_free(m);
    return rc;
}
