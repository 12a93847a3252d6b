/* E-mail through SMTP with libcurl: STARTTLS when the server offers it (smtps:// for implicit
 * TLS), optional AUTH, a multipart/alternative message with a plain-text and an HTML part.
 * The payload is the whole message, so a retry sends exactly the same bytes; the password is
 * taken from the config at send time. Messages are 7-bit clean whatever the text: headers
 * with other characters become RFC 2047 encoded words and both parts are base64, so no relay
 * needs SMTPUTF8 or 8BITMIME and no line passes SMTP's 998 characters. */
#include <nettle/base64.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "notify/notify_int.h"

static const char *const keys[] = {"url", "username", "password", "from", "to", NULL};

static void email_parse(tc_yaml_t *y, tc_ynode_t node, tc_channel_cfg_t *ch)
{
    tc_yaml_get_string(y, node, "channel", "url", 1, &ch->url);
    tc_yaml_get_string(y, node, "channel", "username", 0, &ch->username);
    tc_yaml_get_string(y, node, "channel", "password", 0, &ch->password);
    tc_yaml_get_string(y, node, "channel", "from", 1, &ch->from);
    if (ch->url && strncmp(ch->url, "smtp://", 7) != 0 && strncmp(ch->url, "smtps://", 8) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "url"),
                      "channel: url must be smtp://HOST:PORT or smtps://HOST:PORT");
    tc_ynode_t to = tc_yaml_lookup(y, node, "to");
    if (!to || tc_yaml_type(y, to) != TC_YAML_SEQUENCE || !tc_yaml_size(y, to)) {
        tc_yaml_error(y, to ? to : node, "channel: to must be a list of e-mail addresses");
        return;
    }
    ch->to = tc_calloc(tc_yaml_size(y, to), sizeof *ch->to);
    for (size_t i = 0; i < tc_yaml_size(y, to); i++) {
        char *addr = tc_yaml_expand(y, tc_yaml_item(y, to, i));
        if (!addr)
            continue;
        if (!strchr(addr, '@') || strpbrk(addr, "\r\n<> ")) {
            tc_yaml_error(y, tc_yaml_item(y, to, i), "channel: \"%s\" is not an e-mail address",
                          addr);
            free(addr);
            continue;
        }
        ch->to[ch->nto++] = addr;
    }
}

/* Header values come from the config and monitor names: no line breaks may pass. */
static void header_text(tc_buf_t *b, const char *s)
{
    for (; *s; s++)
        tc_buf_append(b, *s == '\r' || *s == '\n' ? " " : s, 1);
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Header text with other characters than ASCII as RFC 2047 encoded words: "=?UTF-8?B?...?="
 * of at most 39 bytes each (52 base64 characters, 64 with the wrapper, so "Subject: " and a
 * word stay under the RFC's 76 a line), cut between characters and folded onto continuation
 * lines. */
static void header_words(tc_buf_t *b, const char *s)
{
    enum { CHUNK = 39 };
    if (is_ascii(s)) {
        header_text(b, s);
        return;
    }
    size_t len = strlen(s);
    for (size_t at = 0; at < len;) {
        size_t n = len - at < CHUNK ? len - at : CHUNK;
        while (n > 0 && at + n < len && ((unsigned char)s[at + n] & 0xC0) == 0x80)
            n--;
        if (n == 0) /* not UTF-8: a run of continuation bytes; cut anywhere */
            n = len - at < CHUNK ? len - at : CHUNK;
        uint8_t raw[CHUNK];
        for (size_t i = 0; i < n; i++)
            raw[i] = s[at + i] == '\r' || s[at + i] == '\n' ? ' ' : (uint8_t)s[at + i];
        char enc[BASE64_ENCODE_RAW_LENGTH(CHUNK)];
        base64_encode_raw(enc, n, raw);
        tc_buf_printf(b, "%s=?UTF-8?B?%.*s?=", at ? "\r\n " : "",
                      (int)BASE64_ENCODE_RAW_LENGTH(n), enc);
        at += n;
    }
}

/* "Display Name" <address>: a quoted string for ASCII names, encoded words otherwise. */
static void mailbox(tc_buf_t *b, const char *name, const char *address)
{
    if (name && name[0] && is_ascii(name)) {
        tc_buf_puts(b, "\"");
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                tc_buf_puts(b, "\\");
            tc_buf_append(b, *p == '\r' || *p == '\n' ? " " : p, 1);
        }
        tc_buf_puts(b, "\" ");
    } else if (name && name[0]) {
        header_words(b, name);
        tc_buf_puts(b, " ");
    }
    tc_buf_puts(b, "<");
    header_text(b, address);
    tc_buf_puts(b, ">");
}

/* A body part in base64, 76 characters a line (RFC 2045). */
static void base64_lines(tc_buf_t *b, const char *s)
{
    enum { LINE = 57 }; /* bytes that make 76 characters */
    size_t len = strlen(s);
    for (size_t at = 0; at < len; at += LINE) {
        size_t n = len - at < LINE ? len - at : LINE;
        char enc[BASE64_ENCODE_RAW_LENGTH(LINE)];
        base64_encode_raw(enc, n, (const uint8_t *)s + at);
        tc_buf_append(b, enc, BASE64_ENCODE_RAW_LENGTH(n));
        tc_buf_puts(b, "\r\n");
    }
}

char *tc_notify_mail(const tc_mail_t *m)
{
    char date[64];
    tc_clock_format_local(m->zone, m->at, "%a, %d %b %Y %H:%M:%S %z", date, sizeof date);
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_puts(&b, "From: ");
    mailbox(&b, m->from_name, m->from);
    tc_buf_puts(&b, "\r\nTo: ");
    for (size_t i = 0; i < m->nto; i++) {
        tc_buf_puts(&b, i ? ", " : "");
        header_text(&b, m->to[i]);
    }
    tc_buf_puts(&b, "\r\nSubject: ");
    header_words(&b, m->subject);
    if (m->unsubscribe) {
        /* RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe button. */
        tc_buf_puts(&b, "\r\nList-Unsubscribe: <");
        header_text(&b, m->unsubscribe);
        tc_buf_puts(&b, ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click");
    }
    tc_buf_printf(&b,
                  "\r\nDate: %s\r\nMessage-ID: <%s@tocsin>\r\nX-Tocsin-Event-Id: %s\r\n"
                  "MIME-Version: 1.0\r\n"
                  "Content-Type: multipart/alternative; boundary=\"tocsin-%s\"\r\n\r\n"
                  "--tocsin-%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n",
                  date, m->id, m->id, m->id, m->id);
    base64_lines(&b, m->text);
    tc_buf_printf(&b, "--tocsin-%s\r\nContent-Type: text/html; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n",
                  m->id);
    base64_lines(&b, m->html);
    tc_buf_printf(&b, "--tocsin-%s--\r\n", m->id);
    return tc_buf_steal(&b, NULL);
}

static char *email_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e)
{
    char *headline = tc_notify__headline(e);
    tc_buf_t subject, text, html;
    tc_buf_init(&subject, 0);
    tc_buf_init(&text, 0);
    tc_buf_init(&html, 0);
    tc_buf_printf(&subject, "[%s] %s", e->page_name, headline);
    tc_buf_printf(&text, "%s\r\n\r\nMonitor: %s (%s)\r\nState: %s -> %s\r\n", headline,
                  e->monitor_name, e->monitor_kind, e->old_state, e->new_state);
    for (size_t i = 0; i < e->ncomponents; i++)
        tc_buf_printf(&text, "Component: %s (%s)\r\n", e->components[i].name,
                      tc_status_name(e->components[i].new_status));
    tc_buf_printf(&text, "Status page: %s\r\n", e->page_url);
    tc_buf_puts(&html, "<p><strong>");
    tc_buf_html(&html, headline);
    tc_buf_puts(&html, "</strong></p><p>Monitor: ");
    tc_buf_html(&html, e->monitor_name);
    tc_buf_puts(&html, "<br>State: ");
    tc_buf_html(&html, e->old_state);
    tc_buf_puts(&html, " &rarr; ");
    tc_buf_html(&html, e->new_state);
    tc_buf_puts(&html, "</p><p><a href=\"");
    tc_buf_html(&html, e->page_url);
    tc_buf_puts(&html, "\">Status page</a></p>");
    tc_mail_t m = {
        .from = ch->from,
        .from_name = e->page_name,
        .to = (const char *const *)ch->to,
        .nto = ch->nto,
        .subject = subject.data,
        .text = text.data,
        .html = html.data,
        .id = e->id,
        .at = e->at,
        .zone = e->zone,
    };
    char *msg = tc_notify_mail(&m);
    tc_buf_free(&subject);
    tc_buf_free(&text);
    tc_buf_free(&html);
    free(headline);
    return msg;
}

typedef struct reader {
    const char *data;
    size_t len, pos;
} reader_t;

static size_t on_read(char *out, size_t size, size_t n, void *arg)
{
    reader_t *r = arg;
    size_t room = size * n, left = r->len - r->pos;
    size_t take = left < room ? left : room;
    memcpy(out, r->data + r->pos, take);
    r->pos += take;
    return take;
}

static void email_prepare(CURL *easy, const tc_channel_cfg_t *ch, const char *url, const char *id,
                          const char *payload, struct curl_slist **rcpt, void **state)
{
    (void)id;
    reader_t *r = tc_calloc(1, sizeof *r);
    r->data = payload;
    r->len = strlen(payload);
    *state = r;
    char from[300];
    snprintf(from, sizeof from, "<%s>", ch->from);
    if (url && strncmp(url, "mailto:", 7) == 0) {
        /* A subscriber's message: sent through this channel's server, to the subscriber. */
        char to[300];
        snprintf(to, sizeof to, "<%s>", url + 7);
        *rcpt = curl_slist_append(*rcpt, to);
    } else {
        for (size_t i = 0; i < ch->nto; i++) {
            char to[300];
            snprintf(to, sizeof to, "<%s>", ch->to[i]);
            *rcpt = curl_slist_append(*rcpt, to);
        }
    }
    curl_easy_setopt(easy, CURLOPT_URL, ch->url);
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, *rcpt);
    /* With credentials, TLS is required: an attacker who strips STARTTLS must not get the
     * password in clear. Without them, opportunistic TLS is the best a relay offers. */
    curl_easy_setopt(easy, CURLOPT_USE_SSL,
                     (long)(ch->username || ch->password ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (ch->username)
        curl_easy_setopt(easy, CURLOPT_USERNAME, ch->username);
    if (ch->password)
        curl_easy_setopt(easy, CURLOPT_PASSWORD, ch->password);
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(easy, CURLOPT_READDATA, r);
}

const tc_notify_type_t tc_notify_email = {
    .name = "email",
    .keys = keys,
    .parse = email_parse,
    .format = email_format,
    .prepare = email_prepare,
};
