/*
 * play.h — the chain behind `coopvm process` and `coopvm run`: a store (in
 * memory or LMDB) and a VM on virtual chain 42, driven block by block
 * through the execution layer: genesis at height 1, then transaction sets
 * processed and committed at the next height, then local calls.
 *
 * Everything is deterministic: block `h` has the timestamp h × 10^9 ns, and
 * accounts sign with their development keys (crypto/sign.h,
 * cvm_dev_keypair: seed = SHA-256("coopvm-dev-key:" + name)).
 */
#ifndef CVM_CLI_PLAY_H
#define CVM_CLI_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

#define PLAY_CHAIN_ID 42
#define PLAY_NS_PER_HEIGHT 1000000000ull

/* Block h's timestamp: h × PLAY_NS_PER_HEIGHT. */
uint64_t play_timestamp(uint64_t height);

typedef struct play_options {
    const char *data_dir;   /* borrowed; NULL: an in-memory chain */
    int64_t gas_limit;      /* per transaction; 0 = CVM_DEFAULT_GAS_LIMIT */
    int64_t block_gas_limit; /* 0 = the VM's default (cvm_vm_options) */
    size_t block_tx_limit;   /* 0 = the VM's default */
    cvm_dispatch dispatch;
    cvm_tx_trace_fn trace;  /* may be NULL */
    void *trace_ud;         /* borrowed */
} play_options;

typedef struct play_chain {
    cvm_store *store;      /* owned */
    cvm_vm *vm;            /* owned */
    cvm_tx_trace_fn trace; /* the caller's, may be NULL */
    void *trace_ud;        /* borrowed */
    const size_t *trace_map; /* borrowed during play_block: set index -> block index */
} play_chain;

/* Deliberate faults of a scenario transaction, to exercise pre-order:
 * protocol, chain and timestamp replace the field before signing (the
 * signature is valid, the field is not); scheme replaces the signer's scheme
 * and tamper flips a bit of the signature after signing. */
typedef struct play_faults {
    bool protocol_set, chain_set, timestamp_set, scheme_set;
    uint64_t protocol;  /* in range of the transaction's field (the scenario checks) */
    uint64_t chain;
    uint64_t timestamp;
    uint64_t scheme;
    bool tamper;
} play_faults;

/* play_tx.receipt of a transaction that pre-order rejected. */
#define PLAY_NO_RECEIPT ((size_t)-1)

/* One transaction or local call as the report shows it: who signed it and
 * the signed transaction. tx.signature points into the struct itself, so a
 * play_tx is filled in place (play_tx_make) and never copied. */
typedef struct play_tx {
    const char *signer;     /* borrowed: the account name; NULL = unsigned */
    cvm_transaction tx;     /* service, method and args borrowed */
    uint8_t signature[CVM_SIGNATURE_BYTES];
    /* set by play_block: TransactionSetPreOrder's verdict, its reason when
     * not VALID, and the index of the receipt in the block result
     * (PLAY_NO_RECEIPT when rejected, so not executed) */
    cvm_preorder_status preorder;
    char preorder_reason[200];
    size_t receipt;
} play_tx;

/* Opens the store and the VM. On failure err says why (nothing to close). */
cvm_status play_open(play_chain *c, const play_options *o, char *err, size_t errcap);
void play_close(play_chain *c);
/* Replaces the VM by one with o's options (data_dir unused), over the same
 * store; on failure err says why and c has no VM (play_close it). */
cvm_status play_reopen_vm(play_chain *c, const play_options *o, char *err, size_t errcap);

/* The latest committed height. */
uint64_t play_height(const play_chain *c);

/* The address of account name: that of its development key. */
void play_address(const char *name, uint8_t out[CVM_ADDRESS_BYTES]);

/* Fills t: a transaction of protocol version 1 on chain 42 with the given
 * timestamp, signed (Ed25519) with the development key of signer, or
 * unsigned when signer is NULL, then with faults (may be NULL) applied.
 * Every pointer is borrowed by t. */
cvm_status play_tx_make(play_tx *t, const char *signer, const char *service, const char *method,
                        const cvm_arg *args, size_t nargs, uint64_t timestamp, const play_faults *faults,
                        char *err, size_t errcap);

/* The deployment transaction of code as service name (bytecode), signed by
 * the development key of PLAY_DEPLOYER. name and code are borrowed by t;
 * args (3 entries) is the caller's, borrowed by t too. */
#define PLAY_DEPLOYER "deployer"
cvm_status play_deploy_tx(play_tx *t, cvm_arg args[3], const char *name, const uint8_t *code, size_t len,
                          uint64_t timestamp, char *err, size_t errcap);

/* The genesis block (the store must be empty), committed. *out is the
 * caller's (cvm_block_result_free). */
cvm_status play_genesis(play_chain *c, const cvm_genesis_account *accounts, size_t n, cvm_block_result **out,
                        char *err, size_t errcap);

/* The next height: TransactionSetPreOrder over txs[0..n), then the
 * transactions it found VALID processed as one set and committed. Sets each
 * txs[i].preorder, .preorder_reason and .receipt. *out is the caller's. */
cvm_status play_block(play_chain *c, play_tx *txs, size_t n, cvm_block_result **out, char *err, size_t errcap);

/* RunLocalMethod on the latest committed state. *out is the caller's. */
cvm_status play_query(play_chain *c, const play_tx *q, cvm_local_result **out, char *err, size_t errcap);

/* Whether service name is deployed, and if so whether with exactly
 * code[0..len) (*same; code may be NULL when only *deployed matters) and at
 * which height (*at: 0 when the store does not record it, as stores written
 * before _Deployments kept the height do not). Asks _Deployments.getCode
 * with a local call, and the height from the store. */
cvm_status play_deployed(play_chain *c, const char *name, const uint8_t *code, size_t len, bool *deployed,
                         bool *same, uint64_t *at, char *err, size_t errcap);

/* Whether the committed state holds account name: its reputation or its
 * admin flag, written at genesis. An account of reputation 0 that is not
 * admin leaves neither (a stored value is never 0), so it is never held. */
cvm_status play_account_held(play_chain *c, const char *name, bool *held, char *err, size_t errcap);

/* Account name's reputation and admin flag as the committed state holds
 * them (0 and false when it holds neither). */
cvm_status play_account_values(play_chain *c, const char *name, int64_t *reputation, bool *admin, char *err,
                               size_t errcap);

#endif
