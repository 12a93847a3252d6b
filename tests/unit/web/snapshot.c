/* Unit tests for src/web/snapshot.c: ETags per coding, variants only when smaller, and the
 * compression cache that lets an unchanged document skip recompression across snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "web/compress.h"
#include "web/snapshot.h"

static char *text(size_t n, char fill)
{
    char *p = tc_malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)(fill + (i % 7));
    p[n] = '\0';
    return p;
}

static void test_variants_and_etags(void **state)
{
    (void)state;
    tc_snapshot_t *s = tc_snapshot_new(1);
    tc_snapshot_add(s, "/big", TC_ROUTE_PAGE, "text/html", text(4000, 'a'), 4000);
    tc_snapshot_add(s, "/tiny", TC_ROUTE_STATUS, "text/plain", tc_strdup("x"), 1);
    tc_snapshot_seal(s);
    const tc_doc_t *big = tc_snapshot_find(s, "/big");
    const tc_doc_t *tiny = tc_snapshot_find(s, "/tiny");
    assert_non_null(big);
    assert_non_null(big->var[TC_ENC_GZIP].data);
    assert_non_null(big->var[TC_ENC_BR].data);
    assert_true(big->var[TC_ENC_GZIP].len < 4000);
    assert_string_not_equal(big->var[TC_ENC_IDENTITY].etag, big->var[TC_ENC_GZIP].etag);
    assert_null(tiny->var[TC_ENC_GZIP].data); /* one byte never compresses smaller */
    assert_null(tc_snapshot_find(s, "/nope"));
    tc_snapshot_free(s);
}

static void test_cache_reuses_unchanged_documents(void **state)
{
    (void)state;
    tc_snapshot_cache_t *cache = tc_snapshot_cache_new();
    tc_snapshot_t *a = tc_snapshot_new(1);
    a->cache = cache;
    tc_snapshot_add(a, "/same", TC_ROUTE_PAGE, "text/html", text(5000, 'a'), 5000);
    tc_snapshot_add(a, "/changes", TC_ROUTE_PAGE, "text/html", text(5000, 'k'), 5000);
    tc_snapshot_seal(a);

    tc_snapshot_t *b = tc_snapshot_new(2);
    b->cache = cache;
    tc_snapshot_add(b, "/same", TC_ROUTE_PAGE, "text/html", text(5000, 'a'), 5000);
    tc_snapshot_add(b, "/changes", TC_ROUTE_PAGE, "text/html", text(5001, 'k'), 5001);
    tc_snapshot_seal(b);

    const tc_doc_t *a1 = tc_snapshot_find(a, "/same"), *b1 = tc_snapshot_find(b, "/same");
    assert_int_equal(a1->var[TC_ENC_BR].len, b1->var[TC_ENC_BR].len);
    assert_memory_equal(a1->var[TC_ENC_BR].data, b1->var[TC_ENC_BR].data, a1->var[TC_ENC_BR].len);
    assert_string_equal(a1->var[TC_ENC_GZIP].etag, b1->var[TC_ENC_GZIP].etag);
    /* Copies, not shared buffers: each snapshot owns (and hands on) its own bytes. */
    assert_ptr_not_equal(a1->var[TC_ENC_GZIP].data, b1->var[TC_ENC_GZIP].data);

    /* The changed document was compressed anew and decompresses to its own bytes. */
    const tc_doc_t *b2 = tc_snapshot_find(b, "/changes");
    assert_string_not_equal(tc_snapshot_find(a, "/changes")->var[TC_ENC_GZIP].etag,
                            b2->var[TC_ENC_GZIP].etag);
    tc_snapshot_free(a);
    tc_snapshot_free(b);
    tc_snapshot_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants_and_etags),
        cmocka_unit_test(test_cache_reuses_unchanged_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
