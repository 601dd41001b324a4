/*
 * test_mempool.c — the durable mempool (src/node/mempool.h) driven
 * directly: a hash reserved by an admission in progress refuses a second
 * admission of it but is not yet pending (mempool_has), since it is not
 * written and could still be lost; unreserving frees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "coopvm.h"
#include "node/mempool.h"

static void rm_rf(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        print_message("could not remove %s\n", dir);
}

static void test_reserved_is_not_pending(void **state)
{
    (void)state;
    char dir[64] = "/tmp/coopvm-test-mempool-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char mpdir[128];
    snprintf(mpdir, sizeof mpdir, "%s/mempool", dir);
    mempool *m = NULL;
    char err[256] = "";
    assert_int_equal(mempool_open(mpdir, 10, 1u << 20, &m, err, sizeof err), CVM_OK);
    uint8_t hash[CVM_HASH_BYTES];
    memset(hash, 0xab, sizeof hash);
    assert_false(mempool_has(m, hash));
    assert_int_equal(mempool_reserve(m, hash, 100), MP_ADDED);
    /* being admitted: a second admission is refused, but it is not pending */
    assert_int_equal(mempool_reserve(m, hash, 100), MP_DUPLICATE);
    assert_false(mempool_has(m, hash));
    size_t count = 0, bytes = 0;
    mempool_usage(m, &count, &bytes);
    assert_int_equal(count, 1);
    assert_int_equal(bytes, 100);
    assert_int_equal(mempool_count(m), 0);
    mempool_unreserve(m, hash, 100);
    assert_false(mempool_has(m, hash));
    assert_int_equal(mempool_reserve(m, hash, 100), MP_ADDED);
    mempool_unreserve(m, hash, 100);
    mempool_close(m);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserved_is_not_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
