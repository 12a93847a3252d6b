/* Unit tests for src/notify/notify.c's subscriber URL check (scheme, credentials, private
 * address literals), for the shared e-mail builder in notify_email.c, for the flapping and
 * stable-again events as channels format them, and for the delivery worker against a fake
 * outbox (tc_notify_ops_t): no store, one loop per case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/curl_glue.h"
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
    assert_non_null(strstr(msg, "From: <s@example.com>\r\n"));
    /* Both parts in base64: "plain" and "<p>html</p>". */
    assert_non_null(strstr(msg, "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\ncGxhaW4=\r\n"));
    assert_non_null(strstr(msg, "Content-Type: text/html; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\nPHA+aHRtbDwvcD4=\r\n"));
    assert_non_null(strstr(msg, "\r\n--tocsin-abc--\r\n"));
    free(msg);
}

/* Decode one RFC 2047 word "=?UTF-8?B?...?=" at @p w into @p out; @return its length. */
static size_t decode_word(const char *w, size_t wlen, char *out)
{
    assert_true(wlen > 12 && strncmp(w, "=?UTF-8?B?", 10) == 0 &&
                strncmp(w + wlen - 2, "?=", 2) == 0);
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    size_t n = 256;
    assert_true(base64_decode_update(&ctx, &n, (uint8_t *)out, wlen - 12, w + 10));
    assert_true(base64_decode_final(&ctx));
    return n;
}

/* Names in any script: the subject and the sender's name become encoded words of at most 75
 * characters on folded lines, each holding whole characters; the message stays 7-bit and no
 * line is longer than 78 characters. */
static void mail_non_ascii(void **state)
{
    (void)state;
    char subject[512] = "[Zürich Status] ";
    for (int i = 0; i < 40; i++)
        strcat(subject, "決済"); /* 3 bytes each: 240 bytes that never split evenly */
    strcat(subject, " \xff end"); /* not UTF-8: still encoded, never raw */
    const char *to[] = {"a@example.com"};
    const char *names[] = {"Zürich Status", "Acme \"Ops\" \\ Team", NULL};
    const char *want_from[] = {NULL, "From: \"Acme \\\"Ops\\\" \\\\ Team\" <s@example.com>\r\n",
                               "From: <s@example.com>\r\n"};
    for (int k = 0; k < 3; k++) {
        tc_mail_t m = {.from = "s@example.com", .from_name = names[k], .to = to, .nto = 1,
                       .subject = subject, .text = "Zahlungs-API: größere Störung",
                       .html = "<p>é</p>", .id = "x1", .at = 0};
        char *msg = tc_notify_mail(&m);
        for (const char *p = msg; *p; p++)
            assert_true((unsigned char)*p < 0x80);
        for (const char *line = msg, *eol; (eol = strstr(line, "\r\n")); line = eol + 2)
            assert_true(eol - line <= 78);
        if (want_from[k])
            assert_non_null(strstr(msg, want_from[k]));
        /* Unfold the Subject and decode its words back to the subject. */
        const char *s = strstr(msg, "\r\nSubject: ") + 11;
        char decoded[512] = "";
        size_t dlen = 0;
        for (;;) {
            const char *end = strstr(s, "?=") + 2;
            assert_true(end - s <= 75);
            char part[256];
            size_t n = decode_word(s, (size_t)(end - s), part);
            /* Whole characters: a word never ends inside a UTF-8 sequence (before the \xff). */
            if (dlen + n < strlen(subject) - 5)
                assert_true(((unsigned char)subject[dlen + n] & 0xC0) != 0x80);
            memcpy(decoded + dlen, part, n);
            dlen += n;
            if (strncmp(end, "\r\n ", 3) != 0)
                break;
            s = end + 3;
        }
        decoded[dlen] = '\0';
        assert_string_equal(decoded, subject);
        if (k == 0) {
            const char *f = strstr(msg, "From: ") + 6;
            const char *end = strstr(f, "?=") + 2;
            char part[256];
            size_t n = decode_word(f, (size_t)(end - f), part);
            part[n] = '\0';
            assert_string_equal(part, "Zürich Status");
            assert_int_equal(strncmp(end, " <s@example.com>\r\n", 18), 0);
        }
        free(msg);
    }
}

/* ---- the worker, through a fake outbox ---- */

static const struct {
    const char *target, *kind, *url;
    bool allow_private;
    tc_notify_state_t state; /* what the worker records for the first attempt */
    const char *error;       /* how the recorded error starts */
} deliveries[] = {
    /* A channel removed from the config: dead at once, nothing sent. */
    {"gone", "webhook", NULL, false, TC_NOTIFY_DEAD, "the channel is no longer configured"},
    /* Subscriber e-mail without subscribers.email_channel. */
    {"subscriber:s1", "email", "mailto:a@example.com", false, TC_NOTIFY_DEAD,
     "subscribers.email_channel is not configured"},
    /* A subscriber webhook to loopback: refused after resolution, dead at once. */
    {"subscriber:s2", "webhook", "http://127.0.0.1:1/hook", false, TC_NOTIFY_DEAD,
     "the endpoint resolves to a private address"},
    /* The same with private addresses allowed: the connection fails, retried later. */
    {"subscriber:s3", "webhook", "http://127.0.0.1:1/hook", true, TC_NOTIFY_PENDING, ""},
};

typedef struct fake_outbox {
    size_t i;       /* the case */
    int dues;       /* due() calls */
    int marks;      /* mark() calls */
    tc_notify_state_t state;
    int attempts;
    int64_t next_at;
    char error[256];
    uv_loop_t *loop;
} fake_outbox_t;

static int fake_due(void *ctx, int64_t now, const char *const *skip, size_t nskip, size_t limit,
                    tc_notify_msg_t *out, size_t *n, char *err, size_t errlen)
{
    fake_outbox_t *f = ctx;
    (void)skip;
    (void)err;
    (void)errlen;
    *n = 0;
    /* One message, handed over once; in flight it is in the skip list. */
    if (f->dues++ > 0 || limit == 0) {
        assert_true(nskip <= 1);
        return 0;
    }
    out[0] = (tc_notify_msg_t){
        .id = tc_strdup("m1"),
        .target = tc_strdup(deliveries[f->i].target),
        .kind = tc_strdup(deliveries[f->i].kind),
        .url = deliveries[f->i].url ? tc_strdup(deliveries[f->i].url) : NULL,
        .payload = tc_strdup("{}"),
        .expires_at = now + 86400000,
        .attempts = 0,
    };
    *n = 1;
    return 0;
}

static int fake_mark(void *ctx, const char *id, tc_notify_state_t state, int attempts,
                     int64_t next_at, const char *error, char *err, size_t errlen)
{
    fake_outbox_t *f = ctx;
    (void)err;
    (void)errlen;
    assert_string_equal(id, "m1");
    f->marks++;
    f->state = state;
    f->attempts = attempts;
    f->next_at = next_at;
    snprintf(f->error, sizeof f->error, "%s", error ? error : "");
    uv_stop(f->loop);
    return 0;
}

static const tc_channel_cfg_t *fake_channel(void *ctx, const char *id)
{
    (void)ctx;
    (void)id;
    return NULL; /* no channels configured */
}

static const tc_notify_ops_t fake_ops = {fake_due, fake_mark, fake_channel};

static void on_guard(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void worker(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof deliveries / sizeof deliveries[0]; i++) {
        uv_loop_t loop;
        uv_timer_t guard;
        assert_int_equal(uv_loop_init(&loop), 0);
        fake_outbox_t f = {.i = i, .loop = &loop};
        tc_curl_t *curl = tc_curl_new(&loop);
        tc_notify_t *n = tc_notify_new(&loop, curl, &fake_ops, &f);
        tc_notify_allow_private(n, deliveries[i].allow_private);
        uv_timer_init(&loop, &guard);
        uv_timer_start(&guard, on_guard, 10000, 0);
        uv_run(&loop, UV_RUN_DEFAULT);
        if (f.marks != 1)
            fail_msg("case %zu: %d marks", i, f.marks);
        assert_int_equal(f.state, deliveries[i].state);
        assert_int_equal(f.attempts, 1);
        if (strncmp(f.error, deliveries[i].error, strlen(deliveries[i].error)) != 0)
            fail_msg("case %zu: error \"%s\"", i, f.error);
        if (deliveries[i].state == TC_NOTIFY_PENDING)
            assert_true(f.next_at > 0 && f.error[0]);
        assert_int_equal(tc_notify_in_flight(n), 0);
        /* The worker, the glue and the guard close; the loop ends clean. */
        tc_notify_free(n);
        tc_curl_free(curl);
        uv_close((uv_handle_t *)&guard, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        assert_int_equal(uv_loop_close(&loop), 0);
    }
}

/* Flapping and stable again: their type and summary (webhook), and what PagerDuty makes of
 * them: a warning while flapping, a resolve when stable and up, a trigger when stable and
 * down. */
static void flapping_events(void **state)
{
    (void)state;
    tc_channel_cfg_t hook = {.id = "h", .type = tc_notify_find_type("webhook"), .url = "x"};
    tc_channel_cfg_t pd = {.id = "p", .type = tc_notify_find_type("pagerduty"), .url = "x",
                           .routing_key = "k"};
    static const struct {
        tc_event_kind_t kind;
        const char *new_state;
        const char *type, *summary, *pd;
    } cases[] = {
        {TC_EVENT_FLAPPING, "flapping", "\"type\":\"monitor.flapping\"",
         "API is flapping (alerts held until it is stable): 45% weighted",
         "\"severity\":\"warning\""},
        {TC_EVENT_STABLE, "up", "\"type\":\"monitor.stable\"",
         "API is stable again, up: 45% weighted", "\"event_action\":\"resolve\""},
        {TC_EVENT_STABLE, "down", "\"type\":\"monitor.stable\"",
         "API is stable again, down: 45% weighted", "\"severity\":\"critical\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_notify_event_t e = {
            .id = "e1", .kind = cases[i].kind, .at = 0, .page_id = "p", .page_name = "P",
            .page_url = "http://x", .monitor_id = "api", .monitor_name = "API",
            .monitor_kind = "http", .old_state = "up", .new_state = cases[i].new_state,
            .reason = "45% weighted state change over the last 21 runs",
        };
        char *body = tc_notify_format(&hook, &e);
        assert_non_null(strstr(body, cases[i].type));
        if (!strstr(body, cases[i].summary))
            fail_msg("case %zu: no \"%s\" in %s", i, cases[i].summary, body);
        free(body);
        body = tc_notify_format(&pd, &e);
        if (!strstr(body, cases[i].pd))
            fail_msg("case %zu: no %s in %s", i, cases[i].pd, body);
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_url),
        cmocka_unit_test(mail),
        cmocka_unit_test(flapping_events),
        cmocka_unit_test(mail_non_ascii),
        cmocka_unit_test(worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
