/*
 * test_typed_host.c — the bytecode processor's host side of typed values,
 * end to end through deployed contracts: Signer, Caller and Self (also
 * under CallLibrary and for an unsigned call), bytes in state through the
 * write-back cache and the pinned keys (an integer Load of bytes traps
 * TYPE_MISMATCH naming the key), declared events in receipts, typed
 * methods taking a transaction's typed arguments and giving typed outputs,
 * and typed calls (.import) to bytecode and native services — those that
 * match, those that do not (WRONG_ARGUMENTS naming both signatures),
 * _Governance.getProposal's five outputs and _Cooperatives.isMember.
 */
#include "native/cooptest.h"

static const int64_t REPS[] = {100, 100, 100};

static void open_chain(chain *c)
{
    chain_open(c);
    genesis(c, REPS, 3);
}

/* The receipt of a transaction of account k that must succeed; the block
 * is kept in *keep (free it). */
static const cvm_receipt *ok_tx(chain *c, uint8_t k, const char *svc, const char *method, const cvm_arg *a, size_t n,
                                cvm_block_result **keep)
{
    *keep = tx1(c, k, svc, method, a, n, CVM_SUCCESS, CVM_CODE_NONE);
    return &(*keep)->receipts[0];
}

static void assert_bytes(const cvm_arg *a, const void *p, size_t n)
{
    assert_int_equal(a->type, CVM_ARG_BYTES);
    assert_int_equal(a->v.bytes.len, n);
    if (n)
        assert_memory_equal(a->v.bytes.ptr, p, n);
}

static void service_address(const char *name, uint8_t out[CVM_ADDRESS_BYTES]) { cvm_address_of_service(name, out); }

/* ------------------------------------------------------------ identity */

#define WHO                                                                                                  \
    ".contract Who\n.import Lib.who returns bytes bytes bytes\n"                                             \
    ".method signer readonly returns bytes\n  Signer\n"                                                      \
    ".method caller readonly returns bytes\n  Caller\n"                                                      \
    ".method self readonly returns bytes\n  Self\n"                                                          \
    ".method viaLib readonly returns bytes bytes bytes\n  CallLibrary \"Lib.who\"\n"
#define LIB ".contract Lib\n.method who readonly returns bytes bytes bytes\n  Signer\n  Caller\n  Self\n"
#define OUTER                                                                                                \
    ".contract Outer\n.import Who.caller returns bytes\n.import Who.viaLib returns bytes bytes bytes\n"     \
    ".method callWho readonly returns bytes\n  CallService \"Who.caller\"\n"                                 \
    ".method viaWhoLib readonly returns bytes bytes bytes\n  CallService \"Who.viaLib\"\n"

static void test_identity(void **state)
{
    (void)state;
    chain c;
    open_chain(&c);
    deploy(&c, "Who", WHO);
    deploy(&c, "Lib", LIB);
    deploy(&c, "Outer", OUTER);
    uint8_t a1[20], who[20], outer[20];
    address_of(1, a1);
    service_address("Who", who);
    service_address("Outer", outer);
    cvm_block_result *b;
    assert_bytes(&ok_tx(&c, 1, "Who", "signer", NULL, 0, &b)->outputs[0], a1, 20);
    cvm_block_result_free(b);
    /* at the top of the service stack Caller is the signer */
    assert_bytes(&ok_tx(&c, 1, "Who", "caller", NULL, 0, &b)->outputs[0], a1, 20);
    cvm_block_result_free(b);
    assert_bytes(&ok_tx(&c, 1, "Who", "self", NULL, 0, &b)->outputs[0], who, 20);
    cvm_block_result_free(b);
    /* through CallService: the calling service */
    assert_bytes(&ok_tx(&c, 1, "Outer", "callWho", NULL, 0, &b)->outputs[0], outer, 20);
    cvm_block_result_free(b);
    /* a library acts as its caller: Self is Who, Caller is Who's caller */
    const cvm_receipt *r = ok_tx(&c, 2, "Who", "viaLib", NULL, 0, &b);
    uint8_t a2[20];
    address_of(2, a2);
    assert_int_equal(r->noutputs, 3);
    assert_bytes(&r->outputs[0], a2, 20);
    assert_bytes(&r->outputs[1], a2, 20);
    assert_bytes(&r->outputs[2], who, 20);
    cvm_block_result_free(b);
    r = ok_tx(&c, 2, "Outer", "viaWhoLib", NULL, 0, &b);
    assert_bytes(&r->outputs[0], a2, 20);
    assert_bytes(&r->outputs[1], outer, 20);
    assert_bytes(&r->outputs[2], who, 20);
    cvm_block_result_free(b);
    /* an unsigned local call has no signer: empty bytes, and so Caller */
    cvm_local_result *l = local_call(&c, 0, "Who", "signer", NULL, 0);
    expect(&l->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_bytes(&l->receipt.outputs[0], NULL, 0);
    cvm_local_result_free(l);
    l = local_call(&c, 0, "Who", "caller", NULL, 0);
    assert_bytes(&l->receipt.outputs[0], NULL, 0);
    cvm_local_result_free(l);
    chain_close(&c);
}

/* ----------------------------------------------------------- bytes state */

#define STORE                                                                                                \
    ".contract Box\n"                                                                                        \
    ".method put params v:bytes\n  Store \"k\"\n"                                                            \
    ".method putInt params v:int\n  Store \"k\"\n"                                                           \
    ".method get readonly returns bytes\n  LoadBytes \"k\"\n"                                                \
    ".method getInt readonly returns int\n  Load \"k\"\n"                                                    \
    ".method getIntPopped readonly returns int\n  PushBytes \"k\"\n  Load\n"                                      \
    /* a dirty integer, then bytes over it: the integer never reaches state */                               \
    ".method intThenBytes returns bytes\n  Push 5\n  Store \"k\"\n  PushBytes \"abc\"\n  Store \"k\"\n"          \
    "  LoadBytes \"k\"\n"                                                                                    \
    ".method intThenBytesThenLoad returns int\n  Push 5\n  Store \"k\"\n  PushBytes \"abc\"\n  Store \"k\"\n"    \
    "  Load \"k\"\n"                                                                                         \
    /* a dirty integer read as bytes: its stored form, from the cache */                                     \
    ".method intAsBytes returns bytes\n  Push 7\n  Store \"k\"\n  LoadBytes \"k\"\n"                         \
    ".method bytesThenInt returns int\n  PushBytes \"abcdefgh\"\n  Store \"k\"\n  Push 9\n  Store \"k\"\n"       \
    "  Load \"k\"\n"                                                                                         \
    /* popped keys (under the value): a slot, not a pin */                                                                     \
    ".method popped returns bytes\n  PushBytes \"k\"\n  Push 3\n  Store\n  PushBytes \"k\"\n  PushBytes \"xy\"\n  Store\n" \
    "  PushBytes \"k\"\n  LoadBytes\n"                                                                            \
    ".method clear\n  PushBytes \"\"\n  Store \"k\"\n"                                                      \
    /* a composite key: a prefix and an address */                                                           \
    ".method putAt params who:bytes\n  PushBytes \"bal/\"\n  Swap\n  Concat\n  PushBytes \"abc\"\n  Store\n" \
    ".method getAt readonly params who:bytes returns int\n  PushBytes \"bal/\"\n  Swap\n  Concat\n  Load\n"

static void test_bytes_state(void **state)
{
    (void)state;
    chain c;
    open_chain(&c);
    deploy(&c, "Box", STORE);
    uint8_t addr[20];
    address_of(2, addr);
    cvm_arg v = cvm_arg_bytes(addr, 20);
    ok1(&c, 1, "Box", "put", &v, 1);
    cvm_local_result *l = query(&c, "Box", "get", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
    assert_bytes(&l->receipt.outputs[0], addr, 20);
    cvm_local_result_free(l);
    /* an integer Load of 20 bytes: TYPE_MISMATCH naming the key (pinned and popped alike) */
    l = query(&c, "Box", "getInt", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_TYPE_MISMATCH);
    assert_string_equal(l->receipt.error.message,
                        "Load needs an integer (8 bytes) and key 'k' holds 20 bytes; LoadBytes reads them");
    cvm_local_result_free(l);
    l = query(&c, "Box", "getIntPopped", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_TYPE_MISMATCH);
    cvm_local_result_free(l);
    /* 8 bytes read as the integer they encode */
    cvm_arg eight = cvm_arg_bytes("\x2a\0\0\0\0\0\0\0", 8);
    ok1(&c, 1, "Box", "put", &eight, 1);
    assert_int_equal(local_i64(&c, "Box", "getInt"), 42);
    cvm_block_result *b;
    const cvm_receipt *r = ok_tx(&c, 1, "Box", "intThenBytes", NULL, 0, &b);
    assert_bytes(&r->outputs[0], "abc", 3);
    assert_int_equal(b->ndiff, 1);
    assert_int_equal(b->diff[0].value_len, 3); /* the bytes, not the integer written back over them */
    cvm_block_result_free(b);
    b = tx1(&c, 1, "Box", "intThenBytesThenLoad", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_TYPE_MISMATCH);
    cvm_block_result_free(b);
    r = ok_tx(&c, 1, "Box", "intAsBytes", NULL, 0, &b);
    assert_bytes(&r->outputs[0], "\x07\0\0\0\0\0\0\0", 8);
    cvm_block_result_free(b);
    r = ok_tx(&c, 1, "Box", "bytesThenInt", NULL, 0, &b);
    assert_int_equal(r->outputs[0].v.i64, 9);
    cvm_block_result_free(b);
    r = ok_tx(&c, 1, "Box", "popped", NULL, 0, &b);
    assert_bytes(&r->outputs[0], "xy", 2);
    cvm_block_result_free(b);
    /* empty bytes delete: Load reads 0 */
    ok1(&c, 1, "Box", "clear", NULL, 0);
    assert_int_equal(local_i64(&c, "Box", "getInt"), 0);
    /* a key that is not text is named by its printable start and hex */
    uint8_t who[3] = {0xde, 0xad, 0x01};
    cvm_arg w = cvm_arg_bytes(who, 3);
    ok1(&c, 1, "Box", "putAt", &w, 1);
    l = query(&c, "Box", "getAt", &w, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_TYPE_MISMATCH);
    assert_string_equal(l->receipt.error.message,
                        "Load needs an integer (8 bytes) and key 'bal/'+0xdead01 holds 3 bytes; LoadBytes reads them");
    cvm_local_result_free(l);
    chain_close(&c);
}

/* A state key holds 509 bytes minus the service name's length (2 + name +
 * key <= CVM_STATE_KEY_MAX = 511): 508 in service K, 505 in Keys. One
 * byte more fails Store (integer and bytes), Load and LoadBytes with the
 * contract's KEY_TOO_LONG, not HOST_ERROR. */
#define KEYS_BODY                                                                                            \
    ".method put params key:bytes\n  Push 7\n  Store\n"                                                      \
    ".method putb params key:bytes\n  PushBytes \"v\"\n  Store\n"                                           \
    ".method get readonly params key:bytes returns int\n  Load\n"                                            \
    ".method getb readonly params key:bytes returns bytes\n  LoadBytes\n"

static void test_key_too_long(void **state)
{
    (void)state;
    chain c;
    open_chain(&c);
    deploy(&c, "K", ".contract K\n" KEYS_BODY);
    deploy(&c, "Keys", ".contract Keys\n" KEYS_BODY);
    static uint8_t key[600];
    memset(key, 'k', sizeof key);
    static const struct {
        const char *svc;
        size_t room;
    } svcs[] = {{"K", 508}, {"Keys", 505}};
    for (size_t i = 0; i < 2; i++) {
        const char *svc = svcs[i].svc;
        size_t room = svcs[i].room;
        cvm_arg fits = cvm_arg_bytes(key, room), over = cvm_arg_bytes(key, room + 1);
        ok1(&c, 1, svc, "put", &fits, 1);
        cvm_local_result *l = query(&c, svc, "get", &fits, 1, CVM_SUCCESS, CVM_CODE_NONE);
        assert_int_equal(l->receipt.outputs[0].v.i64, 7);
        cvm_local_result_free(l);
        ok1(&c, 1, svc, "putb", &fits, 1);
        l = query(&c, svc, "getb", &fits, 1, CVM_SUCCESS, CVM_CODE_NONE);
        assert_bytes(&l->receipt.outputs[0], "v", 1);
        cvm_local_result_free(l);
        char want[160];
        snprintf(want, sizeof want, "state key too long in service %s: the key is %zu bytes; its keys hold at most %zu",
                 svc, room + 1, room);
        static const char *const writes[] = {"put", "putb"};
        for (size_t w = 0; w < 2; w++) {
            cvm_block_result *b = tx1(&c, 1, svc, writes[w], &over, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_KEY_TOO_LONG);
            assert_string_equal(b->receipts[0].error.message, want);
            assert_int_equal(b->ndiff, 0);
            cvm_block_result_free(b);
        }
        static const char *const reads[] = {"get", "getb"};
        for (size_t q = 0; q < 2; q++) {
            l = query(&c, svc, reads[q], &over, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_KEY_TOO_LONG);
            assert_string_equal(l->receipt.error.message, want);
            cvm_local_result_free(l);
        }
    }
    chain_close(&c);
}

/* A library runs in its caller's namespace: the caller's cached integer is
 * written before the call, and the bytes the library stores are what the
 * caller reads after it. */
#define SHELF                                                                                                \
    ".contract Shelf\n.import Lib2.getb returns bytes\n.import Lib2.putb returns\n"                          \
    ".method seeInt returns bytes\n  Push 5\n  Store \"k\"\n  CallLibrary \"Lib2.getb\"\n"               \
    ".method afterBytes returns int\n  Push 5\n  Store \"k\"\n  CallLibrary \"Lib2.putb\"\n  Load \"k\"\n"
#define LIB2                                                                                                 \
    ".contract Lib2\n.method getb readonly returns bytes\n  LoadBytes \"k\"\n"                               \
    ".method putb returns\n  PushBytes \"abc\"\n  Store \"k\"\n"

static void test_bytes_state_across_calls(void **state)
{
    (void)state;
    chain c;
    open_chain(&c);
    deploy(&c, "Shelf", SHELF);
    deploy(&c, "Lib2", LIB2);
    cvm_block_result *b;
    const cvm_receipt *r = ok_tx(&c, 1, "Shelf", "seeInt", NULL, 0, &b);
    assert_bytes(&r->outputs[0], "\x05\0\0\0\0\0\0\0", 8);
    cvm_block_result_free(b);
    b = tx1(&c, 1, "Shelf", "afterBytes", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_TYPE_MISMATCH);
    assert_string_equal(b->receipts[0].error.message,
                        "Load needs an integer (8 bytes) and key 'k' holds 3 bytes; LoadBytes reads them");
    cvm_block_result_free(b);
    chain_close(&c);
}

/* ------------------------------------------------------------- events */

#define TOKEN                                                                                                \
    ".contract Token\n.event Transfer from:bytes to:bytes amount:int\n"                                      \
    ".method transfer params to:bytes amount:int returns int\n"                                              \
    "  Signer\n  Rot\n  Rot\n  Emit \"Transfer\"\n  Push 1\n"                                                \
    ".method plain\n  Push 5\n  Emit \"Old\"\n"

static void test_declared_event(void **state)
{
    (void)state;
    chain c;
    open_chain(&c);
    deploy(&c, "Token", TOKEN);
    uint8_t a1[20], a2[20];
    address_of(1, a1);
    address_of(2, a2);
    cvm_arg a[2] = {cvm_arg_bytes(a2, 20), cvm_arg_uint64(300)}; /* uint64 into an int parameter */
    cvm_block_result *b;
    const cvm_receipt *r = ok_tx(&c, 1, "Token", "transfer", a, 2, &b);
    assert_int_equal(r->nevents, 1);
    const cvm_event *e = &r->events[0];
    assert_string_equal(e->service, "Token");
    assert_string_equal(e->name, "Transfer");
    assert_int_equal(e->nfields, 3);
    assert_string_equal(e->fields[0].name, "from");
    assert_bytes(&e->fields[0].value, a1, 20);
    assert_string_equal(e->fields[1].name, "to");
    assert_bytes(&e->fields[1].value, a2, 20);
    assert_string_equal(e->fields[2].name, "amount");
    assert_int_equal(e->fields[2].value.type, CVM_ARG_INT64);
    assert_int_equal(e->fields[2].value.v.i64, 300);
    cvm_block_result_free(b);
    /* an undeclared name keeps one int64 field "value" */
    r = ok_tx(&c, 1, "Token", "plain", NULL, 0, &b);
    assert_string_equal(r->events[0].fields[0].name, "value");
    assert_int_equal(r->events[0].fields[0].value.v.i64, 5);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* ------------------------------------------------ typed methods as services */

#define TYPED                                                                                                \
    ".contract Typed\n"                                                                                      \
    ".method echo readonly params who:bytes n:int name:string returns string int bytes\n"                   \
    "  Rot\n  Rot\n  Swap\n"                                                                                 \
    ".method none returns\n  Push 1\n  Pop\n"

static void test_typed_method_args_and_outputs(void **state)
{
    (void)state;
    chain c;
    open_chain(&c);
    deploy(&c, "Typed", TYPED);
    uint8_t a2[20];
    address_of(2, a2);
    /* bytes, bool into int, bytes that are UTF-8 into string */
    cvm_arg a[3] = {cvm_arg_bytes(a2, 20), cvm_arg_bool(1), cvm_arg_bytes("ann", 3)};
    cvm_local_result *l = query(&c, "Typed", "echo", a, 3, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(l->receipt.noutputs, 3);
    assert_int_equal(l->receipt.outputs[0].type, CVM_ARG_STRING);
    assert_int_equal(l->receipt.outputs[0].v.bytes.len, 3);
    assert_int_equal(l->receipt.outputs[1].v.i64, 1);
    assert_bytes(&l->receipt.outputs[2], a2, 20);
    cvm_local_result_free(l);
    /* mapping errors name the position, the parameter, both types */
    a[1] = cvm_arg_stringn("5", 1);
    l = query(&c, "Typed", "echo", a, 3, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(l->receipt.error.message, "Typed.echo: argument 2 (n) must be int, got string");
    cvm_local_result_free(l);
    a[1] = cvm_arg_uint64(UINT64_MAX);
    l = query(&c, "Typed", "echo", a, 3, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    cvm_local_result_free(l);
    a[1] = cvm_arg_int64(1);
    a[2] = cvm_arg_bytes("\xff", 1);
    l = query(&c, "Typed", "echo", a, 3, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(l->receipt.error.message,
                        "Typed.echo: argument 3 (name) must be string, got bytes that are not UTF-8");
    cvm_local_result_free(l);
    /* no results: no outputs */
    cvm_block_result *b;
    assert_int_equal(ok_tx(&c, 1, "Typed", "none", NULL, 0, &b)->noutputs, 0);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* ------------------------------------------------------------ typed calls */

#define CALLER                                                                                               \
    ".contract Caller\n"                                                                                     \
    ".import Token.transfer params bytes int returns int\n"                                                  \
    ".import _Governance.getProposal params int returns string bytes string int int\n"                       \
    ".import _Cooperatives.isMember params string bytes returns int\n"                                       \
    ".import _Deployments.getInfo params string returns int\n"                                               \
    ".method send params to:bytes amount:int returns int\n  CallService \"Token.transfer\"\n"               \
    ".method proposal readonly params id:int returns string bytes string int int\n"                          \
    "  CallService \"_Governance.getProposal\"\n"                                                            \
    ".method member readonly params id:string who:bytes returns int\n"                                       \
    "  CallService \"_Cooperatives.isMember\"\n"                                                             \
    ".method processor readonly params name:string returns int\n  CallService \"_Deployments.getInfo\"\n"   \
    ".method untypedBytes readonly returns int\n  PushBytes \"x\"\n  Push 1\n  CallService \"Old.add\"\n"

/* no .import: CallService of a typed callee with a bytes parameter */
#define LOOSE ".contract Loose\n.method go\n  Push 1\n  Push 2\n  CallService \"Token.transfer\"\n"

#define WRONG                                                                                                \
    ".contract Wrong\n"                                                                                      \
    ".import Token.transfer params int int returns int\n"                                                    \
    ".import _Cooperatives.isMember params int bytes returns int\n"                                          \
    ".import _Governance.getProposal params int returns int\n"                                               \
    ".method send readonly returns int\n  Push 1\n  Push 2\n  CallService \"Token.transfer\"\n"                      \
    ".method member readonly returns int\n  Push 1\n  PushBytes \"x\"\n  CallService \"_Cooperatives.isMember\"\n"       \
    ".method proposal readonly returns int\n  Push 1\n  CallService \"_Governance.getProposal\"\n"           \
    ".import _Deployments.deployService params string int bytes returns\n"                                    \
    ".method deploy returns\n  PushBytes \"X\"\n  Push -1\n  PushBytes \"c\"\n"                          \
    "  CallService \"_Deployments.deployService\"\n"                                                         \
    ".import _Cooperatives.getInfo params string returns bytes\n"                                            \
    ".method info readonly returns bytes\n  PushBytes \"\\xff\"\n  CallService \"_Cooperatives.getInfo\"\n"

#define OLD ".contract Old\n.method add readonly params 2\n  Add\n"

static void test_typed_calls(void **state)
{
    (void)state;
    chain c;
    open_chain(&c);
    deploy(&c, "Token", TOKEN);
    deploy(&c, "Caller", CALLER);
    deploy(&c, "Wrong", WRONG);
    deploy(&c, "Old", OLD);
    deploy(&c, "Loose", LOOSE);
    cvm_arg ca[8];
    create_args(ca, "coop1", "p", 0, 0, 0, 0, 0, "");
    ok1(&c, 1, "_Cooperatives", "create", ca, 8);
    cvm_arg id = str("coop1");
    cvm_block_result *b = tx1(&c, 1, "_Governance", "createProposal", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    int64_t pid = b->receipts[0].outputs[0].v.i64;
    cvm_block_result_free(b);
    uint8_t a1[20], a2[20];
    address_of(1, a1);
    address_of(2, a2);

    /* bytecode to bytecode: the import matches Token.transfer */
    cvm_arg s[2] = {cvm_arg_bytes(a2, 20), cvm_arg_int64(300)};
    const cvm_receipt *r = ok_tx(&c, 1, "Caller", "send", s, 2, &b);
    assert_int_equal(r->outputs[0].v.i64, 1);
    assert_int_equal(r->nevents, 1); /* Token's, and its Signer is still account 1 */
    assert_string_equal(r->events[0].service, "Token");
    assert_bytes(&r->events[0].fields[0].value, a1, 20);
    cvm_block_result_free(b);

    /* _Governance.getProposal: five outputs */
    cvm_arg p = cvm_arg_int64(pid);
    cvm_local_result *l = query(&c, "Caller", "proposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(l->receipt.noutputs, 5);
    assert_int_equal(l->receipt.outputs[0].type, CVM_ARG_STRING);
    assert_memory_equal(l->receipt.outputs[0].v.bytes.ptr, "coop1", 5);
    assert_bytes(&l->receipt.outputs[1], a1, 20);
    assert_int_equal(l->receipt.outputs[2].v.bytes.len, 4); /* "open" */
    assert_memory_equal(l->receipt.outputs[2].v.bytes.ptr, "open", 4);
    assert_int_equal(l->receipt.outputs[3].v.i64, 0);
    assert_int_equal(l->receipt.outputs[4].v.i64, 0);
    cvm_local_result_free(l);

    /* _Cooperatives.isMember(id, address): a bool as an int */
    cvm_arg m[2] = {str("coop1"), cvm_arg_bytes(a1, 20)};
    l = query(&c, "Caller", "member", m, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(l->receipt.outputs[0].v.i64, 1);
    cvm_local_result_free(l);
    m[1] = cvm_arg_bytes(a2, 20);
    l = query(&c, "Caller", "member", m, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(l->receipt.outputs[0].v.i64, 0);
    cvm_local_result_free(l);
    /* a uint64 output as an int */
    cvm_arg name = str("Token");
    l = query(&c, "Caller", "processor", &name, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(l->receipt.outputs[0].v.i64, CVM_PROCESSOR_BYTECODE);
    cvm_local_result_free(l);

    /* imports that do not match: both signatures named */
    l = query(&c, "Wrong", "send", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_non_null(strstr(l->receipt.error.message,
                           "CallService Token.transfer: the import declares params int int returns int; the method "
                           "has params bytes int returns int"));
    cvm_local_result_free(l);
    l = query(&c, "Wrong", "member", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_non_null(strstr(l->receipt.error.message,
                           "CallService _Cooperatives.isMember: the import declares params int bytes returns int; "
                           "the native method has params string bytes"));
    cvm_local_result_free(l);
    l = query(&c, "Wrong", "proposal", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_non_null(strstr(l->receipt.error.message,
                           "the import declares params int returns int; the native method has params int64 and "
                           "returned string bytes string int64 int64"));
    cvm_local_result_free(l);

    /* conversions the callee's types refuse: a negative uint64, a string that is not UTF-8 */
    b = tx1(&c, 1, "Wrong", "deploy", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(b->receipts[0].error.message,
                        "CallService _Deployments.deployService: argument 2 is -1; its uint64 parameter takes 0 or more");
    cvm_block_result_free(b);
    /* (the interpreter refuses it first, as the import's string) */
    l = query(&c, "Wrong", "info", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_TYPE_MISMATCH);
    assert_non_null(strstr(l->receipt.error.message, "not UTF-8"));
    cvm_local_result_free(l);

    /* untyped calls: a bytes cell, a bytes parameter, both refused */
    l = query(&c, "Caller", "untypedBytes", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_non_null(strstr(l->receipt.error.message, "CallService Old.add: argument 1 is bytes"));
    cvm_local_result_free(l);
    b = tx1(&c, 1, "Loose", "go", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_non_null(strstr(b->receipts[0].error.message, "CallService Token.transfer: parameter 1 is bytes"));
    cvm_block_result_free(b);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_bytes_state),
        cmocka_unit_test(test_key_too_long),
        cmocka_unit_test(test_bytes_state_across_calls),
        cmocka_unit_test(test_declared_event),
        cmocka_unit_test(test_typed_method_args_and_outputs),
        cmocka_unit_test(test_typed_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
