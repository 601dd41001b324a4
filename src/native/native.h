/*
 * native.h — the native processor's services: C services compiled into the
 * library. Each service is one small file with a method table (name,
 * parameter types, flags, function); native/processor.c lists the services
 * and runs their methods through the SDK (vm/sdk.h).
 *
 * Also the direct state helpers of two system services that the VM itself
 * reads (as Orbs reads _Deployments through StateStorage): the deployment
 * records and the reputation of an address.
 */
#ifndef CVM_NATIVE_NATIVE_H
#define CVM_NATIVE_NATIVE_H
#include "vm/sdk.h"

/* A native method: reads args (already checked against the table), writes
 * outputs with cvm_out_put. Returns NONE or the failure's code with err. */
typedef cvm_code (*cvm_native_fn)(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err);

typedef struct cvm_native_method {
    const char *name;
    const cvm_arg_type *params; /* static */
    size_t nparams;
    unsigned flags;             /* CVM_MF_* */
    cvm_native_fn fn;
} cvm_native_method;

typedef struct cvm_native_service {
    const char *name;
    const cvm_native_method *methods; /* static */
    size_t nmethods;
} cvm_native_service;

extern const cvm_native_service cvm_native_deployments; /* deployments.c */
extern const cvm_native_service cvm_native_info;        /* info.c */
extern const cvm_native_service cvm_native_reputation;  /* reputation.c */
extern const cvm_native_service cvm_native_cooperatives; /* cooperatives.c */
extern const cvm_native_service cvm_native_governance;  /* governance.c */
extern const cvm_native_service cvm_native_global_preorder; /* global_preorder.c */

/* The state writes and events of native methods, paid for first
 * (vm/gas.h: CVM_GAS_STATE_BYTE per byte of key and value, CVM_GAS_EVENT
 * and CVM_GAS_EVENT_BYTE per byte of an event): OUT_OF_GAS, nothing
 * written, when the gas left cannot pay. Every native method writes and
 * emits through these; only the VM's own records (genesis, a native
 * service deployed on first use) go to the overlay directly. */
cvm_code cvm_native_write(cvm_context *ctx, const uint8_t *key, size_t keylen, const uint8_t *value, size_t len,
                          cvm_error *err);
/* An i64 in the bytecode convention (state/value.h: 0 deletes the key). */
cvm_code cvm_native_write_i64(cvm_context *ctx, const uint8_t *key, size_t keylen, int64_t v, cvm_error *err);
cvm_code cvm_native_emit(cvm_context *ctx, const char *name, size_t namelen, const cvm_event_field *fields,
                         size_t nfields, cvm_error *err);

/* The native service named name, or NULL. */
const cvm_native_service *cvm_native_find(const char *name);
/* The i-th native service (in a fixed order), NULL past the last. */
const cvm_native_service *cvm_native_at(size_t i);

#define CVM_DEPLOYMENTS "_Deployments"
#define CVM_REPUTATION "_Reputation"
#define CVM_INFO "_Info"
#define CVM_COOPERATIVES "_Cooperatives"
#define CVM_GOVERNANCE "_Governance"
#define CVM_GLOBAL_PREORDER "_GlobalPreOrder"
#define CVM_PREORDER_REASON_MAX 200 /* bytes of a stored subscription problem (fits a cvm_error message) */

/* The processor type recorded for service: *found false when it is not
 * deployed. Reads _Deployments' state directly. */
cvm_code cvm_deployments_processor(cvm_context *ctx, const char *service, uint64_t *type, bool *found,
                                   cvm_error *err);
/* The code recorded for service (borrowed until the next write), len 0
 * when none. */
cvm_code cvm_deployments_code(cvm_context *ctx, const char *service, const uint8_t **code, size_t *len,
                              cvm_error *err);
/* The key of service's record suffix (".Processor", ".Code", ".Height") in
 * _Deployments' state: SHA-256(service + suffix). ".Height" (an i64) is
 * the height of the block whose deployService deployed a bytecode service;
 * hosts read it from the store to say when a service was deployed. */
void cvm_deployments_key(const char *service, const char *suffix, uint8_t key[CVM_SHA256_BYTES]);
/* Records service as deployed with type (and code, for bytecode). */
cvm_code cvm_deployments_record(cvm_context *ctx, const char *service, uint64_t type, const uint8_t *code,
                                size_t len, cvm_error *err);
/* Whether name is a valid service name (letters and digits, 1..63, or a
 * leading '_' for a system service); the reason in err when not. */
bool cvm_service_name_ok(const char *name, size_t len, bool allow_system, cvm_error *err);

/* The reputation of addr in _Reputation (0 when unknown). */
cvm_code cvm_reputation_of(cvm_context *ctx, const uint8_t addr[CVM_ADDRESS_BYTES], int64_t *v, cvm_error *err);
/* Genesis: writes addr's reputation and admin flag ("admin:" + address). */
cvm_code cvm_reputation_genesis(cvm_context *ctx, const uint8_t addr[CVM_ADDRESS_BYTES], int64_t reputation,
                                bool admin, cvm_error *err);
/* The key of addr's admin flag in _Reputation's state: "admin:" + the
 * address. With the reputation (keyed by the address itself) it is what a
 * store holds of a genesis account; both are absent for an account of
 * reputation 0 that is not admin (a stored value is never 0). */
#define CVM_REPUTATION_ADMIN_KEY_BYTES (6 + CVM_ADDRESS_BYTES)
void cvm_reputation_admin_key(const uint8_t addr[CVM_ADDRESS_BYTES], uint8_t key[CVM_REPUTATION_ADMIN_KEY_BYTES]);
/* Whether addr was marked admin at genesis (_Reputation's "admin:" +
 * address), read directly from any frame. */
cvm_code cvm_reputation_is_admin(cvm_context *ctx, const uint8_t addr[CVM_ADDRESS_BYTES], bool *admin,
                                 cvm_error *err);
/* "0x" and the 40 hex digits of addr, for messages. */
void cvm_address_hex(const uint8_t addr[CVM_ADDRESS_BYTES], char out[2 + 2 * CVM_ADDRESS_BYTES + 1]);

/* ---------------------------------------- cooperatives (docs/cooperatives.md) */

#define CVM_COOP_ID_MAX 63          /* a cooperative id: an identifier, as the assembler's .cooperative */
#define CVM_COOP_TEXT_MAX 1024      /* purpose and federation, as the module verifier allows */
#define CVM_COOP_DEFAULT_QUORUM 50  /* percent, at creation */
#define CVM_COOP_IMPACT_LIMIT 80    /* allocate refuses above this cpu, memory or network impact */
#define CVM_PROPOSAL_THRESHOLD 100  /* the default reputation needed to open a proposal */
#define CVM_PROPOSAL_TITLE_MAX 256  /* bytes of a proposal's title (_Governance.createProposal) */

/* What _Governance needs of a cooperative, read directly from
 * _Cooperatives' state. */
typedef struct cvm_coop_record {
    bool found;
    uint8_t creator[CVM_ADDRESS_BYTES];
    int64_t members;
    int64_t quorum;
} cvm_coop_record;

/* Whether id[0..len) is a cooperative id (an identifier of 1..63 bytes);
 * WRONG_ARGUMENTS in err, naming what, when not. */
bool cvm_coop_id_ok(const uint8_t *id, size_t len, const char *what, cvm_error *err);
/* The record of cooperative id (found false when there is none). */
cvm_code cvm_coop_read(cvm_context *ctx, const uint8_t *id, size_t len, cvm_coop_record *out, cvm_error *err);
/* Whether addr is a member of cooperative id. */
cvm_code cvm_coop_is_member(cvm_context *ctx, const uint8_t *id, size_t len, const uint8_t addr[CVM_ADDRESS_BYTES],
                            bool *member, cvm_error *err);

#endif
