/* Capped growable buffer; see buf.h. Growth doubles so that appends are amortised O(1). */
#include "core/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

void tc_buf_init(tc_buf_t *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

void tc_buf_free(tc_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

static int reserve(tc_buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need < b->len)
        return TC_ETOOBIG;
    if (b->limit && need - 1 > b->limit)
        return TC_ETOOBIG;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = tc_realloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int tc_buf_append(tc_buf_t *b, const void *p, size_t len)
{
    int rc = reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int tc_buf_puts(tc_buf_t *b, const char *s)
{
    return tc_buf_append(b, s, strlen(s));
}

int tc_buf_vprintf(tc_buf_t *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return TC_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int tc_buf_printf(tc_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tc_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int tc_buf_html(tc_buf_t *b, const char *s)
{
    /* Written in pieces, so remember the length to undo a partial write at the cap. */
    size_t start = b->len;
    const char *run = s;
    int rc = 0;
    for (; *s && !rc; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        rc = tc_buf_append(b, run, (size_t)(s - run));
        if (!rc)
            rc = tc_buf_puts(b, rep);
        run = s + 1;
    }
    if (!rc)
        rc = tc_buf_append(b, run, strlen(run));
    if (rc && b->data) {
        b->len = start;
        b->data[start] = '\0';
    }
    return rc;
}

/* Length of the valid UTF-8 sequence at @p p (at most @p avail bytes), or 0 when the byte
 * there does not start one: overlong forms, surrogates and code points above U+10FFFF are
 * invalid, as is a sequence cut short. */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
    size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                 : (*p & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > avail)
        return 0;
    for (size_t k = 1; k < len; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    if ((len == 2 && *p < 0xc2) ||
        (len == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0))) ||
        (len == 4 && ((*p == 0xf0 && p[1] < 0x90) || *p > 0xf4 || (*p == 0xf4 && p[1] >= 0x90))))
        return 0;
    return len;
}

int tc_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, n; i < len; i += n)
        if ((n = utf8_seq_len(p + i, len - i)) == 0)
            return 0;
    return 1;
}

static unsigned long utf8_decode(const unsigned char *p, size_t len)
{
    static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned long cp = p[0] & lead_mask[len];
    for (size_t k = 1; k < len; k++)
        cp = (cp << 6) | (p[k] & 0x3f);
    return cp;
}

/* Code points that are valid text but act on a terminal or reorder what it shows: C1
 * controls (ESC's 8-bit twins), line and paragraph separators, and the bidirectional marks,
 * embeddings, overrides and isolates that can make a line read differently from its bytes. */
static int is_unsafe_code_point(unsigned long cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int tc_buf_escape(tc_buf_t *b, const char *s, size_t len)
{
    /* Written in pieces, so remember the length to undo a partial write at the cap. */
    size_t start = b->len;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    int rc = 0;
    while (i < len && !rc) {
        size_t n = utf8_seq_len(p + i, len - i);
        char hex[12];
        const char *rep = hex;
        if (n == 0) {
            n = 1;
            snprintf(hex, sizeof hex, "\\x%02x", p[i]);
        } else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
            rep = p[i] == '\n' ? "\\n" : p[i] == '\t' ? "\\t" : p[i] == '\r' ? "\\r" : hex;
            snprintf(hex, sizeof hex, "\\x%02x", p[i]);
        } else if (n > 1 && is_unsafe_code_point(utf8_decode(p + i, n))) {
            snprintf(hex, sizeof hex, "\\u%04lx", utf8_decode(p + i, n));
        } else {
            i += n; /* printable: copied with the run */
            continue;
        }
        rc = tc_buf_append(b, s + run, i - run);
        if (!rc)
            rc = tc_buf_puts(b, rep);
        i += n;
        run = i;
    }
    if (!rc)
        rc = tc_buf_append(b, s + run, i - run);
    if (rc && b->data) {
        b->len = start;
        b->data[start] = '\0';
    }
    return rc;
}

char *tc_buf_steal(tc_buf_t *b, size_t *len)
{
    if (!b->data)
        tc_buf_append(b, "", 0);
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

void tc_utf8_clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                              : (*p & 0xf8) == 0xf0 ? 4 : 0;
        int ok = len > 0;
        for (int k = 1; ok && k < len; k++)
            ok = (p[k] & 0xc0) == 0x80; /* also stops at the terminating NUL */
        /* Overlong forms and surrogates are not valid UTF-8 either. */
        if (ok && len == 2 && *p < 0xc2)
            ok = 0;
        if (ok && len == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0)))
            ok = 0;
        if (ok && len == 4 && ((*p == 0xf0 && p[1] < 0x90) || *p > 0xf4 ||
                               (*p == 0xf4 && p[1] >= 0x90)))
            ok = 0;
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += len;
    }
}

const char *tc_utf8_excerpt(char *out, size_t outlen, const char *s)
{
    if (outlen == 0)
        return out;
    size_t n = s ? strlen(s) : 0;
    /* A cut excerpt ends in "…" (3 bytes) when there is room, so a reader sees it was cut. */
    bool cut = n > outlen - 1;
    size_t mark = cut && outlen > 8 ? 3 : 0;
    if (cut) {
        n = outlen - 1 - mark;
        /* s[n] is the first byte left out: while it continues a character, that character
         * was cut, so leave out its first bytes too. Four steps at most in valid UTF-8; the
         * bound keeps a run of stray continuation bytes from eating the whole excerpt. */
        for (int k = 0; k < 4 && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; k++)
            n--;
    }
    if (n)
        memmove(out, s, n);
    out[n] = '\0';
    tc_utf8_clean(out);
    if (mark)
        memcpy(out + n, "\xe2\x80\xa6", 4); /* U+2026 and the terminator */
    return out;
}
