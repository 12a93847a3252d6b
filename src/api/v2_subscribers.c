/* Subscriptions over HTTP: the public POST /api/v2/subscribers (Statuspage's JSON, or the
 * status page's no-JavaScript form), the pages behind the confirmation and unsubscribe links,
 * and the write API's list and removal. Requests are decoded into subscription commands
 * (engine/command.h); a request from the form is answered with a page, any other with JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "subscribe/subscribe.h"
#include "web/i18n.h"
#include "web/render.h"

/* ---- replies ---- */

static void reply_page(tc_api_call_t *c, unsigned status, char *html)
{
    tc_http_reply_html(c->req, status, html);
    free(html);
}

/* A page titled @p title with @p text below it: the texts in the page's language. */
static void reply_notice_text(tc_api_call_t *c, unsigned status, tc_text_t title,
                              const char *text, bool back_link)
{
    const tc_view_t *view = tc_engine_view(c->e);
    char *html = tc_render_notice_html(view, tc_i18n(view->lang, title), text, back_link);
    reply_page(c, status, html);
}

static void reply_notice(tc_api_call_t *c, unsigned status, tc_text_t title, tc_text_t text,
                         bool back_link)
{
    reply_notice_text(c, status, title, tc_i18n(tc_engine_view(c->e)->lang, text), back_link);
}

/* An error as JSON {"error": ...} or, for the page's form, as a page. */
static void reply_error(tc_api_call_t *c, bool form, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reply_error(tc_api_call_t *c, bool form, unsigned status, const char *fmt, ...)
{
    char full[1024];
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(full, sizeof full, fmt, ap);
    va_end(ap);
    tc_utf8_excerpt(msg, sizeof msg, full);
    if (form)
        reply_notice_text(c, status, TC_T_NOT_SAVED, msg, true); /* msg: English */
    else
        tc_api_reply_error(c->req, status, "%s", msg);
}

static json_t *iso(const tc_zone_t *z, int64_t ms)
{
    char t[40];
    tc_clock_format_iso(z, ms, t, sizeof t);
    return json_string(t);
}

static json_t *subscriber_json(const tc_zone_t *z, const tc_subscriber_t *s)
{
    bool mail = strcmp(s->kind, "email") == 0;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "mode", json_string(s->kind));
    json_object_set_new(o, "email", mail ? json_string(s->address) : json_null());
    json_object_set_new(o, "endpoint", mail ? json_null() : json_string(s->address));
    json_t *comps = s->components ? json_loads(s->components, 0, NULL) : NULL;
    json_object_set_new(o, "components", comps ? comps : json_null());
    json_object_set_new(o, "confirmed", json_boolean(s->confirmed));
    json_object_set_new(o, "created_at", iso(z, s->created_at));
    if (s->unsubscribed_at)
        json_object_set_new(o, "unsubscribed_at", iso(z, s->unsubscribed_at));
    return o;
}

/* ---- decoding ---- */

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

json_t *tc_api__form_to_json(const char *body, size_t len)
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
            /* Bytes that are not UTF-8 make no JSON string: such a field is left out, and
             * the request then fails its checks like any other incomplete one. */
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

/* Decode {"subscriber": {...}} into @p cmd; the arrays it points to go to *@p ids (free). */
static int decode_subscriber(json_t *doc, tc_subscribe_cmd_t *cmd, const char ***ids, char *err,
                             size_t errlen)
{
    static const char *const known[] = {"email", "endpoint", "components", NULL};
    static const char *const top[] = {"subscriber", NULL};
    *ids = NULL;
    json_t *o = json_object_get(doc, "subscriber");
    if (!json_is_object(o)) {
        snprintf(err, errlen, "send {\"subscriber\": {\"email\": \"...\"}} or "
                              "{\"subscriber\": {\"endpoint\": \"https://...\"}}");
        return TC_EINVAL;
    }
    if (tc_api__only_fields(doc, top, err, errlen) || tc_api__only_fields(o, known, err, errlen))
        return TC_EINVAL;
    json_t *v = json_object_get(o, "email");
    if (v && !json_is_null(v) && !(cmd->email = json_string_value(v))) {
        snprintf(err, errlen, "email must be a string");
        return TC_EINVAL;
    }
    v = json_object_get(o, "endpoint");
    if (v && !json_is_null(v) && !(cmd->endpoint = json_string_value(v))) {
        snprintf(err, errlen, "endpoint must be a string");
        return TC_EINVAL;
    }
    v = json_object_get(o, "components");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) > TC_SUBSCRIBE_MAX_COMPONENTS) {
            snprintf(err, errlen, "components must be a list of component ids");
            return TC_EINVAL;
        }
        *ids = tc_calloc(json_array_size(v) + 1, sizeof **ids);
        size_t k;
        json_t *id;
        json_array_foreach(v, k, id)
        {
            (*ids)[k] = json_string_value(id); /* NULL when not a string: refused later */
        }
        cmd->components = *ids;
        cmd->ncomponents = json_array_size(v);
    }
    return 0;
}

/* ---- handlers ---- */

/* POST /api/v2/subscribers: JSON, or the page's form (application/x-www-form-urlencoded:
 * email=, endpoint=, components= repeated). */
void tc_api__subscribe(tc_api_call_t *c)
{
    size_t len;
    const char *body = tc_http_body(c->req, &len);
    const char *ctype = tc_http_header(c->req, "Content-Type");
    bool form = ctype && strncmp(ctype, "application/x-www-form-urlencoded", 33) == 0;
    json_t *doc;
    if (form) {
        doc = tc_api__form_to_json(body, len);
    } else {
        json_error_t jerr;
        doc = json_loadb(body, len, 0, &jerr);
        if (!doc) {
            reply_error(c, false, 400, "invalid JSON at line %d, column %d: %s", jerr.line,
                        jerr.column, jerr.text);
            return;
        }
    }
    char err[512];
    tc_subscribe_cmd_t cmd = {.client = tc_http_client(c->req)};
    const char **ids = NULL;
    tc_subscriber_t shown = {0};
    int rc = decode_subscriber(doc, &cmd, &ids, err, sizeof err);
    if (!rc)
        rc = tc_engine_subscribe(c->e, &cmd, &shown, err, sizeof err);
    if (rc) {
        reply_error(c, form, rc == TC_EAGAIN ? 429 : rc == TC_EINVAL ? 422 : 500, "%s", err);
    } else if (form && cmd.email) {
        char shown_email[TC_SUBSCRIBE_MAX_EMAIL + 1];
        tc_buf_t text;
        tc_buf_init(&text, 0);
        tc_i18n_put(&text, tc_engine_view(c->e)->lang, TC_T_CHECK_INBOX_TEXT,
                    tc_utf8_excerpt(shown_email, sizeof shown_email, cmd.email), NULL);
        reply_notice_text(c, 201, TC_T_CHECK_INBOX, text.data, true);
        tc_buf_free(&text);
    } else if (form) {
        reply_notice(c, 201, TC_T_SUBSCRIBED, TC_T_SUBSCRIBED_TEXT, true);
    } else {
        tc_api_reply_json(c->req, 201, json_pack("{s:o}", "subscriber", subscriber_json(tc_engine_zone(c->e), &shown)));
    }
    tc_engine_subscriber_clear(&shown);
    free(ids);
    json_decref(doc);
}

/* GET /subscribers/confirm/<token> asks; POST confirms. */
void tc_api__confirm(tc_api_call_t *c)
{
    const char *token = c->params[0];
    if (!tc_subscribe_valid_confirm_token(token)) {
        reply_notice(c, 404, TC_T_LINK_INVALID, TC_T_CONFIRM_INVALID, false);
        return;
    }
    if (strcmp(tc_http_method(c->req), "POST") != 0) {
        const tc_view_t *view = tc_engine_view(c->e);
        char *html = tc_render_confirm_html(view, tc_i18n(view->lang, TC_T_CONFIRM_TITLE),
                                            tc_i18n(view->lang, TC_T_CONFIRM_TEXT),
                                            tc_http_path(c->req),
                                            tc_i18n(view->lang, TC_T_CONFIRM));
        reply_page(c, 200, html);
        return;
    }
    char err[256];
    int rc = tc_engine_subscription_confirm(c->e, token, err, sizeof err);
    if (rc == TC_ENOENT)
        reply_notice(c, 404, TC_T_LINK_INVALID, TC_T_CONFIRM_USED, false);
    else if (rc)
        reply_notice(c, 500, TC_T_NOT_CONFIRMED, TC_T_TRY_AGAIN, false);
    else
        reply_notice(c, 200, TC_T_CONFIRMED, TC_T_CONFIRMED_TEXT, true);
}

/* GET /subscribers/unsubscribe/<token> asks; POST unsubscribes. */
void tc_api__unsubscribe(tc_api_call_t *c)
{
    const char *token = c->params[0];
    tc_subscriber_t s;
    if (tc_engine_subscription_of(c->e, token, &s) != 0) {
        reply_notice(c, 404, TC_T_LINK_INVALID, TC_T_UNSUB_INVALID, false);
        return;
    }
    if (s.unsubscribed_at) {
        reply_notice(c, 200, TC_T_UNSUBSCRIBED, TC_T_NOT_SUBSCRIBED, false);
    } else if (strcmp(tc_http_method(c->req), "POST") != 0) {
        char shown[300];
        const tc_view_t *view = tc_engine_view(c->e);
        tc_buf_t text;
        tc_buf_init(&text, 0);
        tc_i18n_put(&text, view->lang, TC_T_UNSUB_ASK,
                    tc_utf8_excerpt(shown, sizeof shown, s.address), NULL);
        const char *unsubscribe = tc_i18n(view->lang, TC_T_UNSUBSCRIBE);
        char *html = tc_render_confirm_html(view, unsubscribe, text.data, tc_http_path(c->req),
                                            unsubscribe);
        tc_buf_free(&text);
        reply_page(c, 200, html);
    } else {
        char err[256];
        if (tc_engine_unsubscribe(c->e, token, err, sizeof err) != 0)
            reply_notice(c, 500, TC_T_NOT_UNSUBSCRIBED, TC_T_TRY_AGAIN, false);
        else
            reply_notice(c, 200, TC_T_UNSUBSCRIBED, TC_T_UNSUBSCRIBED_TEXT, false);
    }
    tc_engine_subscriber_clear(&s);
}

/* ---- the write API: GET subscribers, GET and DELETE subscribers/{id} ---- */

void tc_api__subscribers_list(tc_api_call_t *c)
{
    char err[256];
    tc_subscriber_t *subs = NULL;
    size_t n = 0;
    if (tc_engine_subscribers(c->e, &subs, &n, err, sizeof err) != 0) {
        tc_api_reply_error(c->req, 500, "%s", err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, subscriber_json(tc_engine_zone(c->e), &subs[i]));
    tc_engine_subscribers_free(subs, n);
    tc_api_reply_json(c->req, 200, list);
}

void tc_api__subscriber_get(tc_api_call_t *c)
{
    tc_subscriber_t s;
    if (tc_engine_subscriber(c->e, c->params[0], &s) != 0) {
        char shown[41];
        tc_api_reply_error(c->req, 404, "no subscriber %s",
                           tc_utf8_excerpt(shown, sizeof shown, c->params[0]));
        return;
    }
    tc_api_reply_json(c->req, 200, subscriber_json(tc_engine_zone(c->e), &s));
    tc_engine_subscriber_clear(&s);
}

void tc_api__subscriber_delete(tc_api_call_t *c)
{
    char err[256];
    tc_subscriber_t s;
    int rc = tc_engine_subscriber_remove(c->e, c->params[0], &s, err, sizeof err);
    if (rc) {
        tc_api__reply_failure(c->req, rc, err);
    } else {
        tc_api__audit(c, "subscriber.remove", s.id, s.kind);
        tc_api_reply_json(c->req, 200, subscriber_json(tc_engine_zone(c->e), &s));
    }
    tc_engine_subscriber_clear(&s);
}
