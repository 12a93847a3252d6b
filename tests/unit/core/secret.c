/* Unit tests for src/core/secret.c: signed tokens (round trip, tampering, wrong key or
 * purpose, malformed input) and the hex helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "core/secret.h"

static void sign_and_verify(void **state)
{
    (void)state;
    assert_int_equal(tc_secret_init(), 0);
    char token[128], data[32];
    tc_secret_sign("k1", "unsubscribe", "abc123", token, sizeof token);
    assert_int_equal(strlen(token), 6 + 1 + TC_SECRET_MAC_HEX);
    assert_int_equal(tc_secret_verify("k1", "unsubscribe", token, data, sizeof data), 0);
    assert_string_equal(data, "abc123");
    /* The same input signs the same way (links stay valid across restarts). */
    char again[128];
    tc_secret_sign("k1", "unsubscribe", "abc123", again, sizeof again);
    assert_string_equal(token, again);
}

static void refuses(void **state)
{
    (void)state;
    char token[128], data[32];
    tc_secret_sign("k1", "unsubscribe", "abc123", token, sizeof token);
    assert_int_equal(tc_secret_verify("k2", "unsubscribe", token, data, sizeof data), TC_EINVAL);
    assert_int_equal(tc_secret_verify("k1", "confirm", token, data, sizeof data), TC_EINVAL);
    char changed[128];
    strcpy(changed, token);
    changed[0] = 'x'; /* another subscriber id with the old MAC */
    assert_int_equal(tc_secret_verify("k1", "unsubscribe", changed, data, sizeof data), TC_EINVAL);
    strcpy(changed, token);
    changed[strlen(changed) - 1] ^= 1;
    assert_int_equal(tc_secret_verify("k1", "unsubscribe", changed, data, sizeof data), TC_EINVAL);
    static const char *const bad[] = {"", ".", "abc", "abc.", ".0123456789abcdef0123456789abcdef",
                                      "abc.00", NULL};
    for (const char *const *b = bad; *b; b++)
        assert_int_equal(tc_secret_verify("k1", "unsubscribe", *b, data, sizeof data), TC_EINVAL);
    /* Data longer than the caller's buffer is refused, not truncated. */
    char small[4];
    assert_int_equal(tc_secret_verify("k1", "unsubscribe", token, small, sizeof small),
                     TC_EINVAL);
}

static void hex_helpers(void **state)
{
    (void)state;
    char a[33], b[33], h[2 * TC_SECRET_HASH_LEN + 1];
    tc_secret_random_hex(a, 16);
    tc_secret_random_hex(b, 16);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    tc_secret_hash_hex("token", h);
    assert_int_equal(strlen(h), 64);
    assert_int_equal(strspn(h, "0123456789abcdef"), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_and_verify),
        cmocka_unit_test(refuses),
        cmocka_unit_test(hex_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
