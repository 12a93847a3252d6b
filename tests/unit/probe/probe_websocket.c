/* Unit tests for src/probe/probe_websocket.c's pure parts: the Sec-WebSocket-Accept hash
 * (RFC 6455's own example) and the judgement of upgrade responses. The .c is included to
 * reach its statics (STYLE.md rule 21). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../../src/probe/probe_websocket.c"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static void test_accept(void **state)
{
    (void)state;
    char out[WS_ACCEPT_LEN + 1];
    ws_accept(KEY, out);
    assert_string_equal(out, ACCEPT); /* RFC 6455 section 1.3 */
}

static void test_upgrade(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        int rc;
        int status;
        const char *err; /* prefix of the error, when rc is TC_EINVAL */
    } cases[] = {
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n",
         0, 101, NULL},
        /* Case-insensitive names and tokens, token lists, bare LF line ends. */
        {"HTTP/1.1 101 OK\nupgrade: WebSocket\nconnection: keep-alive, upgrade\n"
         "sec-websocket-accept:   " ACCEPT "  \n\n",
         0, 101, NULL},
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\n", TC_EINVAL, 404,
         "upgrade refused: HTTP 404"},
        {"HTTP/1.0 200 OK\r\n\r\n", TC_EINVAL, 200, "upgrade refused: HTTP 200"},
        {"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n",
         TC_EINVAL, 101, "upgrade response lacks Upgrade"},
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
         "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n",
         TC_EINVAL, 101, "upgrade response lacks Connection"},
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: AAAAMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
         TC_EINVAL, 101, "Sec-WebSocket-Accept does not match"},
        /* A prefix of the right value is not the right value. */
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYG\r\n\r\n",
         TC_EINVAL, 101, "Sec-WebSocket-Accept does not match"},
        {"Upgrade: websocket\r\n\r\n", TC_EINVAL, 0, "not an HTTP/1.1 response"},
        {"HTTP/1.1 1x1 Hm\r\n\r\n", TC_EINVAL, 0, "not an HTTP/1.1 response"},
        {"HTTP/1.1 101", TC_EINVAL, 0, "not an HTTP/1.1 response"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_buf_t headers;
        tc_buf_init(&headers, 4096);
        char err[128] = "";
        int status = -1;
        int rc = check_upgrade(cases[i].head, strlen(cases[i].head), ACCEPT, &status, &headers,
                               err, sizeof err);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(status, cases[i].status);
        if (cases[i].err)
            assert_true(strncmp(err, cases[i].err, strlen(cases[i].err)) == 0);
        tc_buf_free(&headers);
    }
}

static void test_headers_kept(void **state)
{
    (void)state;
    const char *head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade:  websocket \r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: " ACCEPT "\r\n\r\n";
    tc_buf_t headers;
    tc_buf_init(&headers, 4096);
    char err[128];
    int status = 0;
    assert_int_equal(check_upgrade(head, strlen(head), ACCEPT, &status, &headers, err, sizeof err),
                     0);
    assert_string_equal(headers.data, "Upgrade: websocket\nConnection: Upgrade\n"
                                      "Sec-WebSocket-Accept: " ACCEPT "\n");
    tc_buf_free(&headers);
}

static void test_head_end(void **state)
{
    (void)state;
    assert_int_equal(head_end("HTTP/1.1 101 X\r\n\r\nframe", 23), 18);
    assert_int_equal(head_end("HTTP/1.1 101 X\r\n\r", 17), 0);
    assert_int_equal(head_end("", 0), 0);
}

static void test_tokens(void **state)
{
    (void)state;
    assert_true(has_token("Upgrade", 7, "upgrade"));
    assert_true(has_token("keep-alive, Upgrade", 19, "upgrade"));
    assert_true(has_token(" ,upgrade ,", 11, "upgrade"));
    assert_false(has_token("upgraded", 8, "upgrade"));
    assert_false(has_token("", 0, "upgrade"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept),   cmocka_unit_test(test_upgrade),
        cmocka_unit_test(test_headers_kept), cmocka_unit_test(test_head_end),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
