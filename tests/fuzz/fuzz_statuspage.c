/* libFuzzer driver for vendor Statuspage feeds (summary.json as a vendor's page serves it):
 * the statuspage probe's judge_feed(), which parses the body, picks the watched components
 * and writes the verdict, reasons, [BODY] and details; then the words people read about a
 * vendor's problem (probe_words.c), which quote the vendor's incident titles and must hold
 * no markup. The file under test is included to reach its static functions.
 *
 * Input: a first line of watched component names separated by '|' (empty: the page's overall
 * indicator), then the feed. The result's body buffer is capped at the feed's size, like a
 * probe body that filled its cap.
 *
 * Run: build-fuzz/fuzz_statuspage tests/fuzz/corpus/statuspage */
#include "probe/probe_statuspage.c"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *what, const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap)) {
        fprintf(stderr, "fuzz_statuspage: %s is not terminated\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - data) : 0;
    const uint8_t *feed = nl ? nl + 1 : data;
    size_t feed_len = size - (nl ? head + 1 : 0);
    sp_cfg_t c = {0};
    char *names = tc_strndup((const char *)data, head);
    if (head) {
        c.names = tc_calloc(head + 1, sizeof *c.names);
        for (char *p = names, *bar; p; p = bar ? bar + 1 : NULL) {
            bar = strchr(p, '|');
            if (bar)
                *bar = '\0';
            c.names[c.nnames++] = p;
        }
    }
    tc_result_t r;
    memset(&r, 0, sizeof r);
    r.status_code = 200;
    tc_buf_init(&r.body, feed_len ? feed_len : 1);
    tc_buf_init(&r.values, 0);
    tc_buf_init(&r.details, 0);
    tc_buf_init(&r.headers, 0);
    tc_buf_append(&r.body, feed, feed_len);
    judge_feed(&r, &c);
    check_text("error", r.error, sizeof r.error);
    check_text("degraded", r.degraded, sizeof r.degraded);
    /* A feed that judge_feed() read becomes [BODY] as text: the titles, no NUL inside. A feed
     * it refused stays as it came (which may hold NULs). */
    if (!r.failed && r.body.data && strlen(r.body.data) != r.body.len) {
        fprintf(stderr, "fuzz_statuspage: [BODY] length does not match its text\n");
        abort();
    }
    tc_monitor_cfg_t m = {.id = "v", .name = "v", .type = &tc_probe_statuspage,
                          .timeout_ms = 1000};
    tc_probe_judge(&m, &r, NULL);
    if (r.verdict != TC_VERDICT_UP) {
        tc_buf_t words;
        tc_buf_init(&words, 0);
        tc_probe_words(&m, &r, &words);
        for (size_t i = 0; i < words.len; i++) {
            unsigned char ch = (unsigned char)words.data[i];
            if (ch < 0x20 || ch == 0x7f || strchr("\\`*_{}[]()#+!|<>~&", ch)) {
                fprintf(stderr, "fuzz_statuspage: markup in the words: %s\n", words.data);
                abort();
            }
        }
        tc_buf_free(&words);
    }
    tc_buf_free(&r.body);
    tc_buf_free(&r.values);
    tc_buf_free(&r.details);
    tc_buf_free(&r.headers);
    free(c.names);
    free(names);
    return 0;
}
