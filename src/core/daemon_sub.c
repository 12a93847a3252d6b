/* Subscribers, on the engine thread: the public subscribe endpoint (JSON and the page's
 * form), the confirmation and unsubscribe pages, the write API's list and removal, and the
 * outbox messages subscribers get when an incident or maintenance changes or a component they
 * follow changes status. Messages are queued by the caller's transaction (commit_incident,
 * tc_daemon__derive_components) and sent by the notify worker; nothing here does network I/O.
 *
 * Tokens: a confirmation link carries 128 random bits, of which only a hash is stored, and
 * is spent when used. An unsubscribe link carries the subscriber id signed with a server key
 * (HMAC, tc_secret_sign) created at first start and kept in the store, so it needs no lookup
 * table and works as long as the subscription exists. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/daemon_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "web/html.h"
#include "web/render.h"

#define MODULE "subscribers"
#define KEY_SETTING "unsubscribe_key" /* the store setting that holds the signing key */
#define LIMIT_SLOTS 256       /* client addresses the rate limiter remembers */
#define MAX_EMAIL 254         /* RFC 5321 path limit */
#define MAX_COMPONENTS 200    /* ids in one subscription */
#define DOCS_URL "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"

/* One client address's count in the current minute. */
typedef struct limit_slot {
    char addr[64];
    int64_t minute;
    int count;
} limit_slot_t;

struct tc_sub_state {
    char *key;                         /* owned; hex signing key for unsubscribe links */
    limit_slot_t slots[LIMIT_SLOTS];
};

int tc_daemon__subscribers_init(tc_daemon_t *d)
{
    char fresh[65], err[256];
    tc_secret_random_hex(fresh, 32);
    d->subs = tc_calloc(1, sizeof *d->subs);
    if (tc_store_setting(d->store, KEY_SETTING, fresh, &d->subs->key, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot read or create the unsubscribe key: %s", err);
        return TC_ESTORE;
    }
    return 0;
}

void tc_daemon__subscribers_free(tc_daemon_t *d)
{
    if (!d->subs)
        return;
    free(d->subs->key);
    free(d->subs);
    d->subs = NULL;
}

/* ---- small helpers ---- */

/* Links in messages are absolute: page.url, or the listen address when it is not set. */
static void base_url(const tc_daemon_t *d, char *out, size_t outlen)
{
    const char *url = d->config->page.url;
    if (url && url[0]) {
        size_t n = strlen(url);
        while (n > 0 && url[n - 1] == '/')
            n--;
        snprintf(out, outlen, "%.*s", (int)n, url);
    } else {
        snprintf(out, outlen, "http://%s:%d", d->config->server.host, d->config->server.port);
    }
}

static void unsubscribe_url(const tc_daemon_t *d, const char *sid, char *out, size_t outlen)
{
    char base[512], token[128];
    base_url(d, base, sizeof base);
    tc_secret_sign(d->subs->key, "unsubscribe", sid, token, sizeof token);
    snprintf(out, outlen, "%s/subscribers/unsubscribe/%s", base, token);
}

/* Does subscriber @p s (components JSON or NULL for all) follow any of @p ids? A message
 * about the whole page (n == 0) goes to everyone. */
static bool follows(const tc_subscriber_t *s, const char *const *ids, size_t n)
{
    if (!s->components || n == 0)
        return true;
    json_t *list = json_loads(s->components, 0, NULL);
    bool yes = false;
    size_t k;
    json_t *v;
    json_array_foreach(list, k, v)
    {
        for (size_t i = 0; i < n && !yes; i++)
            yes = json_string_value(v) && strcmp(json_string_value(v), ids[i]) == 0;
    }
    json_decref(list);
    return yes;
}

static json_t *iso(int64_t ms)
{
    char t[40];
    tc_clock_format_iso(ms, t, sizeof t);
    return json_string(t);
}

/* meta and page of Statuspage's subscriber webhook payload (statuspage.md §3.5). */
static json_t *envelope(tc_daemon_t *d, const tc_view_t *view)
{
    json_t *o = json_object();
    json_object_set_new(o, "meta", json_pack("{s:s, s:s}", "unsubscribe", "",
                                             "documentation", DOCS_URL));
    json_object_set_new(o, "page",
                        json_pack("{s:s, s:s, s:s}", "id", d->config->page.id,
                                  "status_indicator", tc_indicator_name(view->rollup.indicator),
                                  "status_description", view->rollup.description));
    return o;
}

/* One outbox row per deliverable subscriber following @p ids: webhooks get @p payload with
 * their own unsubscribe link; e-mail subscribers get a message from @p subject, @p text and
 * @p html, to which their unsubscribe link is appended. */
static void queue_for_subscribers(tc_daemon_t *d, const char *const *ids, size_t nids,
                                  json_t *payload, const char *subject, const char *text,
                                  const char *html)
{
    char err[256];
    tc_subscriber_t *subs = NULL;
    size_t nsubs = 0;
    if (tc_store_subscribers(d->store, true, &subs, &nsubs, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot read subscribers: %s", err);
        return;
    }
    const tc_channel_cfg_t *mailer = d->config->subscribers.email_channel
                                         ? tc_config_channel(d->config,
                                                             d->config->subscribers.email_channel)
                                         : NULL;
    tc_outbox_t *msgs = tc_calloc(nsubs ? nsubs : 1, sizeof *msgs);
    size_t n = 0;
    int64_t now = tc_clock_wall_ms();
    for (size_t i = 0; i < nsubs; i++) {
        const tc_subscriber_t *s = &subs[i];
        bool mail = strcmp(s->kind, "email") == 0;
        if (!follows(s, ids, nids) || (mail && !mailer))
            continue;
        char unsub[700], id[13], target[64];
        unsubscribe_url(d, s->id, unsub, sizeof unsub);
        tc_daemon__new_id(id);
        snprintf(target, sizeof target, "subscriber:%s", s->id);
        tc_outbox_t *m = &msgs[n++];
        m->id = tc_strdup(id);
        m->target = tc_strdup(target);
        m->kind = tc_strdup(mail ? "email" : "webhook");
        m->created_at = now;
        m->expires_at = now + d->config->notify_retry_ms;
        if (mail) {
            size_t len = strlen(s->address) + 8;
            m->url = tc_malloc(len);
            snprintf(m->url, len, "mailto:%s", s->address);
            tc_buf_t t, h;
            tc_buf_init(&t, 0);
            tc_buf_init(&h, 0);
            tc_buf_printf(&t, "%s\r\n\r\n--\r\nUnsubscribe: %s\r\n", text, unsub);
            tc_buf_printf(&h, "%s<hr><p><small><a href=\"", html);
            tc_buf_html(&h, unsub);
            tc_buf_puts(&h, "\">Unsubscribe</a> from these notifications.</small></p>");
            const char *to[1] = {s->address};
            tc_mail_t mm = {
                .from = mailer->from,
                .to = to,
                .nto = 1,
                .subject = subject,
                .text = t.data,
                .html = h.data,
                .id = id,
                .at = now,
                .unsubscribe = unsub,
            };
            m->payload = tc_notify_mail(&mm);
            tc_buf_free(&t);
            tc_buf_free(&h);
        } else {
            m->url = tc_strdup(s->address);
            json_object_set_new(json_object_get(payload, "meta"), "unsubscribe",
                                json_string(unsub));
            m->payload = json_dumps(payload, JSON_COMPACT);
        }
    }
    if (n && tc_store_outbox_add(d->store, msgs, n, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "cannot queue subscriber messages: %s", err);
    else if (n)
        tc_log(TC_LOG_INFO, MODULE, "queued %zu subscriber message(s): %s", n, subject);
    tc_store_outbox_free(msgs, n);
    tc_store_subscribers_free(subs, nsubs);
}

/* ---- events ---- */

void tc_daemon__notify_incident(tc_daemon_t *d, const tc_incident_t *inc)
{
    if (!inc->nupdates)
        return;
    const tc_incident_update_t *u = &inc->updates[inc->nupdates - 1];
    if (!u->deliver_notifications || inc->backfilled)
        return;
    tc_view_t view;
    tc_daemon__view(d, &view);
    json_t *payload = envelope(d, &view);
    json_object_set_new(payload, "incident", tc_render_incident_json(&view, inc, true));
    tc_daemon__view_free(&view);

    int prev = inc->nupdates > 1 ? (int)inc->updates[inc->nupdates - 2].status : -1;
    const char *label = tc_incident_update_label(u->status, prev);
    char base[512];
    base_url(d, base, sizeof base);
    tc_buf_t subject, text, html;
    tc_buf_init(&subject, 0);
    tc_buf_init(&text, 0);
    tc_buf_init(&html, 0);
    tc_buf_printf(&subject, "[%s] %s%s: %s", d->config->page.name,
                  inc->is_maintenance ? "Maintenance " : "", label, inc->name);
    tc_buf_printf(&text, "%s\r\n%s - %s\r\n\r\n%s\r\n", inc->name, label,
                  tc_impact_name(inc->impact), u->body);
    for (size_t k = 0; k < inc->ncomponents; k++)
        tc_buf_printf(&text, "Affects: %s\r\n", inc->component_ids[k]);
    tc_buf_printf(&text, "\r\nDetails: %s/incidents/%s\r\n", base, inc->id);
    tc_buf_puts(&html, "<h2>");
    tc_buf_html(&html, inc->name);
    tc_buf_puts(&html, "</h2><p><strong>");
    tc_buf_html(&html, label);
    tc_buf_puts(&html, "</strong> - ");
    tc_buf_html(&html, u->body);
    tc_buf_puts(&html, "</p><p><a href=\"");
    tc_buf_html(&html, base);
    tc_buf_puts(&html, "/incidents/");
    tc_buf_html(&html, inc->id);
    tc_buf_puts(&html, "\">View the incident</a></p>");
    queue_for_subscribers(d, (const char *const *)inc->component_ids, inc->ncomponents, payload,
                          subject.data, text.data, html.data);
    json_decref(payload);
    tc_buf_free(&subject);
    tc_buf_free(&text);
    tc_buf_free(&html);
}

void tc_daemon__notify_component(tc_daemon_t *d, const tc_store_row_t *row, tc_status_t old,
                                 int64_t now)
{
    tc_view_t view;
    tc_daemon__view(d, &view);
    json_t *payload = envelope(d, &view);
    tc_daemon__view_free(&view);
    char uid[13];
    tc_daemon__new_id(uid);
    json_t *cu = json_object();
    json_object_set_new(cu, "created_at", iso(now));
    json_object_set_new(cu, "new_status", json_string(tc_status_name(row->status)));
    json_object_set_new(cu, "old_status", json_string(tc_status_name(old)));
    json_object_set_new(cu, "id", json_string(uid));
    json_object_set_new(cu, "component_id", json_string(row->id));
    json_object_set_new(payload, "component_update", cu);
    json_t *c = json_object();
    json_object_set_new(c, "created_at", iso(row->created_at));
    json_object_set_new(c, "id", json_string(row->id));
    json_object_set_new(c, "name", json_string(row->name));
    json_object_set_new(c, "status", json_string(tc_status_name(row->status)));
    json_object_set_new(payload, "component", c);

    char base[512];
    base_url(d, base, sizeof base);
    tc_buf_t subject, text, html;
    tc_buf_init(&subject, 0);
    tc_buf_init(&text, 0);
    tc_buf_init(&html, 0);
    tc_buf_printf(&subject, "[%s] %s is now %s", d->config->page.name, row->name,
                  tc_status_name(row->status));
    tc_buf_printf(&text, "%s: %s -> %s\r\n\r\nStatus page: %s/\r\n", row->name,
                  tc_status_name(old), tc_status_name(row->status), base);
    tc_buf_puts(&html, "<p><strong>");
    tc_buf_html(&html, row->name);
    tc_buf_printf(&html, "</strong>: %s &rarr; %s</p><p><a href=\"", tc_status_name(old),
                  tc_status_name(row->status));
    tc_buf_html(&html, base);
    tc_buf_puts(&html, "/\">Status page</a></p>");
    const char *ids[1] = {row->id};
    queue_for_subscribers(d, ids, 1, payload, subject.data, text.data, html.data);
    json_decref(payload);
    tc_buf_free(&subject);
    tc_buf_free(&text);
    tc_buf_free(&html);
}

/* ---- replies ---- */

/* A small page in the status page's frame. @p body is HTML. */
static void reply_page(tc_daemon_t *d, tc_http_request_t *req, unsigned status,
                       const char *title, const char *body)
{
    tc_view_t view;
    tc_daemon__view(d, &view);
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_html_open(&b, &view, title, false);
    tc_buf_puts(&b, "<h1>");
    tc_buf_html(&b, title);
    tc_buf_puts(&b, "</h1>");
    tc_buf_puts(&b, body);
    tc_html_close(&b, &view);
    tc_daemon__view_free(&view);
    tc_http_reply_html(req, status, b.data);
    tc_buf_free(&b);
}

/* An error as JSON {"error": ...} or, for the page's form, as a page. */
static void reply_error(tc_daemon_t *d, tc_http_request_t *req, bool form, unsigned status,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void reply_error(tc_daemon_t *d, tc_http_request_t *req, bool form, unsigned status,
                        const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Messages quote client bytes (paths, field names) and are cut to fit: JSON needs valid
     * UTF-8, and a failed encode would answer no message at all (issue 12 item 1). */
    tc_utf8_clean(msg);
    if (form) {
        tc_buf_t b;
        tc_buf_init(&b, 0);
        tc_buf_puts(&b, "<p>");
        tc_buf_html(&b, msg);
        tc_buf_puts(&b, "</p><p><a href=\"/\">&larr; Back to the status page</a></p>");
        reply_page(d, req, status, "Subscription not saved", b.data);
        tc_buf_free(&b);
        return;
    }
    json_t *doc = json_pack("{s:s}", "error", msg);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    tc_http_reply(req, status, text);
    free(text);
}

static json_t *subscriber_json(const tc_subscriber_t *s)
{
    char created[40];
    tc_clock_format_iso(s->created_at, created, sizeof created);
    bool mail = strcmp(s->kind, "email") == 0;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "mode", json_string(s->kind));
    json_object_set_new(o, "email", mail ? json_string(s->address) : json_null());
    json_object_set_new(o, "endpoint", mail ? json_null() : json_string(s->address));
    json_t *comps = s->components ? json_loads(s->components, 0, NULL) : NULL;
    json_object_set_new(o, "components", comps ? comps : json_null());
    json_object_set_new(o, "confirmed", json_boolean(s->confirmed));
    json_object_set_new(o, "created_at", json_string(created));
    if (s->unsubscribed_at)
        json_object_set_new(o, "unsubscribed_at", iso(s->unsubscribed_at));
    return o;
}

/* ---- POST /api/v2/subscribers ---- */

/* Fixed one-minute windows per client address; the oldest slot is reused for a new one, so
 * memory stays bounded whoever calls. */
static bool rate_limited(tc_daemon_t *d, const char *addr)
{
    int64_t minute = tc_clock_wall_ms() / 60000;
    limit_slot_t *slot = NULL, *oldest = &d->subs->slots[0];
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        limit_slot_t *s = &d->subs->slots[i];
        if (strcmp(s->addr, addr) == 0) {
            slot = s;
            break;
        }
        if (s->minute < oldest->minute)
            oldest = s;
    }
    if (!slot) {
        slot = oldest;
        snprintf(slot->addr, sizeof slot->addr, "%s", addr);
        slot->count = 0;
        slot->minute = minute;
    }
    if (slot->minute != minute) {
        slot->minute = minute;
        slot->count = 0;
    }
    return ++slot->count > d->config->subscribers.rate_limit;
}

/* A practical check, not RFC 5322's grammar: one @, a local part and a dotted domain of
 * letters, digits and hyphens, no spaces, quotes or angle brackets (which would break the
 * SMTP envelope or the headers). */
static bool valid_email(const char *s)
{
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len > MAX_EMAIL || !at || at == s || at - s > 64 || strchr(at + 1, '@'))
        return false;
    for (const char *p = s; p < at; p++)
        if ((unsigned char)*p <= ' ' || strchr("\"(),:;<>[\\]", *p) || *p == 0x7f)
            return false;
    const char *dom = at + 1;
    if (!dom[0] || dom[0] == '.' || dom[0] == '-' || !strchr(dom, '.') ||
        dom[strlen(dom) - 1] == '.' || strstr(dom, ".."))
        return false;
    for (const char *p = dom; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || (unsigned char)*p >= 0x80))
            return false;
    return true;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static char *url_decode(const char *p, size_t len)
{
    char *out = tc_malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '+') {
            out[n++] = ' ';
        } else if (p[i] == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 &&
                   hexval(p[i + 2]) >= 0) {
            out[n++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else {
            out[n++] = p[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* The page's form (application/x-www-form-urlencoded) as the JSON request it stands for:
 * email=, endpoint=, components= (repeated). */
static json_t *form_to_json(const char *body, size_t len)
{
    json_t *sub = json_object();
    json_t *comps = NULL;
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq) {
            char *key = url_decode(p, (size_t)(eq - p));
            char *value = url_decode(eq + 1, (size_t)(stop - eq - 1));
            if (strcmp(key, "components") == 0 || strcmp(key, "components[]") == 0) {
                if (!comps)
                    comps = json_array();
                json_array_append_new(comps, json_string(value));
            } else if (value[0]) {
                json_object_set_new(sub, key, json_string(value));
            }
            free(key);
            free(value);
        }
        p = stop + 1;
    }
    if (comps)
        json_object_set_new(sub, "components", comps);
    return json_pack("{s:o}", "subscriber", sub);
}

/* Validate the components list into a JSON text (NULL for the whole page). */
static int check_components(tc_daemon_t *d, json_t *comps, char **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!comps || json_is_null(comps))
        return 0;
    if (!json_is_array(comps) || json_array_size(comps) > MAX_COMPONENTS) {
        snprintf(err, errlen, "components must be a list of component ids");
        return -1;
    }
    if (json_array_size(comps) == 0)
        return 0;
    size_t k;
    json_t *v;
    json_array_foreach(comps, k, v)
    {
        const char *id = json_string_value(v);
        const tc_store_row_t *row = id ? tc_daemon__row(d, id) : NULL;
        if (!row || row->is_group) {
            snprintf(err, errlen, "unknown component \"%.100s\"", id ? id : "(not a string)");
            return -1;
        }
    }
    *out = json_dumps(comps, JSON_COMPACT);
    return 0;
}

/* Queue the confirmation e-mail (in the caller's transaction). */
static int queue_confirmation(tc_daemon_t *d, const tc_subscriber_t *s, const char *token,
                              char *err, size_t errlen)
{
    const tc_channel_cfg_t *mailer = tc_config_channel(d->config,
                                                       d->config->subscribers.email_channel);
    char base[512], link[700], unsub[700], id[13], target[64];
    base_url(d, base, sizeof base);
    snprintf(link, sizeof link, "%s/subscribers/confirm/%s", base, token);
    unsubscribe_url(d, s->id, unsub, sizeof unsub);
    tc_daemon__new_id(id);
    snprintf(target, sizeof target, "subscriber:%s", s->id);
    tc_buf_t subject, text, html;
    tc_buf_init(&subject, 0);
    tc_buf_init(&text, 0);
    tc_buf_init(&html, 0);
    tc_buf_printf(&subject, "[%s] Confirm your subscription", d->config->page.name);
    tc_buf_printf(&text,
                  "Someone (we hope you) asked to receive status updates from %s at this "
                  "address.\r\n\r\nTo confirm, open this link:\r\n%s\r\n\r\nIf it was not "
                  "you, ignore this message: nothing will be sent.\r\n\r\n--\r\nUnsubscribe: "
                  "%s\r\n",
                  d->config->page.name, link, unsub);
    tc_buf_puts(&html, "<p>Someone (we hope you) asked to receive status updates from ");
    tc_buf_html(&html, d->config->page.name);
    tc_buf_puts(&html, " at this address.</p><p><a href=\"");
    tc_buf_html(&html, link);
    tc_buf_puts(&html, "\">Confirm your subscription</a></p><p>If it was not you, ignore this "
                       "message: nothing will be sent.</p><hr><p><small><a href=\"");
    tc_buf_html(&html, unsub);
    tc_buf_puts(&html, "\">Unsubscribe</a></small></p>");
    int64_t now = tc_clock_wall_ms();
    const char *to[1] = {s->address};
    tc_mail_t mm = {
        .from = mailer->from,
        .to = to,
        .nto = 1,
        .subject = subject.data,
        .text = text.data,
        .html = html.data,
        .id = id,
        .at = now,
        .unsubscribe = unsub,
    };
    char url[MAX_EMAIL + 8];
    snprintf(url, sizeof url, "mailto:%s", s->address);
    tc_outbox_t m = {
        .id = id,
        .target = target,
        .kind = "email",
        .url = url,
        .payload = tc_notify_mail(&mm),
        .created_at = now,
        .expires_at = now + d->config->notify_retry_ms,
    };
    int rc = tc_store_outbox_add(d->store, &m, 1, err, errlen);
    free(m.payload);
    tc_buf_free(&subject);
    tc_buf_free(&text);
    tc_buf_free(&html);
    return rc;
}

static void subscribe(tc_daemon_t *d, tc_http_request_t *req)
{
    size_t len;
    const char *body = tc_http_body(req, &len);
    const char *ctype = tc_http_header(req, "Content-Type");
    bool form = ctype && strncmp(ctype, "application/x-www-form-urlencoded", 33) == 0;
    char err[512];
    if (rate_limited(d, tc_http_client(req))) {
        reply_error(d, req, form, 429, "too many subscription requests from your address; try "
                                       "again in a minute");
        return;
    }
    json_t *doc;
    if (form) {
        doc = form_to_json(body, len);
    } else {
        json_error_t jerr;
        doc = json_loadb(body, len, 0, &jerr);
        if (!doc) {
            reply_error(d, req, false, 400, "invalid JSON at line %d, column %d: %s", jerr.line,
                        jerr.column, jerr.text);
            return;
        }
    }
    json_t *o = json_object_get(doc, "subscriber");
    const char *email = NULL, *endpoint = NULL;
    char *components = NULL;
    tc_subscriber_t found = {0};
    if (!json_is_object(o)) {
        reply_error(d, req, form, 422,
                    "send {\"subscriber\": {\"email\": \"...\"}} or {\"subscriber\": "
                    "{\"endpoint\": \"https://...\"}}");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "email") != 0 && strcmp(key, "endpoint") != 0 &&
            strcmp(key, "components") != 0) {
            reply_error(d, req, form, 422, "unknown field \"%.60s\" (email, endpoint and "
                                           "components are accepted)",
                        key);
            goto out;
        }
    }
    v = json_object_get(o, "email");
    if (v && !json_is_null(v) && !(email = json_string_value(v))) {
        reply_error(d, req, form, 422, "email must be a string");
        goto out;
    }
    v = json_object_get(o, "endpoint");
    if (v && !json_is_null(v) && !(endpoint = json_string_value(v))) {
        reply_error(d, req, form, 422, "endpoint must be a string");
        goto out;
    }
    if (!email == !endpoint) {
        reply_error(d, req, form, 422, "give either an email or a webhook endpoint");
        goto out;
    }
    if (email && !valid_email(email)) {
        reply_error(d, req, form, 422, "\"%.100s\" is not a valid e-mail address", email);
        goto out;
    }
    if (email && !d->config->subscribers.email_channel) {
        reply_error(d, req, form, 422, "this page does not offer e-mail subscriptions");
        goto out;
    }
    if (endpoint && tc_notify_check_url(endpoint, d->config->subscribers.allow_private_webhooks,
                                        err, sizeof err) != 0) {
        reply_error(d, req, form, 422, "%s", err);
        goto out;
    }
    if (check_components(d, json_object_get(o, "components"), &components, err, sizeof err)) {
        reply_error(d, req, form, 422, "%s", err);
        goto out;
    }
    const char *kind = email ? "email" : "webhook";
    const char *address = email ? email : endpoint;
    /* E-mail needs a confirmation token (new for every request, so a lost e-mail can be
     * asked for again); webhooks are active at once, as on Statuspage. */
    char token[33] = "", hash[2 * TC_SECRET_HASH_LEN + 1];
    if (email) {
        tc_secret_random_hex(token, 16);
        tc_secret_hash_hex(token, hash);
    }
    int rc = tc_store_begin(d->store, err, sizeof err);
    if (rc) {
        reply_error(d, req, form, 500, "the subscription could not be saved: %s", err);
        goto out;
    }
    int existed = tc_store_subscriber_find(d->store, kind, address, &found) == 0;
    if (existed && found.confirmed) {
        /* Anyone can post any address: a confirmed subscription is never changed by an
         * unauthenticated request (its owner unsubscribes with their link and subscribes
         * again). The answer is the same as for a new one, so it reveals nothing. */
        rc = 0;
    } else if (existed) {
        /* Still unconfirmed: a fresh link (and the new components) go to the address; only
         * its owner can confirm them. */
        rc = tc_store_subscriber_update(d->store, found.id, components, email ? hash : NULL,
                                        err, sizeof err);
        free(found.components);
        found.components = components ? tc_strdup(components) : NULL;
    } else {
        char sid[13];
        tc_daemon__new_id(sid);
        found.id = tc_strdup(sid);
        found.kind = tc_strdup(kind);
        found.address = tc_strdup(address);
        found.components = components ? tc_strdup(components) : NULL;
        found.confirmed = !email;
        found.created_at = tc_clock_wall_ms();
        rc = tc_store_subscriber_add(d->store, &found, email ? hash : NULL, err, sizeof err);
    }
    if (!rc && email && !found.confirmed)
        rc = queue_confirmation(d, &found, token, err, sizeof err);
    if (!rc)
        rc = tc_store_commit(d->store, err, sizeof err);
    else
        tc_store_rollback(d->store);
    if (rc) {
        reply_error(d, req, form, 500, "the subscription could not be saved: %s", err);
        goto out;
    }
    tc_notify_kick(d->notify);
    tc_log(TC_LOG_INFO, MODULE, "%s subscriber %s %s", kind, found.id,
           existed ? "updated" : "added");
    if (form) {
        tc_buf_t b;
        tc_buf_init(&b, 0);
        if (email && !found.confirmed) {
            tc_buf_puts(&b, "<p>We sent a message to <strong>");
            tc_buf_html(&b, email);
            tc_buf_puts(&b, "</strong>. Follow the link in it to confirm your subscription; "
                            "until then you will get nothing else.</p>");
        } else {
            tc_buf_puts(&b, "<p>You are subscribed.</p>");
        }
        tc_buf_puts(&b, "<p><a href=\"/\">&larr; Back to the status page</a></p>");
        reply_page(d, req, 201,
                   email && !found.confirmed ? "Check your inbox" : "Subscribed", b.data);
        tc_buf_free(&b);
    } else {
        json_t *out = json_pack("{s:o}", "subscriber", subscriber_json(&found));
        char *text = json_dumps(out, JSON_COMPACT);
        json_decref(out);
        tc_http_reply(req, 201, text);
        free(text);
    }
out:
    tc_store_subscriber_clear(&found);
    free(components);
    json_decref(doc);
}

/* ---- /subscribers/confirm/<token> and /subscribers/unsubscribe/<token> ---- */

/* GET shows a button; only the POST acts, so link scanners in mail systems that open every
 * link cannot confirm or unsubscribe anyone. */
static void ask(tc_daemon_t *d, tc_http_request_t *req, const char *title, const char *text,
                const char *button)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_puts(&b, "<p>");
    tc_buf_html(&b, text);
    tc_buf_puts(&b, "</p><form method=\"post\" action=\"");
    tc_buf_html(&b, tc_http_path(req));
    tc_buf_puts(&b, "\"><button type=\"submit\">");
    tc_buf_html(&b, button);
    tc_buf_puts(&b, "</button></form>");
    reply_page(d, req, 200, title, b.data);
    tc_buf_free(&b);
}

static void confirm(tc_daemon_t *d, tc_http_request_t *req, const char *token, bool post)
{
    size_t n = strlen(token);
    bool ok = n == 32;
    for (size_t i = 0; ok && i < n; i++)
        ok = hexval(token[i]) >= 0;
    if (!ok) {
        reply_page(d, req, 404, "Link not valid",
                   "<p>This confirmation link is not valid. Subscribe again from the status "
                   "page.</p>");
        return;
    }
    if (!post) {
        ask(d, req, "Confirm your subscription",
            "Press the button to start receiving status updates at this address.", "Confirm");
        return;
    }
    char hash[2 * TC_SECRET_HASH_LEN + 1];
    tc_secret_hash_hex(token, hash);
    tc_subscriber_t s = {0};
    int rc = tc_store_subscriber_confirm(d->store, hash, &s);
    if (rc == TC_ENOENT) {
        reply_page(d, req, 404, "Link not valid",
                   "<p>This confirmation link was already used or has been replaced by a "
                   "newer one.</p>");
    } else if (rc) {
        reply_page(d, req, 500, "Not confirmed", "<p>Something went wrong; try again.</p>");
    } else {
        tc_log(TC_LOG_INFO, MODULE, "subscriber %s confirmed", s.id);
        reply_page(d, req, 200, "Subscription confirmed",
                   "<p>You will now receive status updates.</p><p><a href=\"/\">&larr; Back "
                   "to the status page</a></p>");
    }
    tc_store_subscriber_clear(&s);
}

static void unsubscribe(tc_daemon_t *d, tc_http_request_t *req, const char *token, bool post)
{
    char sid[32];
    tc_subscriber_t s = {0};
    if (tc_secret_verify(d->subs->key, "unsubscribe", token, sid, sizeof sid) != 0 ||
        tc_store_subscriber_get(d->store, sid, &s) != 0) {
        reply_page(d, req, 404, "Link not valid", "<p>This unsubscribe link is not valid.</p>");
        return;
    }
    if (s.unsubscribed_at) {
        reply_page(d, req, 200, "Unsubscribed", "<p>You are not subscribed any more.</p>");
    } else if (!post) {
        char text[400];
        snprintf(text, sizeof text, "Stop sending status updates to %s?", s.address);
        ask(d, req, "Unsubscribe", text, "Unsubscribe");
    } else {
        char err[256];
        if (tc_store_subscriber_unsubscribe(d->store, s.id, tc_clock_wall_ms(), err,
                                            sizeof err) != 0 &&
            strstr(err, "no active") == NULL) {
            reply_page(d, req, 500, "Not unsubscribed", "<p>Something went wrong; try "
                                                        "again.</p>");
        } else {
            tc_log(TC_LOG_INFO, MODULE, "subscriber %s unsubscribed", s.id);
            reply_page(d, req, 200, "Unsubscribed",
                       "<p>You will not receive any more status updates.</p>");
        }
    }
    tc_store_subscriber_clear(&s);
}

void tc_daemon__handle_subscribers(tc_daemon_t *d, tc_http_request_t *req)
{
    const char *path = tc_http_path(req);
    const char *method = tc_http_method(req);
    bool post = strcmp(method, "POST") == 0;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(path, "/api/v2/subscribers") == 0 || strcmp(path, "/api/v2/subscribers.json") == 0) {
        if (post)
            subscribe(d, req);
        else
            tc_http_reply(req, 405, "{\"error\":\"use POST to subscribe\"}");
        return;
    }
    if (!get && !post) {
        tc_http_reply(req, 405, "{\"error\":\"use GET or POST\"}");
        return;
    }
    if (strncmp(path, "/subscribers/confirm/", 21) == 0)
        confirm(d, req, path + 21, post);
    else if (strncmp(path, "/subscribers/unsubscribe/", 25) == 0)
        unsubscribe(d, req, path + 25, post);
    else
        reply_page(d, req, 404, "Not found", "<p>There is no such page.</p>");
}

/* ---- the write API: GET subscribers, DELETE subscribers/{id} ---- */

void tc_daemon__subscribers_v1(tc_daemon_t *d, tc_http_request_t *req, const char *rest,
                               const char *method)
{
    char err[256];
    if (!rest[0]) {
        if (strcmp(method, "GET") != 0) {
            reply_error(d, req, false, 405, "use GET to list subscribers (they subscribe "
                                            "through POST /api/v2/subscribers)");
            return;
        }
        tc_subscriber_t *subs = NULL;
        size_t n = 0;
        if (tc_store_subscribers(d->store, false, &subs, &n, err, sizeof err) != 0) {
            reply_error(d, req, false, 500, "%s", err);
            return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(list, subscriber_json(&subs[i]));
        tc_store_subscribers_free(subs, n);
        char *text = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        tc_http_reply(req, 200, text);
        free(text);
        return;
    }
    if (rest[0] != '/' || strchr(rest + 1, '/')) {
        reply_error(d, req, false, 404, "not found");
        return;
    }
    const char *sid = rest + 1;
    tc_subscriber_t s = {0};
    if (tc_store_subscriber_get(d->store, sid, &s) != 0 || s.unsubscribed_at) {
        tc_store_subscriber_clear(&s);
        reply_error(d, req, false, 404, "no subscriber %.40s", sid);
        return;
    }
    if (strcmp(method, "GET") == 0) {
        json_t *o = subscriber_json(&s);
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        tc_http_reply(req, 200, text);
        free(text);
    } else if (strcmp(method, "DELETE") == 0) {
        int64_t now = tc_clock_wall_ms();
        if (tc_store_subscriber_unsubscribe(d->store, s.id, now, err, sizeof err) != 0) {
            reply_error(d, req, false, 500, "%s", err);
        } else {
            s.unsubscribed_at = now;
            tc_log(TC_LOG_INFO, MODULE, "subscriber %s removed through the API", s.id);
            json_t *o = subscriber_json(&s);
            char *text = json_dumps(o, JSON_COMPACT);
            json_decref(o);
            tc_http_reply(req, 200, text);
            free(text);
        }
    } else {
        reply_error(d, req, false, 405, "use GET or DELETE");
    }
    tc_store_subscriber_clear(&s);
}
