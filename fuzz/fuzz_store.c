/*
 * fuzz_store.c — fuzzes the LMDB store's readers on damaged files: the
 * input damages bytes of a real data.mdb (never its size), and the store
 * is opened read-only and read the way `coopvm events` and the VM read it.
 *
 * The store is made once per process (harness state) in a temporary
 * directory by the public API: genesis, a contract deployed, and blocks of
 * transactions that store values and emit events. Each input is a list of
 * 5-byte damages: a 4-byte little-endian offset (taken modulo the file's
 * size) and a byte XORed into the file there (0 means 0xff). The damaged
 * copy is written to a second directory beside the store's lock file.
 *
 * The property is that nothing crashes, hangs or leaks: a refused open, a
 * refused read and a damaged event record are clean errors with a message;
 * whatever is read is used as any reader would (the store verified as
 * `coopvm verify` does, the event history decoded and filtered, state
 * values read, transaction hashes looked up, a local call run); the
 * undamaged file verifies without a problem. With COOPVM_FUZZ_SHOW set in the environment, what happened is
 * printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "codec/tx.h"
#include "coopvm.h"
#include "crypto/sign.h"
#include "state/lmdbstore.h"
#include "state/store.h"
#include "state/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* Harness state, made once: the directories and the pristine file. */
static char made[64], damaged[64];
static uint8_t *pristine; /* owned: the bytes of made/data.mdb */
static size_t pristine_len;

static void remove_dirs(void)
{
    char p[96];
    const char *dirs[2] = {made, damaged};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/data.mdb", dirs[i]);
        remove(p);
        snprintf(p, sizeof p, "%s/lock.mdb", dirs[i]);
        remove(p);
        rmdir(dirs[i]);
    }
    free(pristine);
}

static const char *CONTRACT = ".contract Tally\n"
                              ".method add params 1\n"
                              "  Load \"total\"\n  Add\n  Dup\n  Store \"total\"\n  Dup\n  Emit \"Added\"\n"
                              "  Dup\n  Store\n  Load \"total\"\n"
                              ".method total readonly\n  Load \"total\"\n";

static void must(cvm_status st, const char *what, const char *detail)
{
    if (st != CVM_OK)
        fail(what, detail);
}

/* Plays genesis, the deployment and 4 blocks of 3 additions each. */
static void make_chain(cvm_store *s)
{
    cvm_vm *vm = NULL;
    cvm_vm_options o = {0};
    o.threads = 1;
    must(cvm_vm_new(&o, s, &vm), "the VM starts", NULL);
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    cvm_dev_keypair("account1", pk, sk);
    cvm_genesis_account acc = {.reputation = 100, .admin = 1};
    cvm_address_of_key(pk, acc.address);
    cvm_block_result *b = NULL;
    must(cvm_vm_genesis(vm, 1000, &acc, 1, &b), "genesis", cvm_vm_errmsg(vm));
    must(cvm_vm_commit(vm, b), "genesis commits", cvm_vm_errmsg(vm));
    cvm_block_result_free(b);

    cvm_module *m = NULL;
    uint8_t *code = NULL;
    size_t len = 0;
    must(cvm_assemble(NULL, CONTRACT, strlen(CONTRACT), "tally.asm", NULL, NULL, &m, NULL), "the contract assembles",
         NULL);
    must(cvm_module_encode(m, &code, &len), "the contract encodes", NULL);
    cvm_module_free(m);
    for (int h = 2; h <= 6; h++) {
        cvm_arg args[3][3];
        cvm_transaction t[3];
        uint8_t sig[3][CVM_SIGNATURE_BYTES];
        size_t n = h == 2 ? 1 : 3;
        for (size_t i = 0; i < n; i++) {
            memset(&t[i], 0, sizeof t[i]);
            t[i].protocol_version = CVM_PROTOCOL_VERSION;
            t[i].timestamp = (uint64_t)h * 1000 + i;
            t[i].signer_scheme = CVM_SCHEME_ED25519;
            memcpy(t[i].signer_key, pk, sizeof pk);
            if (h == 2) {
                args[i][0] = cvm_arg_stringn("Tally", 5);
                args[i][1] = cvm_arg_uint64(CVM_PROCESSOR_BYTECODE);
                args[i][2] = cvm_arg_bytes(code, len);
                t[i].service = "_Deployments";
                t[i].method = "deployService";
                t[i].nargs = 3;
            } else {
                args[i][0] = cvm_arg_int64((int64_t)(h * 10 + i));
                t[i].service = "Tally";
                t[i].method = "add";
                t[i].nargs = 1;
            }
            t[i].args = args[i];
            must(cvm_tx_sign(NULL, &t[i], sk, sig[i], NULL), "a transaction signs", NULL);
            t[i].signature = sig[i];
        }
        must(cvm_vm_process_transaction_set(vm, (uint64_t)h, (uint64_t)h * 1000, t, n, &b), "a block runs",
             cvm_vm_errmsg(vm));
        for (size_t i = 0; i < n; i++)
            if (b->receipts[i].status != CVM_SUCCESS)
                fail("a transaction of the chain succeeds", b->receipts[i].error.message);
        must(cvm_vm_commit(vm, b), "a block commits", cvm_vm_errmsg(vm));
        cvm_block_result_free(b);
    }
    cvm_free(NULL, code);
    cvm_vm_free(vm);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        fail("a file is written", path);
}

static void make_store(void)
{
    snprintf(made, sizeof made, "/tmp/coopvm-fuzz-store-XXXXXX");
    snprintf(damaged, sizeof damaged, "/tmp/coopvm-fuzz-store-XXXXXX");
    if (!mkdtemp(made) || !mkdtemp(damaged))
        fail("a temporary directory", made);
    atexit(remove_dirs);
    cvm_store *s = NULL;
    cvm_errmsg err;
    must(cvm_lmdbstore_open(NULL, made, &s, &err), "the store opens", err.text);
    make_chain(s);
    cvm_store_close(s);
    char p[96];
    snprintf(p, sizeof p, "%s/data.mdb", made);
    FILE *f = fopen(p, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0)
        fail("the store's file reads", p);
    long n = ftell(f);
    rewind(f);
    pristine_len = n > 0 ? (size_t)n : 0;
    pristine = malloc(pristine_len ? pristine_len : 1);
    if (!pristine || fread(pristine, 1, pristine_len, f) != pristine_len)
        fail("the store's file reads", p);
    fclose(f);
    /* the lock file as LMDB left it: the damaged copy is never written, so
     * every input starts from the same one */
    snprintf(p, sizeof p, "%s/lock.mdb", made);
    f = fopen(p, "rb");
    char q[96];
    snprintf(q, sizeof q, "%s/lock.mdb", damaged);
    if (f) {
        uint8_t buf[65536];
        size_t k = fread(buf, 1, sizeof buf, f);
        fclose(f);
        write_file(q, buf, k);
    }
}

typedef struct seen {
    size_t events;
    uint64_t last_height;
} seen;

static int on_event(void *ud, uint64_t height, uint64_t tx, const cvm_event *ev)
{
    seen *s = ud;
    (void)tx;
    if (!ev->service || !ev->name || (ev->nfields && !ev->fields))
        fail("a delivered event is whole", NULL);
    if (height < s->last_height)
        fail("the history comes in height order", NULL);
    s->last_height = height;
    s->events++;
    return 0;
}

static int on_record(void *ud, uint64_t height, uint64_t index, const uint8_t *p, size_t len)
{
    (void)height, (void)index;
    if (len && !p)
        fail("a record has its bytes", NULL);
    ++*(size_t *)ud;
    return 0;
}

static void on_problem(void *ud, const char *problem)
{
    if (!problem || !problem[0])
        fail("a verification problem has a message", NULL);
    if (*(bool *)ud)
        fprintf(stderr, "verify: %s\n", problem);
}

/* Everything a reader does with an opened store; nothing may crash. With
 * show, what happened is printed. undamaged: the file is the pristine one,
 * which verifies. */
static void read_all(cvm_store *s, bool show, bool undamaged)
{
    cvm_verify_report rep;
    memset(&rep, 0, sizeof rep);
    cvm_status vst = cvm_store_verify(s, on_problem, &show, &rep);
    if (vst != CVM_OK && vst != CVM_ENOMEM && !cvm_store_errmsg(s)[0])
        fail("a failed verification gets a message", cvm_status_name(vst));
    if (undamaged && (vst != CVM_OK || rep.problems))
        fail("the undamaged store verifies", cvm_store_errmsg(s));
    if (show)
        fprintf(stderr, "verify: %s, %llu problems\n", cvm_status_name(vst), (unsigned long long)rep.problems);

    static const cvm_event_query queries[] = {
        {.from = 0}, {.service = "Tally", .name = "Added"}, {.service = "_Deployments", .from = 2, .to = 3}, {.from = 4, .to = 4}};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        seen sn = {0, 0};
        cvm_status st = cvm_store_events_query(s, &queries[i], on_event, &sn);
        if (st != CVM_OK && st != CVM_ENOMEM && !cvm_store_errmsg(s)[0])
            fail("a refused history query gets a message", cvm_status_name(st));
        if (show)
            fprintf(stderr, "query %zu: %s, %zu events %s\n", i, cvm_status_name(st), sn.events, cvm_store_errmsg(s));
    }
    size_t records = 0;
    cvm_status st = cvm_store_events(s, 0, cvm_store_height(s), on_record, &records);
    if (st != CVM_OK && st != CVM_ENOMEM && !cvm_store_errmsg(s)[0])
        fail("a refused event walk gets a message", cvm_status_name(st));

    static const char *const keys[][2] = {{"Tally", "total"}, {"Tally", "30"}, {"Tally", "nothing"},
                                          {"_Deployments", "Tally"}, {"_Reputation", "x"}};
    cvm_buf v;
    cvm_buf_init(&v, NULL);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        bool found = false;
        st = cvm_store_read(s, cvm_store_height(s), (const uint8_t *)keys[i][0], strlen(keys[i][0]),
                            (const uint8_t *)keys[i][1], strlen(keys[i][1]), &v, &found);
        if (st != CVM_OK && st != CVM_ENOMEM && !cvm_store_errmsg(s)[0])
            fail("a refused read gets a message", cvm_status_name(st));
        if (show)
            fprintf(stderr, "read %s.%s: %s, %s, %zu bytes\n", keys[i][0], keys[i][1], cvm_status_name(st),
                    found ? "found" : "absent", v.len);
    }
    cvm_buf_free(&v);
    uint8_t hash[CVM_SHA256_BYTES] = {1, 2, 3};
    cvm_store_tx tx;
    bool found = false;
    st = cvm_store_tx_find(s, hash, &tx, &found);
    if (st != CVM_OK && st != CVM_ENOMEM && !cvm_store_errmsg(s)[0])
        fail("a refused lookup gets a message", cvm_status_name(st));

    /* a local call reads the state through the VM */
    cvm_vm *vm = NULL;
    cvm_vm_options o = {0};
    o.threads = 1;
    if (cvm_vm_new(&o, s, &vm) != CVM_OK)
        return;
    cvm_transaction t;
    memset(&t, 0, sizeof t);
    t.protocol_version = CVM_PROTOCOL_VERSION;
    t.service = "Tally";
    t.method = "total";
    cvm_local_result *r = NULL;
    if (cvm_vm_run_local_method(vm, &t, &r) == CVM_OK) {
        if (show)
            fprintf(stderr, "Tally.total: %s %s %lld\n", cvm_exec_status_name(r->receipt.status),
                    r->receipt.error.message, r->receipt.noutputs ? (long long)r->receipt.outputs[0].v.i64 : 0);
        cvm_local_result_free(r);
    } else if (!cvm_vm_errmsg(vm)[0])
        fail("a failed local call gets a message", NULL);
    cvm_vm_free(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pristine)
        make_store();
    uint8_t *file = malloc(pristine_len ? pristine_len : 1);
    if (!file)
        return 0;
    memcpy(file, pristine, pristine_len);
    bool undamaged = true;
    for (size_t i = 0; i + 5 <= size && pristine_len; i += 5) {
        undamaged = false;
        uint32_t off = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 |
                       (uint32_t)data[i + 3] << 24;
        file[off % pristine_len] ^= data[i + 4] ? data[i + 4] : 0xff;
    }
    char p[96];
    snprintf(p, sizeof p, "%s/data.mdb", damaged);
    write_file(p, file, pristine_len);
    free(file);

    cvm_store *s = NULL;
    cvm_errmsg err;
    cvm_status st = cvm_lmdbstore_open_readonly(NULL, damaged, &s, &err);
    bool show = getenv("COOPVM_FUZZ_SHOW") != NULL;
    if (show)
        fprintf(stderr, "open of a %zu-byte file: %s %s (height %llu)\n", pristine_len, cvm_status_name(st), err.text,
                s ? (unsigned long long)cvm_store_height(s) : 0ull);
    if (st != CVM_OK) {
        if (s || !err.text[0])
            fail("a refused open gets a message and no handle", err.text);
        return 0;
    }
    read_all(s, show, undamaged);
    cvm_store_close(s);
    return 0;
}
