/* Unit tests for the pure parts of src/web/http_server.c: accept_q() (Accept-Encoding
 * q-values), etag_matches() (If-None-Match, weak comparison), the per-address connection
 * table (keys with IPv6 /64 grouping, counts, deletion), trusted proxy networks, the
 * forwarded-address parser and the status-code index of /metrics. All are static, so the
 * source file is included. This does not clash with the copy in the static tocsin_core
 * library: the linker pulls an archive member only for a symbol still undefined, and this
 * file already defines every symbol of http_server.o, so that member is never pulled. */
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

static struct sockaddr_in sin4(const char *text)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, text, &sa.sin_addr), 1);
    return sa;
}

static struct sockaddr_in6 sin6(const char *text)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
    return sa;
}

static addr_key_t key_of(const char *text)
{
    addr_key_t k;
    if (strchr(text, ':')) {
        struct sockaddr_in6 sa = sin6(text);
        assert_int_equal(addr_key((struct sockaddr *)&sa, &k), 0);
    } else {
        struct sockaddr_in sa = sin4(text);
        assert_int_equal(addr_key((struct sockaddr *)&sa, &k), 0);
    }
    return k;
}

static int same_key(const char *a, const char *b)
{
    addr_key_t ka = key_of(a), kb = key_of(b);
    return ka.hi == kb.hi && ka.lo == kb.lo;
}

/* Which addresses count as one client. */
static void test_addr_key_groups(void **state)
{
    (void)state;
    /* IPv6: one /64 is one client, whatever its interface id */
    assert_true(same_key("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assert_false(same_key("2001:db8:1:2::1", "2001:db8:1:3::1"));
    /* IPv4: exact addresses */
    assert_true(same_key("192.0.2.1", "192.0.2.1"));
    assert_false(same_key("192.0.2.1", "192.0.2.2"));
    /* an IPv4-mapped IPv6 address is the IPv4 client, not the ::ffff:0:0/64 prefix */
    assert_true(same_key("::ffff:192.0.2.1", "192.0.2.1"));
    assert_false(same_key("::ffff:192.0.2.1", "::ffff:192.0.2.2"));
    /* IPv4 keys never meet IPv6 ones, not even ::/64 */
    assert_false(same_key("0.0.0.0", "::1"));
    char text[64];
    addr_key_t k = key_of("2001:db8:1:2::99");
    key_text(&k, text, sizeof text);
    assert_string_equal(text, "2001:db8:1:2::/64");
    k = key_of("::ffff:10.1.2.3");
    key_text(&k, text, sizeof text);
    assert_string_equal(text, "10.1.2.3");
}

/* The table with every key in one probe run (a tiny table), deleting in every order: each
 * remaining key must keep its count (backward-shift deletion must not lose any). */
static void test_addr_table(void **state)
{
    (void)state;
    enum { N = 12 };
    static const int orders[][N] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
        {11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
        {5, 0, 11, 3, 8, 1, 10, 6, 2, 9, 4, 7},
    };
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        tc_http_t h = {0};
        addr_slot_t slots[16] = {{{0, 0}, 0}};
        h.slots = slots;
        h.nslots = 16;
        addr_key_t keys[N];
        for (int i = 0; i < N; i++) {
            char text[32];
            snprintf(text, sizeof text, "10.0.0.%d", i + 1);
            keys[i] = key_of(text);
            for (int c = 0; c <= i % 3; c++)
                assert_int_equal(table_add(&h, &keys[i]), 0);
        }
        for (int i = 0; i < N; i++)
            assert_int_equal(table_count(&h, &keys[i]), (unsigned)(i % 3 + 1));
        for (int step = 0; step < N; step++) {
            int victim = orders[o][step];
            for (int c = 0; c <= victim % 3; c++)
                table_del(&h, &keys[victim]);
            assert_int_equal(table_count(&h, &keys[victim]), 0);
            for (int rest = step + 1; rest < N; rest++) {
                int i = orders[o][rest];
                assert_int_equal(table_count(&h, &keys[i]), (unsigned)(i % 3 + 1));
            }
        }
        for (int i = 0; i < 16; i++)
            assert_int_equal(slots[i].count, 0);
        /* a full table refuses instead of looping */
        for (int i = 0; i < 16; i++) {
            addr_key_t k = {0, (uint64_t)i + 1};
            assert_int_equal(table_add(&h, &k), 0);
        }
        addr_key_t extra = {0, 99};
        assert_int_equal(table_add(&h, &extra), -1);
        assert_int_equal(table_count(&h, &extra), 0);
    }
}

static const struct proxy_case {
    const char *net;
    const char *peer;
    int trusted; /* -1: the network does not parse */
} proxy_cases[] = {
    {"127.0.0.1", "127.0.0.1", 1},
    {"127.0.0.1", "127.0.0.2", 0},
    {"10.0.0.0/8", "10.255.1.2", 1},
    {"10.0.0.0/8", "11.0.0.1", 0},
    {"192.168.1.128/25", "192.168.1.200", 1},
    {"192.168.1.128/25", "192.168.1.100", 0},
    {"0.0.0.0/0", "203.0.113.9", 1},
    {"10.0.0.1", "::ffff:10.0.0.1", 1}, /* IPv4 proxy reaching an IPv6 socket */
    {"fd00::/8", "fd12:3456::1", 1},
    {"fd00::/8", "fe80::1", 0},
    {"::1", "::1", 1},
    {"::1", "127.0.0.1", 0},
    {"10.0.0.0/33", NULL, -1},
    {"fd00::/129", NULL, -1},
    {"10.0.0.0/", NULL, -1},
    {"10.0.0.0/8x", NULL, -1},
    {"proxy.example", NULL, -1},
    {"", NULL, -1},
    {"/8", NULL, -1},
};

static void test_trusted_proxies(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof proxy_cases / sizeof proxy_cases[0]; i++) {
        const struct proxy_case *c = &proxy_cases[i];
        tc_http_t h = {0};
        int rc = parse_proxy_net(c->net, &h.proxies[0]);
        if (c->trusted < 0) {
            if (rc != -1)
                print_message("parse_proxy_net('%s') accepted\n", c->net);
            assert_int_equal(rc, -1);
            continue;
        }
        assert_int_equal(rc, 0);
        h.nproxies = 1;
        int got;
        if (strchr(c->peer, ':')) {
            struct sockaddr_in6 sa = sin6(c->peer);
            got = is_trusted_proxy(&h, (struct sockaddr *)&sa);
        } else {
            struct sockaddr_in sa = sin4(c->peer);
            got = is_trusted_proxy(&h, (struct sockaddr *)&sa);
        }
        if (got != c->trusted)
            print_message("%s trusts %s: %d, want %d\n", c->net, c->peer, got, c->trusted);
        assert_int_equal(got, c->trusted);
    }
}

static void test_last_forwarded(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        const char *client; /* NULL: not usable */
    } cases[] = {
        {"203.0.113.7", "203.0.113.7"},
        {"1.2.3.4, 203.0.113.7", "203.0.113.7"}, /* the client's own entries prove nothing */
        {"1.2.3.4,203.0.113.7  ", "203.0.113.7"},
        {" 2001:db8::1", "2001:db8::1"},
        {"203.0.113.7, ", NULL},
        {"203.0.113.7:443", NULL},
        {"unknown", NULL},
        {"", NULL},
        {"1.2.3.4, <script>", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64] = "peer";
        int rc = last_forwarded(cases[i].header, out, sizeof out);
        if (cases[i].client) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].client);
        } else {
            assert_int_equal(rc, -1);
            assert_string_equal(out, "peer"); /* left as it was */
        }
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
        cmocka_unit_test(test_addr_key_groups),
        cmocka_unit_test(test_addr_table),
        cmocka_unit_test(test_trusted_proxies),
        cmocka_unit_test(test_last_forwarded),
        cmocka_unit_test(test_code_index),
    };
    return cmocka_run_group_tests_name("web/http_server", tests, NULL, NULL);
}
