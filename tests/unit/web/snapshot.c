/* Unit tests for src/web/snapshot.c: ETags per coding, variants only when smaller, documents
 * shared between snapshots (by bytes or by a renderer's key), what outlives whom, and the
 * pages offered to be made on demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
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
    tc_snapshot_release(s);
}

/* A document whose bytes did not change is the same object in the next snapshot, compressed
 * once; a changed one is new. */
static void test_unchanged_documents_are_shared(void **state)
{
    (void)state;
    tc_snapshot_t *a = tc_snapshot_new(1);
    tc_snapshot_add(a, "/same", TC_ROUTE_PAGE, "text/html", text(5000, 'a'), 5000);
    tc_snapshot_add(a, "/changes", TC_ROUTE_PAGE, "text/html", text(5000, 'k'), 5000);
    tc_snapshot_add(a, "/gone", TC_ROUTE_PAGE, "text/html", text(100, 'g'), 100);
    tc_snapshot_seal(a);

    tc_snapshot_t *b = tc_snapshot_new(2);
    b->prev = a;
    tc_snapshot_add(b, "/same", TC_ROUTE_PAGE, "text/html", text(5000, 'a'), 5000);
    tc_snapshot_add(b, "/changes", TC_ROUTE_PAGE, "text/html", text(5001, 'k'), 5001);
    tc_snapshot_seal(b);
    assert_null(b->prev);

    const tc_doc_t *a1 = tc_snapshot_find(a, "/same"), *b1 = tc_snapshot_find(b, "/same");
    assert_ptr_equal(a1, b1);
    assert_int_equal(b1->holders, 2);
    const tc_doc_t *a2 = tc_snapshot_find(a, "/changes"), *b2 = tc_snapshot_find(b, "/changes");
    assert_ptr_not_equal(a2, b2);
    assert_string_not_equal(a2->var[TC_ENC_GZIP].etag, b2->var[TC_ENC_GZIP].etag);
    assert_null(tc_snapshot_find(b, "/gone"));

    /* The older snapshot goes; what the newer one shares stays whole. */
    tc_snapshot_release(a);
    assert_int_equal(b1->holders, 1);
    assert_int_equal(b1->var[TC_ENC_IDENTITY].len, 5000);
    assert_int_equal(b1->var[TC_ENC_IDENTITY].data[4999], 'a' + 4999 % 7);
    tc_snapshot_release(b);
}

/* A renderer's key lets a document be shared without rendering it; another key, or none,
 * does not. */
static void test_reuse_by_key(void **state)
{
    (void)state;
    tc_snapshot_t *a = tc_snapshot_new(1);
    tc_snapshot_add_keyed(a, "/incidents/x", TC_ROUTE_INCIDENT, "text/html", text(300, 'x'),
                          300, 42);
    tc_snapshot_add(a, "/nokey", TC_ROUTE_PAGE, "text/html", text(300, 'n'), 300);
    tc_snapshot_seal(a);
    tc_snapshot_t *b = tc_snapshot_new(2);
    b->prev = a;
    assert_false(tc_snapshot_reuse(b, "/incidents/x", 43));
    assert_false(tc_snapshot_reuse(b, "/nokey", 0));
    assert_false(tc_snapshot_reuse(b, "/elsewhere", 42));
    assert_true(tc_snapshot_reuse(b, "/incidents/x", 42));
    tc_snapshot_seal(b);
    assert_ptr_equal(tc_snapshot_find(a, "/incidents/x"), tc_snapshot_find(b, "/incidents/x"));
    assert_int_equal(b->ndocs, 1);
    tc_snapshot_release(a);
    tc_snapshot_release(b);
}

/* A response that still points into a document's bytes keeps them after every snapshot let
 * go; the HTTP server's responses are freed when the last snapshot does. */
static int served_freed;
static void count_served(void *p)
{
    served_freed++;
    free(p);
}

static void test_bytes_outlive_the_snapshots(void **state)
{
    (void)state;
    tc_snapshot_t *a = tc_snapshot_new(1);
    tc_snapshot_add(a, "/p", TC_ROUTE_PAGE, "text/html", text(2000, 'p'), 2000);
    tc_snapshot_seal(a);
    tc_doc_t *d = (tc_doc_t *)tc_snapshot_find(a, "/p");
    d->served = tc_malloc(8);
    d->served_free = count_served;
    tc_doc_ref(d); /* a response being sent */
    tc_snapshot_hold(a);
    tc_snapshot_release(a);
    assert_int_equal(served_freed, 0);
    tc_snapshot_release(a);
    assert_int_equal(served_freed, 1);
    assert_int_equal(d->var[TC_ENC_IDENTITY].data[0], 'p'); /* still readable */
    tc_doc_unref(d); /* the response is done: the bytes go (ASan would see a leak else) */
}

/* Thousands of documents are all found, by exact path only. */
static void test_find_among_many(void **state)
{
    (void)state;
    tc_snapshot_t *s = tc_snapshot_new(1);
    char path[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(path, sizeof path, "/incidents/%05d", i);
        tc_snapshot_add(s, path, TC_ROUTE_INCIDENT, "text/html", tc_strdup("x"), 1);
    }
    tc_snapshot_seal(s);
    for (int i = 0; i < 3000; i++) {
        snprintf(path, sizeof path, "/incidents/%05d", i);
        const tc_doc_t *d = tc_snapshot_find(s, path);
        assert_non_null(d);
        assert_string_equal(d->path, path);
    }
    assert_null(tc_snapshot_find(s, "/incidents/03000"));
    assert_null(tc_snapshot_find(s, "/incidents/0000"));
    tc_snapshot_release(s);
}

/* A large document is gzipped in chunks and not offered in brotli; its next version reuses
 * the chunks that did not change and is still the whole document once gunzipped. */
static void test_large_documents_chunked(void **state)
{
    (void)state;
    size_t len = 200000;
    char *v1 = text(len, 'a');
    for (size_t i = 0; i < len; i += 97)
        v1[i] = (char)('0' + (i / 97) % 10); /* less regular than text() alone */
    char *v2 = tc_malloc(len + 1);
    memcpy(v2, v1, len + 1);
    memcpy(v2 + 150000, "changed", 7);
    tc_snapshot_t *a = tc_snapshot_new(1);
    tc_snapshot_add(a, "/history", TC_ROUTE_HISTORY, "text/html", v1, len);
    tc_snapshot_seal(a);
    const tc_doc_t *d1 = tc_snapshot_find(a, "/history");
    assert_non_null(d1->var[TC_ENC_GZIP].data);
    assert_null(d1->var[TC_ENC_BR].data);
    assert_true(d1->ngz_chunks > 2);

    tc_snapshot_t *b = tc_snapshot_new(2);
    b->prev = a;
    tc_snapshot_add(b, "/history", TC_ROUTE_HISTORY, "text/html", v2, len);
    tc_snapshot_seal(b);
    const tc_doc_t *d2 = tc_snapshot_find(b, "/history");
    assert_ptr_not_equal(d1, d2);
    assert_string_not_equal(d1->var[TC_ENC_GZIP].etag, d2->var[TC_ENC_GZIP].etag);
    /* The first chunk, far above the change, is the same deflate. */
    assert_int_equal(d1->gz_chunks[0].out_len, d2->gz_chunks[0].out_len);
    assert_memory_equal(d1->var[TC_ENC_GZIP].data + d1->gz_chunks[0].out_off,
                        d2->var[TC_ENC_GZIP].data + d2->gz_chunks[0].out_off,
                        d1->gz_chunks[0].out_len);
    tc_snapshot_release(a);
    tc_snapshot_release(b);
}

/* Offered pages are known without being documents; an extended snapshot keeps the offers and
 * shares every document; trimming drops the pages made on demand that were used least
 * recently, and nothing else. */
static void test_offers_extend_and_trim(void **state)
{
    (void)state;
    tc_snapshot_t *a = tc_snapshot_new(1);
    tc_snapshot_add(a, "/", TC_ROUTE_PAGE, "text/html", text(3000, 'h'), 3000);
    char path[32];
    uint64_t hashes[101];
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof path, "/incidents/%03d", i);
        hashes[i] = tc_snapshot_path_hash(path);
    }
    hashes[100] = tc_snapshot_path_hash("/incidents/007"); /* twice is once */
    tc_offers_t *offers = tc_offers_new(hashes, 101);
    tc_snapshot_set_offers(a, offers);
    tc_offers_release(offers); /* the snapshot holds them */
    tc_snapshot_seal(a);
    assert_true(tc_snapshot_offers(a, "/incidents/042"));
    assert_false(tc_snapshot_offers(a, "/incidents/100"));
    assert_false(tc_snapshot_offers(a, "/"));
    assert_null(tc_snapshot_find(a, "/incidents/042"));

    /* Three pages made on demand, used at 10, 30 and 20 s. */
    tc_snapshot_t *b = tc_snapshot_extend(a, 2);
    tc_snapshot_add_on_demand(b, "/incidents/001", TC_ROUTE_INCIDENT, "text/html",
                              text(2000, 'a'), 2000, 11, 10000);
    tc_snapshot_add_on_demand(b, "/incidents/002", TC_ROUTE_INCIDENT, "text/html",
                              text(2000, 'b'), 2000, 12, 30000);
    tc_snapshot_add_on_demand(b, "/incidents/003", TC_ROUTE_INCIDENT, "text/html",
                              text(2000, 'c'), 2000, 13, 20000);
    tc_snapshot_seal(b);
    assert_ptr_equal(tc_snapshot_find(a, "/"), tc_snapshot_find(b, "/"));
    assert_true(tc_snapshot_offers(b, "/incidents/099"));
    assert_true(tc_snapshot_find(b, "/incidents/001")->on_demand);
    assert_false(tc_snapshot_find(b, "/")->on_demand);

    /* Room for two of them: the one used longest ago goes; "/" is never counted or dropped. */
    const tc_doc_t *one = tc_snapshot_find(b, "/incidents/001");
    size_t each = one->var[0].len + one->var[1].len + one->var[2].len;
    tc_snapshot_t *c = tc_snapshot_extend(b, 3);
    tc_snapshot_trim(c, 2 * each + each / 2);
    tc_snapshot_seal(c);
    assert_null(tc_snapshot_find(c, "/incidents/001"));
    assert_non_null(tc_snapshot_find(c, "/incidents/002"));
    assert_non_null(tc_snapshot_find(c, "/incidents/003"));
    assert_non_null(tc_snapshot_find(c, "/"));
    assert_true(tc_snapshot_offers(c, "/incidents/001"));
    tc_snapshot_t *d = tc_snapshot_extend(c, 4);
    tc_snapshot_trim(d, 0);
    tc_snapshot_seal(d);
    assert_null(tc_snapshot_find(d, "/incidents/002"));
    assert_non_null(tc_snapshot_find(d, "/"));
    tc_snapshot_release(a);
    tc_snapshot_release(b);
    tc_snapshot_release(c);
    tc_snapshot_release(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants_and_etags),
        cmocka_unit_test(test_unchanged_documents_are_shared),
        cmocka_unit_test(test_reuse_by_key),
        cmocka_unit_test(test_bytes_outlive_the_snapshots),
        cmocka_unit_test(test_find_among_many),
        cmocka_unit_test(test_offers_extend_and_trim),
        cmocka_unit_test(test_large_documents_chunked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
