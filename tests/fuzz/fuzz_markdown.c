/* libFuzzer driver for Markdown bodies (incident updates and post-mortems, written by
 * operators and imported from other pages): tc_markdown_html(), and the page's placing of
 * the body's headings under a card's heading (tc_html_markdown_under()). Besides memory
 * errors it checks what the page relies on: no raw HTML gets through (no "<script", no
 * "<iframe", no on...= attributes outside text), no javascript:/vbscript: link or image
 * target, the output is valid UTF-8, and under an <h3> every heading is an h4 to h6.
 *
 * Run: build-fuzz/fuzz_markdown tests/fuzz/corpus/markdown */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "web/html.h"
#include "web/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *html)
{
    fprintf(stderr, "fuzz_markdown: %s in:\n%s\n", what, html);
    abort();
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int valid_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        int n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                         : (c & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || (n == 1 && c < 0xc2) || (n == 3 && c > 0xf4))
            return 0;
        unsigned cp = n ? c & (0x3f >> n) : c;
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        s += n + 1;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *md = tc_strndup((const char *)data, size);
    size_t len = 0;
    char *html = tc_markdown_html(md, &len);
    if (!html || strlen(html) != len)
        fail("length mismatch", html ? html : "(null)");
    char *low = tc_strdup(html);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    /* Text is escaped (&lt;), so a '<' followed by these can only be markup that got through. */
    static const char *const banned[] = {"<script", "<iframe", "<object", "<embed", "<style",
                                         "<svg", "<img src=\"javascript:",
                                         "href=\"javascript:", "href=\"vbscript:",
                                         "src=\"vbscript:", "src=\"javascript:", NULL};
    for (const char *const *b = banned; *b; b++)
        if (strstr(low, *b))
            fail(*b, html);
    /* Attributes are only ever written inside a tag; an " on...=" inside one, outside a
     * quoted value (alt="... onx=..." is text), would be an event handler. The renderer
     * escapes '"' in values, so a value ends at the next one. */
    for (const char *p = low; (p = strchr(p, '<')) != NULL; p++) {
        const char *end = strchr(p, '>');
        if (!end)
            fail("unterminated tag", html);
        int quoted = 0;
        for (const char *q = p; q + 3 < end; q++) {
            if (*q == '"')
                quoted = !quoted;
            if (quoted)
                continue;
            if (q[0] == ' ' && q[1] == 'o' && q[2] == 'n' && isalpha((unsigned char)q[3])) {
                const char *eq = q + 3;
                while (eq < end && isalpha((unsigned char)*eq))
                    eq++;
                if (*eq == '=')
                    fail("event handler attribute", html);
            }
        }
    }
    if (!valid_utf8((const unsigned char *)html))
        fail("invalid UTF-8", html);
    tc_buf_t under;
    tc_buf_init(&under, 0);
    tc_html_markdown_under(&under, md, 0, 3);
    for (const char *p = under.data; p && (p = strstr(p, "<h")) != NULL; p++)
        if (p[2] >= '0' && p[2] <= '9' && (p[2] < '4' || p[2] > '6' || p[3] != '>'))
            fail("a heading out of h4-h6 under an h3", under.data);
    for (const char *p = under.data; p && (p = strstr(p, "</h")) != NULL; p++)
        if (p[3] < '4' || p[3] > '6')
            fail("a heading's end out of h4-h6 under an h3", under.data);
    tc_buf_free(&under);
    free(low);
    free(html);
    free(md);
    return 0;
}
