/* Unit tests for the pure parts of src/web/http_server.c: accept_q() (Accept-Encoding
 * q-values), etag_matches() (If-None-Match, weak comparison) and the status-code index of
 * /metrics (the connection guard's tables and parsers are tested in http_guard.c). All are
 * static, so the source file is included. This does not clash with the copy in the static
 * tocsin_core library: the linker pulls an archive member only for a symbol still undefined,
 * and this file already defines every symbol of http_server.o, so that member is never
 * pulled (http_request.o and http_conn.o are, and find their tc_http__ symbols here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../../src/web/http_server.c"

static const struct accept_case {
    const char *header;
    const char *coding;
    int q; /* 0..1000 */
} accept_cases[] = {
    /* plain lists */
    {"gzip", "gzip", 1000},
    {"gzip", "br", 0},
    {"gzip, deflate, br", "br", 1000},
    {"gzip, deflate, br", "gzip", 1000},
    {"deflate", "gzip", 0},
    {"", "gzip", 0},
    {"identity", "gzip", 0},
    /* the name must match whole, not as a prefix or suffix */
    {"x-gzip", "gzip", 0},
    {"gzipx", "gzip", 0},
    {"brotli", "br", 0},
    {"b", "br", 0},
    /* q-values */
    {"gzip;q=0.5", "gzip", 500},
    {"gzip;q=0.5, br;q=0.8", "gzip", 500},
    {"gzip;q=0.5, br;q=0.8", "br", 800},
    {"br;q=1", "br", 1000},
    {"br;q=1.0", "br", 1000},
    {"br;q=1.000", "br", 1000},
    {"gzip;q=0.125", "gzip", 125},
    {"gzip;level=9;q=0.25", "gzip", 250},
    /* q=0 refuses */
    {"gzip;q=0", "gzip", 0},
    {"gzip;q=0.0", "gzip", 0},
    {"gzip;q=0.000, br", "gzip", 0},
    {"gzip;q=0.000, br", "br", 1000},
    /* "*" stands for any coding not named */
    {"*", "gzip", 1000},
    {"*", "br", 1000},
    {"*;q=0.3", "br", 300},
    {"gzip, *;q=0.2", "br", 200},
    {"gzip, *;q=0.2", "gzip", 1000},
    {"*, gzip;q=0", "gzip", 0},  /* named refusal beats the wildcard */
    {"gzip;q=0, *", "gzip", 0},  /* ... in either order */
    {"gzip;q=0, *", "br", 1000},
    {"*;q=0", "br", 0},
    {"*;q=0, br;q=0.5", "br", 500},
    /* case-insensitive names and q */
    {"GZIP", "gzip", 1000},
    {"Gzip;Q=0.5", "gzip", 500},
    {"BR;q=0", "br", 0},
    /* whitespace (OWS = spaces and tabs) around commas, semicolons and names */
    {"  gzip  ,  br  ", "br", 1000},
    {"gzip ; q=0.5", "gzip", 500},
    {"gzip ;q=0.5,br", "gzip", 500},
    {"gzip;  q=0.5 , br;q=0.7", "br", 700},
    {"deflate,\tbr", "br", 1000},
    {"\tgzip\t", "gzip", 1000},
    {"gzip\t;q=0", "gzip", 0},
    {",,gzip,,", "gzip", 1000},
};

/* OWS after ';' may be a tab (RFC 9110 §12.5.3: weight = OWS ";" OWS "q=" qvalue).
 * accept_q() skips only spaces there, so these read as q=1 (see the report). */
static const struct accept_case accept_tab_cases[] = {
    {"gzip;\tq=0", "gzip", 0},
    {"br;\tq=0.5", "br", 500},
};

static void run_accept(const struct accept_case *cases, size_t n)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        int q = accept_q(cases[i].header, cases[i].coding);
        if (q != cases[i].q) {
            print_message("accept_q(\"%s\", \"%s\") = %d, want %d\n", cases[i].header,
                          cases[i].coding, q, cases[i].q);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_accept_q(void **state)
{
    (void)state;
    run_accept(accept_cases, sizeof accept_cases / sizeof accept_cases[0]);
}

static void test_accept_q_tab_after_semicolon(void **state)
{
    (void)state;
    run_accept(accept_tab_cases, sizeof accept_tab_cases / sizeof accept_tab_cases[0]);
}

#define ETAG "\"0123456789abcdef\""
#define ETAG_GZ "\"0123456789abcdef-gz\""

static const struct etag_case {
    const char *header;
    const char *etag;
    int match;
} etag_cases[] = {
    /* exact */
    {ETAG, ETAG, 1},
    {ETAG_GZ, ETAG_GZ, 1},
    {"  " ETAG "  ", ETAG, 1},
    /* weak comparison: W/ is ignored */
    {"W/" ETAG, ETAG, 1},
    {"W/" ETAG_GZ, ETAG_GZ, 1},
    {"w/" ETAG, ETAG, 0}, /* the prefix is case-sensitive */
    /* lists */
    {"\"x\", " ETAG, ETAG, 1},
    {ETAG ", \"x\"", ETAG, 1},
    {"\"x\",W/" ETAG ",\"y\"", ETAG, 1},
    {"\"a\" ,\t\"b\" , " ETAG, ETAG, 1},
    {"\"a\", \"b\"", ETAG, 0},
    /* the wildcard */
    {"*", ETAG, 1},
    {"*", ETAG_GZ, 1},
    {" *", ETAG, 1},
    /* no match */
    {"", ETAG, 0},
    {ETAG, ETAG_GZ, 0},
    {ETAG_GZ, ETAG, 0},
    {"\"0123456789abcde\"", ETAG, 0},
    {"\"0123456789abcdef0\"", ETAG, 0},
    {"0123456789abcdef", ETAG, 0},   /* unquoted */
    {"\"0123456789abcdef", ETAG, 0}, /* unterminated */
    {"W/", ETAG, 0},
    {",,,", ETAG, 0},
    /* a comma inside the quotes is part of the tag */
    {"\"a,b\"", "\"a,b\"", 1},
    {"\"a,b\"", "\"a\"", 0},
};

static void test_etag_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof etag_cases / sizeof etag_cases[0]; i++) {
        int m = etag_matches(etag_cases[i].header, etag_cases[i].etag);
        if (m != etag_cases[i].match)
            print_message("etag_matches('%s', '%s') = %d, want %d\n", etag_cases[i].header,
                          etag_cases[i].etag, m, etag_cases[i].match);
        assert_int_equal(m, etag_cases[i].match);
    }
}


/* Every code of the write API has its own counter (401, 422, 429 and 201 were "other"). */
static void test_code_index(void **state)
{
    (void)state;
    static const unsigned codes[] = {100, 200, 201, 204, 304, 400, 401, 403, 404, 405,
                                     409, 413, 422, 429, 500, 503, 599};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        int idx = code_index(codes[i]);
        assert_true(idx >= 0 && idx < (int)NCODES - 1);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(idx, code_index(codes[j]));
    }
    assert_int_equal(code_index(0), (int)NCODES - 1);
    assert_int_equal(code_index(99), (int)NCODES - 1);
    assert_int_equal(code_index(600), (int)NCODES - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_q),
        cmocka_unit_test(test_accept_q_tab_after_semicolon),
        cmocka_unit_test(test_etag_matches),
        cmocka_unit_test(test_code_index),
    };
    return cmocka_run_group_tests_name("web/http_server", tests, NULL, NULL);
}
