/*
 * context.h — the execution layer's internal core: the VM handle, the
 * context of one transaction set or local call, its service stack, and the
 * processor interface every processor (native, bytecode) implements.
 *
 * A context (the spec's Context) is read-write for a transaction set, over a
 * read-write overlay of the store (reads see the previous height plus the
 * set's earlier transactions), or read-only for RunLocalMethod. It carries
 * the height, timestamp and signer of the transaction being run, the service
 * stack (the top frame decides the state namespace, the events' owner and
 * the own address), the events and logs of that transaction, and its gas.
 *
 * Library failures (out of memory, the store) inside a call are recorded on
 * the context (cvm_ctx_fail) and surface from the entry point as a status;
 * contract outcomes are cvm_call_out values.
 */
#ifndef CVM_VM_CONTEXT_H
#define CVM_VM_CONTEXT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/map.h"
#include "base/pool.h"
#include "coopvm.h"
#include "state/overlay.h"
#include "base/arena.h"

#define CVM_SERVICE_DEPTH_LIMIT 16 /* nested service calls, the transaction's own call included */
#define CVM_SERVICE_NAME_MAX 63
#define CVM_MAX_ARGS 64            /* arguments of one call (a bytecode method's CVM_MAX_PARAMS) */
#define CVM_MAX_OUTPUTS 16         /* outputs of one native method (_Cooperatives.getInfo has 10) */

/* Method flags: public and read-only when 0. */
#define CVM_MF_SYSTEM 1u /* only system callers (system services, the VM at genesis) */
#define CVM_MF_WRITES 2u /* read-write: refused in a read-only frame */
/* The last n parameters may be left out (n <= 255, bits 8..15 of the
 * flags): a call passes nparams - n .. nparams arguments, the first ones
 * in order, and the native processor hands the method the zero value of
 * each one left out (0, false, empty), so that leaving one out and
 * passing its zero value are the same call. A caller checking a typed
 * import against the method accepts either length (the types of the
 * arguments passed must match). _Governance.createProposal(id[, title[,
 * period]]) uses it. */
#define CVM_MF_OPTIONAL(n) (((unsigned)(n) & 0xffu) << 8)
#define CVM_MF_NOPTIONAL(flags) (((unsigned)(flags) >> 8) & 0xffu)

typedef struct cvm_context cvm_context;

/* What a processor says of one method. */
typedef struct cvm_method_info {
    const char *name;           /* borrowed from the processor (static or the module) */
    const cvm_arg_type *params; /* borrowed; nparams types; NULL when vtypes is set */
    size_t nparams;
    /* A typed bytecode method's parameters (cvm_vtype: CVM_ARG_INT64,
     * CVM_ARG_BYTES, CVM_ARG_STRING; nparams entries, borrowed from the
     * module; set, with no entries, for a typed method without parameters),
     * which take the mapped argument types (cvm_bc_args_ok); NULL for every
     * other method, whose arguments match params exactly. */
    const uint8_t *vtypes;
    unsigned flags;             /* CVM_MF_* */
    const void *impl;           /* borrowed: the processor's own handle (native method, module) */
} cvm_method_info;

/* The outcome of one call. Output bytes live in the context's arena. */
typedef struct cvm_call_out {
    cvm_exec_status status;
    cvm_error error;
    cvm_arg outputs[CVM_MAX_OUTPUTS];
    size_t noutputs;
} cvm_call_out;

/* A processor: runs the services deployed with its type. */
typedef struct cvm_processor {
    uint64_t type;    /* CVM_PROCESSOR_* */
    const char *name; /* "native", "bytecode" */
    /* Finds method of the deployed service; UNKNOWN_METHOD (or another code,
     * e.g. a module that no longer loads) with err filled when it cannot. */
    cvm_code (*method_info)(cvm_context *ctx, const char *service, const char *method, cvm_method_info *out,
                            cvm_error *err);
    /* Runs the method (its frame is pushed, permissions and arguments are
     * checked) and fills out. */
    void (*process_call)(cvm_context *ctx, const cvm_method_info *mi, const cvm_arg *args, size_t nargs,
                         cvm_call_out *out);
    /* Deploys service when it is one of this processor's own (native only;
     * NULL otherwise); *deployed says whether it was. */
    cvm_code (*deploy_service)(cvm_context *ctx, const char *service, bool *deployed, cvm_error *err);
} cvm_processor;

/* The VM handle (coopvm.h). */
/* The signer address cache: direct-mapped by the key's first bytes (keys
 * are hashes, so they spread; a collision only evicts). 1024 entries, 54
 * KiB, in the VM. */
#define CVM_SIGNER_CACHE 1024

typedef struct cvm_signer_entry {
    uint8_t key[CVM_PUBKEY_BYTES];
    uint8_t address[CVM_ADDRESS_BYTES];
    bool used;
} cvm_signer_entry;

struct cvm_vm {
    const cvm_allocator *al; /* borrowed */
    cvm_store *store;        /* borrowed */
    int64_t gas_limit;
    int64_t block_gas_limit;  /* of a transaction set */
    size_t block_tx_limit;    /* transactions run in a set */
    uint32_t virtual_chain_id;
    cvm_tx_trace_fn trace;   /* may be NULL */
    void *trace_ud;          /* borrowed */
    cvm_dispatch dispatch;   /* passed to every cvm_exec of a bytecode method */
    cvm_map modules;         /* SHA-256 of code -> cvm_module * (owned): the module cache */
    cvm_pool *pool;          /* owned: the threads of pre-order's signature checks (base/pool.h) */
    /* signer key -> address (SHA-256 of the key): pre-order computes them
     * on its threads and puts them here, ProcessTransactionSet and local
     * calls look them up, so a set's signers are not hashed again (the
     * hash was 45 % of a counter transaction's instructions) */
    cvm_signer_entry signers[CVM_SIGNER_CACHE];
    /* transaction encoding -> its hash (pval: 32 bytes in prehash_arena), as
     * pre-order computed them: a set's block records look them up rather
     * than hash each transaction again. Emptied by each pre-order and after
     * each set, so it holds at most one pre-order's transactions. */
    cvm_map prehash;
    cvm_arena prehash_arena;
    char err[256];           /* the last failure's message */
};

/* One entry of the service stack. */
typedef struct cvm_frame {
    char service[CVM_SERVICE_NAME_MAX + 1]; /* the service whose code runs */
    char owner[CVM_SERVICE_NAME_MAX + 1];   /* whose namespace, events and address: the service, or
                                             * for a library call the caller's owner */
    size_t owner_len;
    uint8_t address[CVM_ADDRESS_BYTES];     /* the owner's address */
    bool read_only;                         /* writes refused: a read-only context or method, or
                                             * called from a read-only frame */
    bool library;                           /* pushed by CallLibraryMethod: the code acts as the
                                             * frame below (bytecode's Caller looks through it) */
} cvm_frame;

/* What a context remembers of one deployed service, so that each of its
 * calls needs no _Deployments read, hash or module lookup. */
typedef struct cvm_service_memo {
    uint64_t type;                      /* CVM_PROCESSOR_* */
    const cvm_module *module;           /* borrowed from the VM's cache; NULL until loaded */
    uint8_t address[CVM_ADDRESS_BYTES]; /* the service's address */
} cvm_service_memo;

struct cvm_context {
    cvm_vm *vm;               /* borrowed */
    const cvm_allocator *al;  /* borrowed */
    cvm_overlay *ov;          /* owned */
    cvm_arena *arena;         /* borrowed: the result's memory (outputs, events) */
    bool read_only;           /* RunLocalMethod */
    bool system;              /* the VM itself is the caller (genesis) */
    uint64_t height, timestamp;
    uint64_t tx_index;
    uint8_t signer[CVM_ADDRESS_BYTES];
    cvm_frame frames[CVM_SERVICE_DEPTH_LIMIT];
    size_t depth;
    cvm_event *events;        /* owned array (contents in the arena): this transaction's events */
    size_t nevents, capevents;
    int64_t *logs;            /* owned: this transaction's log */
    size_t nlogs, caplogs;
    int64_t gas_left;         /* this transaction's, shared by nested calls */
    cvm_map services;         /* service name -> cvm_service_memo * (owned): what this context
                               * learnt of deployed services; cleared when a transaction rolls
                               * back, since it may have deployed */
    cvm_status fatal;         /* a library failure inside a call: CVM_OK when none */
};

/* Opens a context over vm's store (read-only for local calls) whose results
 * live in arena. */
cvm_status cvm_ctx_init(cvm_context *ctx, cvm_vm *vm, cvm_arena *arena, bool read_only);
/* Frees what the context owns (not the arena). */
void cvm_ctx_free(cvm_context *ctx);
/* out = the signer address of tx: the address of its Ed25519 key, zeros
 * for any other scheme (remembering the last key's address). */
void cvm_ctx_signer_of(cvm_context *ctx, const cvm_transaction *tx, uint8_t out[CVM_ADDRESS_BYTES]);

/* out = the address of key, from vm's signer cache or hashed (and cached). */
void cvm_vm_signer_address(cvm_vm *vm, const uint8_t key[CVM_PUBKEY_BYTES], uint8_t out[CVM_ADDRESS_BYTES]);
/* Empties the pre-order hashes (cvm_vm.prehash). */
void cvm_vm_prehash_clear(cvm_vm *vm);
/* Remembers hash as the hash of encoding p[0..n); best effort (nothing
 * when memory runs out). */
void cvm_vm_prehash_put(cvm_vm *vm, const uint8_t *p, size_t n, const uint8_t hash[CVM_HASH_BYTES]);
/* A cvm_hash_lookup_fn (codec/block.h) over vm (ud). */
bool cvm_vm_prehash_find(void *ud, const uint8_t *p, size_t n, uint8_t hash[CVM_HASH_BYTES]);

/* Puts an address computed elsewhere (pre-order's threads) in the cache. */
void cvm_vm_signer_remember(cvm_vm *vm, const uint8_t key[CVM_PUBKEY_BYTES], const uint8_t address[CVM_ADDRESS_BYTES]);
/* Starts a transaction: empty stack, events and logs; full gas; the signer. */
void cvm_ctx_begin(cvm_context *ctx, const uint8_t signer[CVM_ADDRESS_BYTES]);
/* Records a failure of an entry point's own in vm's message and returns st. */
cvm_status cvm_vm_fail(cvm_vm *vm, cvm_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The reason a signature that does not verify is refused (pre-order and
 * RunLocalMethod alike). */
#define CVM_MSG_SIGNATURE_MISMATCH \
    "the signature does not verify under the signer's key (Ed25519 over the transaction hash)"
/* Records a library failure (the first wins) and returns HOST_ERROR with a
 * message in err (may be NULL), for the contract that saw it. */
cvm_code cvm_ctx_fail(cvm_context *ctx, cvm_status st, cvm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The memo of a deployed service, or NULL when the context has none. */
cvm_service_memo *cvm_ctx_memo(cvm_context *ctx, const char *service);
/* Remembers service as deployed with type; NULL when memory runs out. */
cvm_service_memo *cvm_ctx_memo_put(cvm_context *ctx, const char *service, uint64_t type);
/* Forgets every memo (after a rollback). */
void cvm_ctx_memo_clear(cvm_context *ctx);
/* The top frame; NULL when the stack is empty. */
cvm_frame *cvm_ctx_top(cvm_context *ctx);

/* Fills err with code and a formatted message (method "", pc -1). */
void cvm_error_set(cvm_error *err, cvm_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* out = a failure with status st and the code and message of err. */
void cvm_out_fail(cvm_call_out *out, cvm_exec_status st, const cvm_error *err);

/* The processor of a type; NULL for an unknown one. */
const cvm_processor *cvm_processor_of(uint64_t type);
extern const cvm_processor cvm_native_processor;   /* native/processor.c */
extern const cvm_processor cvm_bytecode_processor; /* vm/bytecode.c */

#endif
