/* block.c — block headers and transaction records (block.h, docs/blocks.md). */
#include "codec/block.h"

#include <stdio.h>
#include <string.h>

#include "crypto/hash.h"

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

_Static_assert(CVM_BLOCK_HEADER_BYTES == 4 + 8 + 8 + 5 * CVM_HASH_BYTES + 8, "the header's fields");

void cvm_block_header_encode(const cvm_block_header *h, uint8_t out[CVM_BLOCK_HEADER_BYTES])
{
    uint8_t *p = out;
    put_be(p, CVM_BLOCK_HEADER_VERSION, 4);
    put_be(p + 4, h->height, 8);
    put_be(p + 12, h->timestamp, 8);
    p += 20;
    const uint8_t *hashes[] = {h->prev_hash, h->tx_root, h->receipts_root, h->state_diff_hash, h->state_commitment};
    for (size_t i = 0; i < 5; i++, p += CVM_HASH_BYTES)
        memcpy(p, hashes[i], CVM_HASH_BYTES);
    put_be(p, h->ntxs, 8);
}

void cvm_block_hash(const cvm_block_header *h, uint8_t out[CVM_HASH_BYTES])
{
    uint8_t enc[CVM_BLOCK_HEADER_BYTES];
    cvm_block_header_encode(h, enc);
    cvm_sha256(enc, sizeof enc, out);
}

cvm_status cvm_block_tx_record(cvm_buf *out, const cvm_transaction *tx, uint8_t hash[CVM_HASH_BYTES],
                               cvm_hash_lookup_fn lookup, void *ud)
{
    size_t mark = out->len;
    cvm_buf_byte(out, CVM_TX_FORM_UNSIGNED);
    size_t start = out->len;
    cvm_status st = cvm_tx_encode(out, tx, NULL, 0);
    if (st == CVM_ENOMEM)
        return st;
    if (st != CVM_OK) { /* no canonical encoding: the receipt says why it did not run */
        out->len = mark;
        cvm_buf_byte(out, CVM_TX_FORM_NONE);
        memset(hash, 0, CVM_HASH_BYTES);
        return cvm_buf_ok(out) ? CVM_OK : CVM_ENOMEM;
    }
    if (!cvm_buf_ok(out))
        return CVM_ENOMEM;
    if (!lookup || !lookup(ud, out->data + start, out->len - start, hash))
        cvm_sha256(out->data + start, out->len - start, hash);
    if (tx->signature) {
        out->data[mark] = CVM_TX_FORM_SIGNED;
        cvm_buf_put(out, tx->signature, CVM_SIGNATURE_BYTES);
    }
    return cvm_buf_ok(out) ? CVM_OK : CVM_ENOMEM;
}

cvm_status cvm_block_tx_record_decode(const cvm_allocator *al, const uint8_t *p, size_t n, cvm_block_tx *out,
                                      cvm_tx_decoded *dec, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    memset(dec, 0, sizeof *dec);
    if (n == 0 || p[0] > CVM_TX_FORM_SIGNED || (p[0] == CVM_TX_FORM_NONE) != (n == 1)) {
        if (err && errcap)
            snprintf(err, errcap, n == 0 ? "an empty transaction record" : "transaction record form %u with %zu bytes",
                     n ? (unsigned)p[0] : 0u, n ? n - 1 : 0);
        return CVM_EINPUT;
    }
    if (p[0] == CVM_TX_FORM_NONE)
        return CVM_OK;
    bool sig = p[0] == CVM_TX_FORM_SIGNED;
    out->bytes = p + 1;
    out->len = n - 1;
    out->is_signed = sig;
    cvm_status st = cvm_tx_decode(al, p + 1, n - 1, sig, dec, err, errcap);
    if (st != CVM_OK)
        return st;
    out->tx = dec->tx;
    cvm_sha256(p + 1, n - 1 - (sig ? CVM_SIGNATURE_BYTES : 0), out->hash);
    return CVM_OK;
}
