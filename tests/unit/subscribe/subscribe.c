/* Unit tests of the subscriber domain (src/subscribe/subscribe.c): the rate limit, address
 * and token checks, and who follows what. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "subscribe/subscribe.h"

static void rate_limit_per_address_and_minute(void **state)
{
    (void)state;
    static tc_subscribe_limiter_t l; /* zeroed: empty */
    int64_t t = INT64_C(1700000000000);
    for (int i = 0; i < 3; i++)
        assert_false(tc_subscribe_limited(&l, "192.0.2.1", 3, t));
    assert_true(tc_subscribe_limited(&l, "192.0.2.1", 3, t));
    assert_false(tc_subscribe_limited(&l, "192.0.2.2", 3, t)); /* another address */
    assert_false(tc_subscribe_limited(&l, "192.0.2.1", 3, t + 60000)); /* next minute */
    /* IPv6 counts by /64: rotating through one's own /64 does not help. */
    assert_false(tc_subscribe_limited(&l, "2001:db8:1:2::1", 2, t));
    assert_false(tc_subscribe_limited(&l, "2001:db8:1:2::ffff", 2, t));
    assert_true(tc_subscribe_limited(&l, "2001:db8:1:2:aaaa::3", 2, t));
    assert_false(tc_subscribe_limited(&l, "2001:db8:1:3::1", 2, t));
    /* Thousands of addresses reuse the oldest slots: memory stays bounded, and a fresh
     * address is never refused. */
    char addr[32];
    for (int i = 0; i < 5 * TC_SUBSCRIBE_LIMIT_SLOTS; i++) {
        snprintf(addr, sizeof addr, "10.0.%d.%d", i / 256, i % 256);
        assert_false(tc_subscribe_limited(&l, addr, 1, t + 120000 + i));
    }
}

static void email_addresses(void **state)
{
    (void)state;
    static const struct {
        const char *addr;
        bool ok;
    } cases[] = {
        {"alice@example.test", true},
        {"a.b+tag@sub.example.co", true},
        {"jürgen@bücher.example", true},
        {"nope", false},
        {"@example.test", false},
        {"a@b", false},
        {"a@@example.test", false},
        {"a b@example.test", false},
        {"a<b>@example.test", false},
        {"a@example..test", false},
        {"a@.example.test", false},
        {"a@example.test.", false},
        {"a@exa_mple.test", false},
        {"a\r\nBcc: x@example.test", false},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        if (tc_subscribe_valid_email(cases[k].addr) != cases[k].ok)
            fail_msg("%s: want %d", cases[k].addr, cases[k].ok);
    char longest[300];
    memset(longest, 'a', 60);
    snprintf(longest + 60, sizeof longest - 60, "@%0200d.test", 0);
    assert_false(tc_subscribe_valid_email(longest)); /* over 254 bytes */
}

static void confirm_tokens(void **state)
{
    (void)state;
    assert_true(tc_subscribe_valid_confirm_token("0123456789abcdef0123456789ABCDEF"));
    assert_false(tc_subscribe_valid_confirm_token("0123456789abcdef0123456789abcde"));
    assert_false(tc_subscribe_valid_confirm_token("0123456789abcdef0123456789abcdeg"));
    assert_false(tc_subscribe_valid_confirm_token(""));
}

static void who_follows_what(void **state)
{
    (void)state;
    const char *db[] = {"db"}, *both[] = {"api", "db"}, *web[] = {"web"};
    assert_true(tc_subscribe_follows(NULL, web, 1));          /* the whole page */
    assert_true(tc_subscribe_follows("[\"db\"]", NULL, 0));   /* a page-wide message */
    assert_true(tc_subscribe_follows("[\"db\"]", db, 1));
    assert_true(tc_subscribe_follows("[\"db\"]", both, 2));
    assert_false(tc_subscribe_follows("[\"db\"]", web, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rate_limit_per_address_and_minute),
        cmocka_unit_test(email_addresses),
        cmocka_unit_test(confirm_tokens),
        cmocka_unit_test(who_follows_what),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
