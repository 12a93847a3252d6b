/* Unit tests for src/core/hostport.c: the HOST:PORT forms the config and the tcp and tls
 * probes accept, and the ones they refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/err.h"
#include "core/hostport.h"

static void splits(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *host;
        int port;
    } cases[] = {
        {"db.internal:5432", "db.internal", 5432},
        {"127.0.0.1:1", "127.0.0.1", 1},
        {"[::1]:443", "::1", 443},
        {"[2001:db8::7]:65535", "2001:db8::7", 65535},
        {":8080", "", 8080},  /* no host: the caller decides what that means */
        {"[]:80", "", 80},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *host = NULL;
        int port = 0;
        assert_int_equal(tc_hostport_parse(cases[i].in, &host, &port), 0);
        assert_string_equal(host, cases[i].host);
        assert_int_equal(port, cases[i].port);
        free(host);
    }
}

static void refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "db.internal", "db.internal:", "db:0", "db:65536", "db:80x", "db:-1",
        "[::1]", "[::1]80", "[::1:80", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *host = (char *)"untouched";
        int port = 7;
        assert_int_equal(tc_hostport_parse(bad[i], &host, &port), TC_EINVAL);
        assert_string_equal(host, "untouched");
        assert_int_equal(port, 7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splits),
        cmocka_unit_test(refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
