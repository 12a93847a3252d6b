/* Unit tests for src/probe/probe_dns.c's pure parts: answer formatting from raw DNS
 * messages (including compression, truncation and lying lengths), rcode names and the
 * resolver address syntax. The .c is included to reach its statics (STYLE.md rule 21). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../../src/probe/probe_dns.c"

/* A DNS message under construction. */
typedef struct {
    unsigned char b[1024];
    int len;
} msg_t;

static void put(msg_t *m, const void *p, int n)
{
    memcpy(m->b + m->len, p, (size_t)n);
    m->len += n;
}

static void put16(msg_t *m, unsigned v)
{
    unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    put(m, x, 2);
}

/* "up.test" as labels; "" is the root. */
static void put_label_name(msg_t *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        int n = dot ? (int)(dot - name) : (int)strlen(name);
        unsigned char l = (unsigned char)n;
        put(m, &l, 1);
        put(m, name, n);
        name += n + (dot ? 1 : 0);
    }
    unsigned char z = 0;
    put(m, &z, 1);
}

/* Header plus the question "up.test" of @p qtype, with @p ancount answers to follow. */
static void start(msg_t *m, int rcode, unsigned ancount, int qtype)
{
    m->len = 0;
    put16(m, 0x1234);
    put16(m, 0x8180 | (unsigned)rcode);
    put16(m, 1);
    put16(m, ancount);
    put16(m, 0);
    put16(m, 0);
    put_label_name(m, "up.test");
    put16(m, (unsigned)qtype);
    put16(m, 1);
}

/* An answer owned by the question's name (a pointer to offset 12), with raw rdata. */
static void answer(msg_t *m, int type, const void *rdata, unsigned rdlen)
{
    put16(m, 0xc00c);
    put16(m, (unsigned)type);
    put16(m, 1);
    put16(m, 0);
    put16(m, 300);
    put16(m, rdlen);
    put(m, rdata, (int)rdlen);
}

static void check(msg_t *m, int qtype, int want_rc, const char *want_body, const char *want_ip)
{
    tc_buf_t body;
    tc_buf_init(&body, 4096);
    char ip[64] = "";
    int rc = format_answers(m->b, m->len, qtype, &body, ip, sizeof ip);
    assert_int_equal(rc, want_rc);
    assert_string_equal(body.data ? body.data : "", want_body);
    assert_string_equal(ip, want_ip);
    tc_buf_free(&body);
}

static void test_addresses(void **state)
{
    (void)state;
    msg_t m;
    static const unsigned char a1[4] = {127, 0, 0, 1}, a2[4] = {10, 1, 2, 3};
    start(&m, 0, 2, 1);
    answer(&m, 1, a1, 4);
    answer(&m, 1, a2, 4);
    check(&m, 1, 0, "127.0.0.1\n10.1.2.3", "127.0.0.1");

    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    start(&m, 0, 1, 28);
    answer(&m, 28, v6, 16);
    check(&m, 28, 0, "::1", "::1");

    /* An A query answered through a CNAME: only the address is the answer. */
    msg_t c;
    start(&c, 0, 2, 1);
    msg_t target = {.len = 0};
    put_label_name(&target, "real.test");
    answer(&c, 5, target.b, (unsigned)target.len);
    answer(&c, 1, a2, 4);
    check(&c, 1, 0, "10.1.2.3", "10.1.2.3");
}

static void test_names(void **state)
{
    (void)state;
    msg_t m;
    /* CNAME target compressed against the question name: "www" + pointer to offset 12. */
    static const unsigned char www[] = {3, 'w', 'w', 'w', 0xc0, 0x0c};
    start(&m, 0, 1, 5);
    answer(&m, 5, www, sizeof www);
    check(&m, 5, 0, "www.up.test", "");

    static const unsigned char mx[] = {0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 0x0c};
    start(&m, 0, 1, 15);
    answer(&m, 15, mx, sizeof mx);
    check(&m, 15, 0, "10 mail.up.test", "");

    static const unsigned char ns1[] = {3, 'n', 's', '1', 0xc0, 0x0c};
    static const unsigned char ns2[] = {3, 'n', 's', '2', 0xc0, 0x0c};
    start(&m, 0, 2, 2);
    answer(&m, 2, ns1, sizeof ns1);
    answer(&m, 2, ns2, sizeof ns2);
    check(&m, 2, 0, "ns1.up.test\nns2.up.test", "");
}

static void test_txt(void **state)
{
    (void)state;
    msg_t m;
    /* Two character-strings in one record are joined, as SPF and DKIM read them. */
    static const unsigned char txt[] = {6, 'v', '=', 's', 'p', 'f', '1', 5, ' ', '-', 'a', 'l',
                                        'l'};
    start(&m, 0, 1, 16);
    answer(&m, 16, txt, sizeof txt);
    check(&m, 16, 0, "v=spf1 -all", "");
    /* A string length running past the record is malformed. */
    static const unsigned char bad[] = {9, 'a', 'b'};
    start(&m, 0, 1, 16);
    answer(&m, 16, bad, sizeof bad);
    check(&m, 16, TC_EINVAL, "", "");
}

static void test_malformed(void **state)
{
    (void)state;
    msg_t m;
    static const unsigned char a1[4] = {127, 0, 0, 1};
    /* Too short for a header. */
    m.len = 5;
    check(&m, 1, TC_EINVAL, "", "");
    /* An answer count larger than what is there. */
    start(&m, 0, 3, 1);
    answer(&m, 1, a1, 4);
    check(&m, 1, TC_EINVAL, "127.0.0.1", "127.0.0.1");
    /* An rdlength past the end of the message. */
    start(&m, 0, 1, 1);
    answer(&m, 1, a1, 4);
    m.b[m.len - 5] = 200;
    check(&m, 1, TC_EINVAL, "", "");
    /* An A record of the wrong size. */
    start(&m, 0, 1, 1);
    answer(&m, 1, a1, 3);
    check(&m, 1, TC_EINVAL, "", "");
    /* A compression pointer to itself. */
    start(&m, 0, 1, 5);
    static const unsigned char loop[] = {0xc0, 0x00};
    answer(&m, 5, loop, sizeof loop);
    int at = m.len - 2;
    m.b[at] = 0xc0;
    m.b[at + 1] = (unsigned char)at;
    check(&m, 5, TC_EINVAL, "", "");
    /* NXDOMAIN with no answers is not malformed: an empty body. */
    start(&m, 3, 0, 1);
    check(&m, 1, 0, "", "");
}

static void test_rcode(void **state)
{
    (void)state;
    static const struct {
        int rcode;
        const char *name;
    } cases[] = {{0, "NOERROR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"}, {5, "REFUSED"},
                 {10, "NOTZONE"}, {11, "RCODE11"}, {15, "RCODE15"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[16];
        rcode_name(cases[i].rcode, out, sizeof out);
        assert_string_equal(out, cases[i].name);
    }
}

static void test_resolver(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out; /* NULL: refused */
    } cases[] = {
        {"127.0.0.1", "127.0.0.1:53"},
        {"127.0.0.1:5353", "127.0.0.1:5353"},
        {"::1", "[::1]:53"},
        {"[::1]", "[::1]:53"},
        {"[2001:db8::1]:5300", "[2001:db8::1]:5300"},
        {"dns.example", NULL},
        {"127.0.0.1:", NULL},
        {"127.0.0.1:0", NULL},
        {"127.0.0.1:70000", NULL},
        {"127.0.0.1:53x", NULL},
        {"[::1", NULL},
        {"[::1]x", NULL},
        {"[127.0.0.1]:53", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[MAX_RESOLVER];
        int rc = parse_resolver(cases[i].in, out, sizeof out);
        if (!cases[i].out) {
            assert_int_equal(rc, TC_EINVAL);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_string_equal(out, cases[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses), cmocka_unit_test(test_names),
        cmocka_unit_test(test_txt),       cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_rcode),     cmocka_unit_test(test_resolver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
