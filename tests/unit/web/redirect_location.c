/* Unit tests for src/web/redirect_location.c: the Location the plain-HTTP redirector sends,
 * and the Host headers and targets it will not put into one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "web/redirect_location.h"

static void builds_locations(void **state)
{
    (void)state;
    static const struct {
        const char *host, *target;
        int port;
        const char *want;
    } cases[] = {
        {"status.example.com", "/", 443, "https://status.example.com/"},
        {"status.example.com:80", "/history?month=2024-11", 443,
         "https://status.example.com/history?month=2024-11"},
        {"localhost:8080", "/a%20b", 8443, "https://localhost:8443/a%20b"},
        {"[::1]:80", "/x", 8443, "https://[::1]:8443/x"},
        {"[2001:db8::7]", "/", 443, "https://[2001:db8::7]/"},
        {"Example.COM", "/api/v2/status.json", 443, "https://Example.COM/api/v2/status.json"},
        /* Targets with no path of ours go to the front page. */
        {"a.example", "*", 443, "https://a.example/"},
        {"a.example", "http://elsewhere.example/x", 443, "https://a.example/"},
        {"a.example", "/caf\xc3\xa9", 443, "https://a.example/"},
        {"a.example", "/a b", 443, "https://a.example/"},
        {"a.example", "", 443, "https://a.example/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        assert_int_equal(tc_redirect_location(cases[i].host, cases[i].target, cases[i].port, out,
                                              sizeof out),
                         0);
        assert_string_equal(out, cases[i].want);
    }
}

static void refuses_hosts_that_are_not_hosts(void **state)
{
    (void)state;
    static const char *const bad[] = {
        NULL, "", ":80", "evil.example/x", "evil.example\\x", "a.example:", "a.example:8o",
        "a.example:80:81", "user@a.example", "st\xc3\xa4tus.example", "[::1", "[]", "[::g]",
        "a example", "a.example\r\nSet-Cookie: x=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[64] = "untouched";
        assert_int_equal(tc_redirect_location(bad[i], "/", 443, out, sizeof out), TC_EINVAL);
    }
}

static void says_when_it_does_not_fit(void **state)
{
    (void)state;
    char target[300];
    memset(target, 'a', sizeof target - 1);
    target[0] = '/';
    target[sizeof target - 1] = '\0';
    char out[128];
    assert_int_equal(tc_redirect_location("a.example", target, 443, out, sizeof out), TC_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_locations),
        cmocka_unit_test(refuses_hosts_that_are_not_hosts),
        cmocka_unit_test(says_when_it_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
