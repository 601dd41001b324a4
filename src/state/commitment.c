/* commitment.c — the state commitment's entry encoding and update (commitment.h). */
#include "state/commitment.h"

#include <string.h>

#define TAG "coopvm-state-entry-1"

static void feed(cvm_sethash_elem *e, const uint8_t *p, size_t n)
{
    uint8_t len[8];
    uint64_t v = n;
    for (int i = 7; i >= 0; i--, v >>= 8)
        len[i] = (uint8_t)v;
    cvm_sethash_elem_update(e, len, sizeof len);
    cvm_sethash_elem_update(e, p, n);
}

void cvm_commitment_point(const uint8_t *service, size_t service_len, const uint8_t *key, size_t key_len,
                          const uint8_t *value, size_t value_len, uint8_t point[CVM_COMMITMENT_BYTES])
{
    cvm_sethash_elem e;
    cvm_sethash_elem_init(&e);
    cvm_sethash_elem_update(&e, TAG, strlen(TAG));
    feed(&e, service, service_len);
    feed(&e, key, key_len);
    feed(&e, value, value_len);
    cvm_sethash_elem_point(&e, point);
}

cvm_status cvm_commitment_update(uint8_t c[CVM_COMMITMENT_BYTES], const uint8_t *service, size_t service_len,
                                 const uint8_t *key, size_t key_len, const uint8_t *old, size_t old_len,
                                 const uint8_t *new_value, size_t new_len)
{
    if (old_len == new_len && (old_len == 0 || memcmp(old, new_value, old_len) == 0))
        return CVM_OK;
    uint8_t r[CVM_COMMITMENT_BYTES], p[CVM_COMMITMENT_BYTES];
    memcpy(r, c, sizeof r);
    if (old_len) {
        cvm_commitment_point(service, service_len, key, key_len, old, old_len, p);
        if (!cvm_sethash_sub(r, p))
            return CVM_ESTATE;
    }
    if (new_len) {
        cvm_commitment_point(service, service_len, key, key_len, new_value, new_len, p);
        if (!cvm_sethash_add(r, p))
            return CVM_ESTATE;
    }
    memcpy(c, r, sizeof r);
    return CVM_OK;
}
