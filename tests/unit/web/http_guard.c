/* Unit tests for src/web/http_guard.c, the connection guard's pure parts: client address
 * keys (IPv6 /64 grouping, IPv4-mapped addresses), the per-address count table (counts,
 * backward-shift deletion, a full table), trusted proxy networks, the forwarded-address
 * parser, the summary line and the per-format rate limiting of log messages. Moved here
 * from tests/unit/web/http_server.c when the guard left http_server.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "web/http_guard.h"

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

static tc_http_guard_key_t key_of(const char *text)
{
    tc_http_guard_key_t k;
    if (strchr(text, ':')) {
        struct sockaddr_in6 sa = sin6(text);
        assert_int_equal(tc_http_guard_key((struct sockaddr *)&sa, &k), 0);
    } else {
        struct sockaddr_in sa = sin4(text);
        assert_int_equal(tc_http_guard_key((struct sockaddr *)&sa, &k), 0);
    }
    return k;
}

static int same_key(const char *a, const char *b)
{
    tc_http_guard_key_t ka = key_of(a), kb = key_of(b);
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
    tc_http_guard_key_t k = key_of("2001:db8:1:2::99");
    tc_http_guard_key_text(&k, text, sizeof text);
    assert_string_equal(text, "2001:db8:1:2::/64");
    k = key_of("::ffff:10.1.2.3");
    tc_http_guard_key_text(&k, text, sizeof text);
    assert_string_equal(text, "10.1.2.3");
}

/* Adding and deleting in several orders: each remaining key keeps its count (backward-shift
 * deletion must not lose any, also across the doublings of a table that started at 64
 * slots), and the table grows instead of filling. */
static void test_addr_table(void **state)
{
    (void)state;
    enum { N = 300 };
    for (int order = 0; order < 3; order++) {
        tc_http_guard_table_t h;
        tc_http_guard_table_init(&h, 20000);
        assert_int_equal(h.nslots, 64); /* small while few addresses are connected */
        static tc_http_guard_key_t keys[N];
        for (int i = 0; i < N; i++) {
            char text[32];
            snprintf(text, sizeof text, "10.0.%d.%d", i / 200, i % 200 + 1);
            keys[i] = key_of(text);
            for (int c = 0; c <= i % 3; c++)
                assert_int_equal(tc_http_guard_add(&h, &keys[i]), 0);
        }
        assert_true(h.nslots >= 2 * N && h.nused == N);
        for (int i = 0; i < N; i++)
            assert_int_equal(tc_http_guard_count(&h, &keys[i]), (unsigned)(i % 3 + 1));
        for (int step = 0; step < N; step++) {
            /* forwards, backwards, and a stride that jumps around */
            int victim = order == 0 ? step : order == 1 ? N - 1 - step : (step * 7) % N;
            for (int c = 0; c <= victim % 3; c++)
                tc_http_guard_del(&h, &keys[victim]);
            assert_int_equal(tc_http_guard_count(&h, &keys[victim]), 0);
            if (step % 37 == 0) {
                for (int rest = step + 1; rest < N; rest++) {
                    int i = order == 0 ? rest : order == 1 ? N - 1 - rest : (rest * 7) % N;
                    assert_int_equal(tc_http_guard_count(&h, &keys[i]),
                                     (unsigned)(i % 3 + 1));
                }
            }
        }
        assert_int_equal(h.nused, 0);
        for (size_t i = 0; i < h.nslots; i++)
            assert_int_equal(h.slots[i].count, 0);
        tc_http_guard_table_free(&h);
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
        tc_http_guard_net_t net;
        int rc = tc_http_guard_parse_net(c->net, &net);
        if (c->trusted < 0) {
            if (rc != TC_EINVAL)
                print_message("tc_http_guard_parse_net('%s') accepted\n", c->net);
            assert_int_equal(rc, TC_EINVAL);
            continue;
        }
        assert_int_equal(rc, 0);
        int got;
        if (strchr(c->peer, ':')) {
            struct sockaddr_in6 sa = sin6(c->peer);
            got = tc_http_guard_trusted(&net, 1, (struct sockaddr *)&sa);
        } else {
            struct sockaddr_in sa = sin4(c->peer);
            got = tc_http_guard_trusted(&net, 1, (struct sockaddr *)&sa);
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
        int rc = tc_http_guard_last_forwarded(cases[i].header, out, sizeof out);
        if (cases[i].client) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].client);
        } else {
            assert_int_equal(rc, TC_EINVAL);
            assert_string_equal(out, "peer"); /* left as it was */
        }
    }
}

/* The summary names each kind of event with its limit, "; "-separated, and is cut, not
 * overrun, when the buffer is short. */
static void test_summary(void **state)
{
    (void)state;
    tc_http_guard_limits_t lim = {8, 10000, 10000, 30000};
    unsigned long n[TC_HTTP_GUARD_EV_COUNT] = {3, 0, 2, 0};
    char msg[512];
    tc_http_guard_summary(n, &lim, "192.0.2.1", msg, sizeof msg);
    assert_string_equal(msg, "refused 3 connection(s) over per_ip_limit 8 (latest from "
                             "192.0.2.1); closed 2 connection(s) that did not send a "
                             "request's headers within header_timeout 10s");
    unsigned long all[TC_HTTP_GUARD_EV_COUNT] = {0, 1, 0, 4};
    tc_http_guard_summary(all, &lim, "", msg, sizeof msg);
    assert_string_equal(msg, "refused 1 connection(s) over connection_limit 10000; closed 4 "
                             "connection(s) that did not send a request body within "
                             "body_timeout 30s");
    char small[20];
    tc_http_guard_summary(n, &lim, "192.0.2.1", small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, "refused 3 connectio", sizeof small);
}

/* Each format at most once per period, with the count of the ones dropped; a seventeenth
 * format takes the slot written longest ago. */
static void test_msg_admit(void **state)
{
    (void)state;
    static const char fmt_a[] = "a %s", fmt_b[] = "b %s";
    static char others[TC_HTTP_GUARD_MSGS][8];
    tc_http_guard_msg_t msgs[TC_HTTP_GUARD_MSGS] = {{0}};
    unsigned long skipped = 99;
    int64_t since = 99;
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_a, 1000, &skipped, &since), 1);
    assert_int_equal(skipped, 0);
    assert_int_equal(since, 0);
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_a, 2000, &skipped, &since), 0);
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_a, 10999, &skipped, &since), 0);
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_b, 3000, &skipped, &since), 1);
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_a, 11000, &skipped, &since), 1);
    assert_int_equal(skipped, 2);
    assert_int_equal(since, 10000);
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_a, 21000, &skipped, &since), 1);
    assert_int_equal(skipped, 0);
    assert_int_equal(since, 10000);
    /* fill the other slots; b (written at 3000) is the oldest and gives way */
    for (int i = 0; i < TC_HTTP_GUARD_MSGS - 2; i++)
        assert_int_equal(tc_http_guard_msg_admit(msgs, others[i], 22000 + i, &skipped, &since),
                         1);
    assert_int_equal(tc_http_guard_msg_admit(msgs, others[TC_HTTP_GUARD_MSGS - 1], 40000,
                                             &skipped, &since), 1);
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_a, 40000, &skipped, &since), 1);
    assert_int_equal(since, 19000);
    assert_int_equal(tc_http_guard_msg_admit(msgs, fmt_b, 40001, &skipped, &since), 1);
    assert_int_equal(skipped, 0);
    assert_int_equal(since, 0); /* forgotten: its slot was reused */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_key_groups),
        cmocka_unit_test(test_addr_table),
        cmocka_unit_test(test_trusted_proxies),
        cmocka_unit_test(test_last_forwarded),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_msg_admit),
    };
    return cmocka_run_group_tests_name("web/http_guard", tests, NULL, NULL);
}
