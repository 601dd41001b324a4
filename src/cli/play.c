/* play.c — the chain behind `coopvm process` and `coopvm run` (see play.h). */
#include "play.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/tx.h"
#include "codec/utf8.h"
#include "crypto/sign.h"
#include "native/native.h"
#include "state/store.h"
#include "state/value.h"

uint64_t play_timestamp(uint64_t height) { return height * PLAY_NS_PER_HEIGHT; }

/* The VM numbers the transactions of the set it ran; the trace shows their
 * index in the block, rejected ones included. */
static void trace_step(void *ud, uint64_t height, size_t index, const cvm_trace_step *step)
{
    const play_chain *c = ud;
    c->trace(c->trace_ud, height, c->trace_map ? c->trace_map[index] : index, step);
}

cvm_status play_open(play_chain *c, const play_options *o, char *err, size_t errcap)
{
    memset(c, 0, sizeof *c);
    cvm_status st;
    if (o->data_dir) {
        cvm_errmsg why;
        st = cvm_lmdbstore_open(NULL, o->data_dir, &c->store, &why);
        if (st != CVM_OK) {
            snprintf(err, errcap, "%s", why.text);
            return st;
        }
    } else if ((st = cvm_memstore_open(NULL, &c->store)) != CVM_OK) {
        snprintf(err, errcap, "opening the in-memory state: %s", cvm_status_name(st));
        return st;
    }
    if ((st = play_reopen_vm(c, o, err, errcap)) != CVM_OK)
        play_close(c);
    return st;
}

cvm_status play_reopen_vm(play_chain *c, const play_options *o, char *err, size_t errcap)
{
    cvm_vm_free(c->vm);
    c->vm = NULL;
    cvm_vm_options vo = {0};
    vo.gas_limit = o->gas_limit;
    vo.block_gas_limit = o->block_gas_limit;
    vo.block_tx_limit = o->block_tx_limit;
    vo.virtual_chain_id = PLAY_CHAIN_ID;
    c->trace = o->trace;
    c->trace_ud = o->trace_ud;
    vo.trace = o->trace ? trace_step : NULL;
    vo.trace_ud = c;
    vo.dispatch = o->dispatch;
    cvm_status st = cvm_vm_new(&vo, c->store, &c->vm);
    if (st == CVM_ESTATE) /* a store of another chain: the reason is on the store */
        snprintf(err, errcap, "%s", cvm_store_errmsg(c->store));
    else if (st != CVM_OK)
        snprintf(err, errcap, "starting the VM: %s", cvm_status_name(st));
    return st;
}

void play_close(play_chain *c)
{
    cvm_vm_free(c->vm);
    cvm_store_close(c->store);
    memset(c, 0, sizeof *c);
}

uint64_t play_height(const play_chain *c) { return cvm_store_height(c->store); }

void play_address(const char *name, uint8_t out[CVM_ADDRESS_BYTES])
{
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    cvm_dev_keypair(name, pk, sk);
    memset(sk, 0, sizeof sk);
    cvm_address_of_key(pk, out);
}

cvm_status play_tx_make(play_tx *t, const char *signer, const char *service, const char *method,
                        const cvm_arg *args, size_t nargs, uint64_t timestamp, const play_faults *faults,
                        char *err, size_t errcap)
{
    static const play_faults none = {0};
    const play_faults *f = faults ? faults : &none;
    memset(t, 0, sizeof *t);
    t->signer = signer;
    t->receipt = PLAY_NO_RECEIPT;
    t->tx.protocol_version = f->protocol_set ? (uint32_t)f->protocol : CVM_PROTOCOL_VERSION;
    t->tx.virtual_chain_id = f->chain_set ? (uint32_t)f->chain : PLAY_CHAIN_ID;
    t->tx.timestamp = f->timestamp_set ? f->timestamp : timestamp;
    t->tx.service = service;
    t->tx.method = method;
    t->tx.args = args;
    t->tx.nargs = nargs;
    if (!signer) {
        t->tx.signer_scheme = f->scheme_set ? (uint8_t)f->scheme : CVM_SCHEME_NONE;
        return CVM_OK;
    }
    uint8_t sk[CVM_SECRETKEY_BYTES];
    t->tx.signer_scheme = CVM_SCHEME_ED25519;
    cvm_dev_keypair(signer, t->tx.signer_key, sk);
    cvm_errmsg why;
    cvm_status st = cvm_tx_sign(NULL, &t->tx, sk, t->signature, &why);
    memset(sk, 0, sizeof sk);
    if (st != CVM_OK) {
        /* the names shortened, so that a long one leaves room for the reason */
        snprintf(err, errcap, "signing %.64s.%.64s for %.64s: %s", service, method, signer,
                 st == CVM_ENOMEM ? "out of memory" : why.text);
        return st;
    }
    t->tx.signature = t->signature;
    if (f->scheme_set)
        t->tx.signer_scheme = (uint8_t)f->scheme;
    if (f->tamper)
        t->signature[0] ^= 0x01;
    return CVM_OK;
}

cvm_status play_deploy_tx(play_tx *t, cvm_arg args[3], const char *name, const uint8_t *code, size_t len,
                          uint64_t timestamp, char *err, size_t errcap)
{
    args[0] = cvm_arg_stringn(name, strlen(name));
    args[1] = cvm_arg_uint64(CVM_PROCESSOR_BYTECODE);
    args[2] = cvm_arg_bytes(code, len);
    return play_tx_make(t, PLAY_DEPLOYER, "_Deployments", "deployService", args, 3, timestamp, NULL, err, errcap);
}

/* Commits b (owned by the caller either way). */
static cvm_status commit(play_chain *c, cvm_block_result *b, char *err, size_t errcap)
{
    cvm_status st = cvm_vm_commit(c->vm, b);
    if (st != CVM_OK)
        snprintf(err, errcap, "committing block %llu: %s", (unsigned long long)b->height, cvm_vm_errmsg(c->vm));
    return st;
}

cvm_status play_genesis(play_chain *c, const cvm_genesis_account *accounts, size_t n, cvm_block_result **out,
                        char *err, size_t errcap)
{
    cvm_status st = cvm_vm_genesis(c->vm, play_timestamp(1), accounts, n, out);
    if (st != CVM_OK) {
        snprintf(err, errcap, "genesis: %s", cvm_vm_errmsg(c->vm));
        return st;
    }
    return commit(c, *out, err, errcap);
}

cvm_status play_block(play_chain *c, play_tx *txs, size_t n, cvm_block_result **out, char *err, size_t errcap)
{
    *out = NULL;
    uint64_t height = play_height(c) + 1, ts = play_timestamp(height);
    cvm_transaction *all = calloc(n ? n : 1, sizeof *all), *set = calloc(n ? n : 1, sizeof *set);
    size_t *map = calloc(n ? n : 1, sizeof *map);
    cvm_preorder_result *po = NULL;
    cvm_status st = all && set && map ? CVM_OK : CVM_ENOMEM;
    for (size_t i = 0; st == CVM_OK && i < n; i++)
        all[i] = txs[i].tx;
    if (st == CVM_OK)
        st = cvm_vm_preorder(c->vm, all, n, height, ts, &po);
    size_t m = 0;
    for (size_t i = 0; st == CVM_OK && i < n; i++) {
        txs[i].preorder = po->statuses[i];
        const char *why = po->reasons[i] ? po->reasons[i] : "";
        size_t k = cvm_utf8_clip((const uint8_t *)why, strlen(why), sizeof txs[i].preorder_reason - 1);
        memcpy(txs[i].preorder_reason, why, k); /* cut short, still UTF-8 (it goes into JSON) */
        txs[i].preorder_reason[k] = '\0';
        txs[i].receipt = PLAY_NO_RECEIPT;
        if (po->statuses[i] == CVM_PREORDER_VALID) {
            txs[i].receipt = m;
            map[m] = i;
            set[m++] = txs[i].tx;
        }
    }
    cvm_preorder_result_free(po);
    if (st == CVM_OK) {
        c->trace_map = map;
        st = cvm_vm_process_transaction_set(c->vm, height, ts, set, m, out);
        c->trace_map = NULL;
    }
    free(all);
    free(set);
    free(map);
    if (st != CVM_OK) {
        snprintf(err, errcap, "block %llu: %s", (unsigned long long)height,
                 st == CVM_ENOMEM ? "out of memory" : cvm_vm_errmsg(c->vm));
        return st;
    }
    return commit(c, *out, err, errcap);
}

cvm_status play_query(play_chain *c, const play_tx *q, cvm_local_result **out, char *err, size_t errcap)
{
    cvm_status st = cvm_vm_run_local_method(c->vm, &q->tx, out);
    if (st != CVM_OK)
        snprintf(err, errcap, "local call %s.%s: %s", q->tx.service, q->tx.method, cvm_vm_errmsg(c->vm));
    return st;
}

/* Reads (service, key) from the latest committed state into v. */
static cvm_status read_state(play_chain *c, const char *service, const uint8_t *key, size_t keylen, cvm_buf *v,
                             bool *found, char *err, size_t errcap)
{
    cvm_status st = cvm_store_read(c->store, play_height(c), (const uint8_t *)service, strlen(service), key, keylen,
                                   v, found);
    if (st != CVM_OK)
        snprintf(err, errcap, "reading %s: %s", service, cvm_store_errmsg(c->store));
    return st;
}

/* The height _Deployments recorded for name, 0 when none. */
static cvm_status deployed_at(play_chain *c, const char *name, uint64_t *at, char *err, size_t errcap)
{
    *at = 0;
    uint8_t key[CVM_SHA256_BYTES];
    cvm_deployments_key(name, ".Height", key);
    cvm_buf v;
    cvm_buf_init(&v, NULL);
    bool found = false;
    int64_t h = 0;
    cvm_status st = read_state(c, CVM_DEPLOYMENTS, key, sizeof key, &v, &found, err, errcap);
    if (st == CVM_OK && found && cvm_state_i64_decode(v.data, v.len, &h, NULL, 0) == CVM_OK && h > 0)
        *at = (uint64_t)h;
    cvm_buf_free(&v);
    return st;
}

cvm_status play_account_held(play_chain *c, const char *name, bool *held, char *err, size_t errcap)
{
    uint8_t addr[CVM_ADDRESS_BYTES], key[CVM_REPUTATION_ADMIN_KEY_BYTES];
    play_address(name, addr);
    cvm_reputation_admin_key(addr, key);
    cvm_buf v;
    cvm_buf_init(&v, NULL);
    bool rep = false, admin = false;
    cvm_status st = read_state(c, CVM_REPUTATION, addr, sizeof addr, &v, &rep, err, errcap);
    if (st == CVM_OK)
        st = read_state(c, CVM_REPUTATION, key, sizeof key, &v, &admin, err, errcap);
    cvm_buf_free(&v);
    *held = rep || admin;
    return st;
}

cvm_status play_account_values(play_chain *c, const char *name, int64_t *reputation, bool *admin, char *err,
                               size_t errcap)
{
    uint8_t addr[CVM_ADDRESS_BYTES], key[CVM_REPUTATION_ADMIN_KEY_BYTES];
    play_address(name, addr);
    cvm_reputation_admin_key(addr, key);
    cvm_buf v;
    cvm_buf_init(&v, NULL);
    bool found = false;
    int64_t a = 0;
    *reputation = 0;
    cvm_status st = read_state(c, CVM_REPUTATION, addr, sizeof addr, &v, &found, err, errcap);
    if (st == CVM_OK && found)
        cvm_state_i64_decode(v.data, v.len, reputation, NULL, 0);
    if (st == CVM_OK)
        st = read_state(c, CVM_REPUTATION, key, sizeof key, &v, &found, err, errcap);
    if (st == CVM_OK && found)
        cvm_state_i64_decode(v.data, v.len, &a, NULL, 0);
    *admin = a != 0;
    cvm_buf_free(&v);
    return st;
}

cvm_status play_deployed(play_chain *c, const char *name, const uint8_t *code, size_t len, bool *deployed,
                         bool *same, uint64_t *at, char *err, size_t errcap)
{
    *deployed = *same = false;
    *at = 0;
    cvm_arg arg = cvm_arg_stringn(name, strlen(name));
    play_tx q;
    cvm_status st = play_tx_make(&q, NULL, "_Deployments", "getCode", &arg, 1, play_timestamp(play_height(c)), NULL,
                                 err, errcap);
    cvm_local_result *r = NULL;
    if (st == CVM_OK)
        st = play_query(c, &q, &r, err, errcap);
    if (st != CVM_OK)
        return st;
    const cvm_receipt *rc = &r->receipt;
    if (rc->status == CVM_SUCCESS && rc->noutputs == 1 && rc->outputs[0].type == CVM_ARG_BYTES) {
        *deployed = true;
        *same = code && rc->outputs[0].v.bytes.len == len &&
                (len == 0 || memcmp(rc->outputs[0].v.bytes.ptr, code, len) == 0);
    } else if (rc->error.code != CVM_CODE_CONTRACT_NOT_DEPLOYED) {
        snprintf(err, errcap, "asking _Deployments about %s: %s: %s", name, cvm_code_name(rc->error.code),
                 rc->error.message);
        st = CVM_ESTATE;
    }
    cvm_local_result_free(r);
    if (st == CVM_OK && *deployed)
        st = deployed_at(c, name, at, err, errcap);
    return st;
}
