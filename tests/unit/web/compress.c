/* Unit tests for src/web/compress.c: the chunked gzip is one valid gzip stream of the
 * document's bytes (checked with zlib's own inflate), and a new version of a document copies
 * the deflate of the chunks it shares with the previous one whatever was inserted or changed
 * above or below them (issue 16: a large document that changes a little costs a little). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "web/compress.h"

/* @p n bytes of history-like HTML: entries that differ in their numbers. */
static char *entries(size_t n, unsigned seed)
{
    char *p = tc_malloc(n + 1);
    size_t at = 0;
    for (unsigned k = seed; at < n; k++) {
        char e[256];
        int m = snprintf(e, sizeof e,
                         "<article class=\"incident\"><h4><a href=\"/incidents/i%07u\">Incident "
                         "%u on service %u</a></h4><p>Resolved after %u minutes; %u calls "
                         "failed.</p></article>\n",
                         k, k, k % 13, (k * 7) % 97, (k * 31) % 1009);
        size_t take = (size_t)m < n - at ? (size_t)m : n - at;
        memcpy(p + at, e, take);
        at += take;
    }
    p[n] = '\0';
    return p;
}

static void assert_gunzips_to(const char *gz, size_t gzlen, const char *want, size_t len)
{
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    char *out = tc_malloc(len + 16);
    z.next_in = (Bytef *)gz;
    z.avail_in = (uInt)gzlen;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)(len + 16);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END); /* CRC and length checked too */
    assert_int_equal(z.total_out, len);
    assert_int_equal(z.avail_in, 0);
    assert_memory_equal(out, want, len);
    inflateEnd(&z);
    free(out);
}

/* How many chunks of @p b have deflate bytes equal to some chunk of @p a's. */
static size_t copied(const char *agz, const tc_gzip_chunk_t *a, size_t na, const char *bgz,
                     const tc_gzip_chunk_t *b, size_t nb)
{
    size_t same = 0;
    for (size_t i = 0; i < nb; i++)
        for (size_t j = 0; j < na; j++)
            if (a[j].out_len == b[i].out_len &&
                memcmp(agz + a[j].out_off, bgz + b[i].out_off, a[j].out_len) == 0) {
                same++;
                break;
            }
    return same;
}

static void test_chunked_gzip_is_one_stream(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, 100, 8191, 8192, 70000, 400000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        char *doc = entries(sizes[s], 1);
        size_t gzlen = 0, n = 0;
        tc_gzip_chunk_t *c = NULL;
        char *gz = tc_compress_gzip_chunked(doc, sizes[s], NULL, &gzlen, &c, &n);
        assert_non_null(gz);
        assert_gunzips_to(gz, gzlen, doc, sizes[s]);
        if (sizes[s] > 8192) {
            assert_true(n > 1);
            assert_true(gzlen < sizes[s] / 3); /* each chunk primed: it still compresses */
        }
        free(c);
        free(gz);
        free(doc);
    }
}

static void test_next_version_copies_what_did_not_change(void **state)
{
    (void)state;
    size_t len = 600000;
    char *v1 = entries(len, 1);
    size_t gz1len, n1;
    tc_gzip_chunk_t *c1;
    char *gz1 = tc_compress_gzip_chunked(v1, len, NULL, &gz1len, &c1, &n1);
    assert_true(n1 > 10);

    /* A new entry on top and one edited in the middle, as a write does to the history. */
    const char *top = "<article class=\"incident\"><h4>A new incident</h4></article>\n";
    size_t len2 = strlen(top) + len;
    char *v2 = tc_malloc(len2 + 1);
    memcpy(v2, top, strlen(top));
    memcpy(v2 + strlen(top), v1, len + 1);
    memcpy(v2 + len2 / 2, "EDITED", 6);
    tc_gzip_prev_t prev = {v1, len, gz1, c1, n1};
    size_t gz2len, n2;
    tc_gzip_chunk_t *c2;
    char *gz2 = tc_compress_gzip_chunked(v2, len2, &prev, &gz2len, &c2, &n2);
    assert_non_null(gz2);
    assert_gunzips_to(gz2, gz2len, v2, len2);
    /* Only the chunks around the two changes (each with the one whose window it reaches)
     * are compressed again. */
    assert_true(copied(gz1, c1, n1, gz2, c2, n2) >= n2 - 6);

    /* Compared with itself, everything is copied; with unrelated bytes, nothing. */
    tc_gzip_prev_t same = {v2, len2, gz2, c2, n2};
    size_t gz3len, n3;
    tc_gzip_chunk_t *c3;
    char *gz3 = tc_compress_gzip_chunked(v2, len2, &same, &gz3len, &c3, &n3);
    assert_int_equal(gz3len, gz2len);
    assert_memory_equal(gz3, gz2, gz2len);
    char *other = entries(len, 100000);
    size_t gz4len, n4;
    tc_gzip_chunk_t *c4;
    char *gz4 = tc_compress_gzip_chunked(other, len, &same, &gz4len, &c4, &n4);
    assert_gunzips_to(gz4, gz4len, other, len);
    assert_int_equal(copied(gz2, c2, n2, gz4, c4, n4), 0);

    free(c1);
    free(c2);
    free(c3);
    free(c4);
    free(gz1);
    free(gz2);
    free(gz3);
    free(gz4);
    free(v1);
    free(v2);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunked_gzip_is_one_stream),
        cmocka_unit_test(test_next_version_copies_what_did_not_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
