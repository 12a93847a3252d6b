/* Unit tests for src/notify/notify.c's subscriber URL check (scheme, credentials, private
 * address literals) and for the shared e-mail builder in notify_email.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "notify/notify.h"

static const struct {
    const char *url;
    int ok_public;  /* accepted with allow_private false */
    int ok_private; /* accepted with allow_private true */
} urls[] = {
    {"https://hooks.example.com/status", 1, 1},
    {"http://example.com:8080/x?y=1", 1, 1},
    {"http://8.8.8.8/", 1, 1},
    {"http://[2001:4860:4860::8888]/", 1, 1},
    {"http://127.0.0.1:9/hook", 0, 1},
    {"http://127.8.9.10/", 0, 1},
    {"http://10.0.0.1/", 0, 1},
    {"http://172.16.0.1/", 0, 1},
    {"http://172.31.255.255/", 0, 1},
    {"http://172.32.0.1/", 1, 1},
    {"http://192.168.1.1/", 0, 1},
    {"http://169.254.169.254/latest/meta-data", 0, 1},
    {"http://100.64.0.1/", 0, 1},
    {"http://0.0.0.0/", 0, 1},
    {"http://224.0.0.1/", 0, 1},
    {"http://[::1]/", 0, 1},
    {"http://[::]/", 0, 1},
    {"http://[fd00::1]/", 0, 1},
    {"http://[fe80::1]/", 0, 1},
    {"http://[::ffff:127.0.0.1]/", 0, 1},
    {"http://localhost:8080/", 0, 1},
    {"http://api.localhost/", 0, 1},
    {"ftp://example.com/", 0, 0},
    {"file:///etc/passwd", 0, 0},
    {"https://user:pw@example.com/", 0, 0},
    {"not a url", 0, 0},
    {"", 0, 0},
};

static void check_url(void **state)
{
    (void)state;
    char err[TC_NOTIFY_ERR_LEN];
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        err[0] = '\0';
        int rc = tc_notify_check_url(urls[i].url, false, err, sizeof err);
        if ((rc == 0) != urls[i].ok_public)
            fail_msg("%s (public): rc %d, %s", urls[i].url, rc, err);
        if (rc)
            assert_true(err[0] != '\0');
        rc = tc_notify_check_url(urls[i].url, true, err, sizeof err);
        if ((rc == 0) != urls[i].ok_private)
            fail_msg("%s (private allowed): rc %d, %s", urls[i].url, rc, err);
    }
}

static void mail(void **state)
{
    (void)state;
    const char *to[] = {"a@example.com"};
    tc_mail_t m = {
        .from = "s@example.com",
        .to = to,
        .nto = 1,
        .subject = "Hello\r\nBcc: evil@example.com",
        .text = "plain",
        .html = "<p>html</p>",
        .id = "abc",
        .at = 0,
        .unsubscribe = "https://x/subscribers/unsubscribe/t.0",
    };
    char *msg = tc_notify_mail(&m);
    /* A line break in a header value cannot start a new header. */
    assert_null(strstr(msg, "\r\nBcc:"));
    assert_non_null(strstr(msg, "Subject: Hello  Bcc: evil@example.com\r\n"));
    assert_non_null(strstr(msg, "List-Unsubscribe: <https://x/subscribers/unsubscribe/t.0>"));
    assert_non_null(strstr(msg, "X-Tocsin-Event-Id: abc\r\n"));
    assert_non_null(strstr(msg, "Content-Type: text/plain; charset=utf-8\r\n\r\nplain"));
    assert_non_null(strstr(msg, "Content-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>"));
    assert_non_null(strstr(msg, "--tocsin-abc--\r\n"));
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_url),
        cmocka_unit_test(mail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
