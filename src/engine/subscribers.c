/* Subscribers on the engine thread: the subscription commands (engine/command.h), and the
 * outbox messages subscribers get when an incident or maintenance changes or a component they
 * follow changes status. Messages are queued in the caller's transaction (commit_incident,
 * tc_engine__derive_components) and sent by the notify worker; nothing here does network
 * I/O, decodes a request or renders a page. The rules (rate limit, address checks, who
 * follows what, the opt-in texts) are subscribe/subscribe.h's. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "engine/engine_int.h"
#include "subscribe/subscribe.h"
#include "web/render.h"

#define MODULE "subscribers"
#define KEY_SETTING "unsubscribe_key" /* the store setting that holds the signing key */
#define DOCS_URL "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"

struct tc_sub_state {
    char *key;                       /* owned; hex signing key for unsubscribe links */
    tc_subscribe_limiter_t limiter;  /* subscription requests per client address */
};

int tc_engine__subscribers_init(tc_engine_t *d)
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

void tc_engine__subscribers_free(tc_engine_t *d)
{
    if (!d->subs)
        return;
    free(d->subs->key);
    free(d->subs);
    d->subs = NULL;
}

/* ---- small helpers ---- */

/* Links in messages are absolute: page.url, or the listen address when it is not set. */
static void base_url(const tc_engine_t *d, char *out, size_t outlen)
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

static void unsubscribe_url(const tc_engine_t *d, const char *sid, char *out, size_t outlen)
{
    char base[512], token[128];
    base_url(d, base, sizeof base);
    tc_secret_sign(d->subs->key, "unsubscribe", sid, token, sizeof token);
    snprintf(out, outlen, "%s/subscribers/unsubscribe/%s", base, token);
}

static json_t *iso(const tc_zone_t *z, int64_t ms)
{
    char t[40];
    tc_clock_format_iso(z, ms, t, sizeof t);
    return json_string(t);
}

/* meta and page of Statuspage's subscriber webhook payload (statuspage.md §3.5). */
static json_t *envelope(tc_engine_t *d, const tc_view_t *view)
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

/* The fields every message to subscriber @p s shares: a fresh id (also its event id), the
 * target, and its times. */
static void new_row(tc_engine_t *d, const tc_subscriber_t *s, const char *kind, int64_t now,
                    tc_outbox_t *m)
{
    char id[13], target[64];
    tc_engine__new_id(id);
    snprintf(target, sizeof target, "subscriber:%s", s->id);
    m->id = tc_strdup(id);
    m->target = tc_strdup(target);
    m->kind = tc_strdup(kind);
    m->created_at = now;
    m->expires_at = now + d->config->notify_retry_ms;
}

/* An e-mail to subscriber @p s as outbox row @p m (which owns its strings): the words @p w in
 * the page's frame, the subscriber's own unsubscribe link in the footer and in the
 * List-Unsubscribe headers (RFC 8058 one-click: a POST to it unsubscribes). */
static void mail_row(tc_engine_t *d, const tc_channel_cfg_t *mailer, const tc_subscriber_t *s,
                     const tc_mail_words_t *w, int64_t now, tc_outbox_t *m)
{
    char base[512], unsub[700];
    base_url(d, base, sizeof base);
    unsubscribe_url(d, s->id, unsub, sizeof unsub);
    new_row(d, s, "email", now, m);
    size_t len = strlen(s->address) + 8;
    m->url = tc_malloc(len);
    snprintf(m->url, len, "mailto:%s", s->address);
    tc_buf_t text, html;
    tc_buf_init(&text, 0);
    tc_buf_init(&html, 0);
    tc_render_mail_frame(tc_engine_view(d), base, w, unsub, &text, &html);
    const char *to[1] = {s->address};
    tc_mail_t mm = {
        .from = mailer->from,
        .from_name = d->config->page.name,
        .to = to,
        .nto = 1,
        .subject = w->subject.data,
        .text = text.data,
        .html = html.data,
        .id = m->id,
        .at = now,
        .zone = d->zone,
        .unsubscribe = unsub,
    };
    m->payload = tc_notify_mail(&mm);
    tc_buf_free(&text);
    tc_buf_free(&html);
}

static const tc_channel_cfg_t *subscriber_mailer(const tc_engine_t *d)
{
    const char *id = d->config->subscribers.email_channel;
    return id ? tc_config_channel(d->config, id) : NULL;
}

/* The deliverable subscribers, read once per event into @p subs. @return whether any of them
 * follows @p ids: when none does (or the store failed, logged), the event's payload and
 * e-mail need not be made at all. */
static bool followers(tc_engine_t *d, const char *const *ids, size_t nids,
                      tc_subscriber_t **subs, size_t *nsubs)
{
    char err[256];
    *subs = NULL;
    *nsubs = 0;
    if (tc_store_subscribers(d->store, true, subs, nsubs, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot read subscribers: %s", err);
        return false;
    }
    for (size_t i = 0; i < *nsubs; i++)
        if (tc_subscribe_follows((*subs)[i].components, ids, nids))
            return true;
    tc_store_subscribers_free(*subs, *nsubs);
    *subs = NULL;
    *nsubs = 0;
    return false;
}

/* One outbox row per subscriber of @p subs (taken) following @p ids: webhooks get @p payload
 * with their own unsubscribe link; e-mail subscribers get @p w in the page's frame. */
static void queue_for_subscribers(tc_engine_t *d, tc_subscriber_t *subs, size_t nsubs,
                                  const char *const *ids, size_t nids, json_t *payload,
                                  const tc_mail_words_t *w)
{
    char err[256];
    const tc_channel_cfg_t *mailer = subscriber_mailer(d);
    tc_outbox_t *msgs = tc_calloc(nsubs ? nsubs : 1, sizeof *msgs);
    size_t n = 0;
    int64_t now = tc_clock_wall_ms();
    for (size_t i = 0; i < nsubs; i++) {
        const tc_subscriber_t *s = &subs[i];
        bool mail = strcmp(s->kind, "email") == 0;
        if (!tc_subscribe_follows(s->components, ids, nids) || (mail && !mailer))
            continue;
        tc_outbox_t *m = &msgs[n++];
        if (mail) {
            mail_row(d, mailer, s, w, now, m);
            continue;
        }
        char unsub[700];
        unsubscribe_url(d, s->id, unsub, sizeof unsub);
        new_row(d, s, "webhook", now, m);
        m->url = tc_strdup(s->address);
        json_object_set_new(json_object_get(payload, "meta"), "unsubscribe", json_string(unsub));
        m->payload = json_dumps(payload, JSON_COMPACT);
    }
    if (n && tc_store_outbox_add(d->store, msgs, n, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "cannot queue subscriber messages: %s", err);
    else if (n)
        tc_log(TC_LOG_INFO, MODULE, "queued %zu subscriber message(s): %s", n, w->subject.data);
    tc_store_outbox_free(msgs, n);
    tc_store_subscribers_free(subs, nsubs);
}

/* ---- events ---- */

void tc_engine__notify_incident(tc_engine_t *d, const tc_incident_t *inc)
{
    if (!inc->nupdates)
        return;
    const tc_incident_update_t *u = &inc->updates[inc->nupdates - 1];
    tc_subscriber_t *subs;
    size_t nsubs;
    if (!u->deliver_notifications || inc->backfilled ||
        !followers(d, (const char *const *)inc->component_ids, inc->ncomponents, &subs, &nsubs))
        return;
    const tc_view_t *view = tc_engine_view(d);
    json_t *payload = envelope(d, view);
    json_object_set_new(payload, "incident", tc_render_incident_json(view, inc, true));
    char base[512];
    base_url(d, base, sizeof base);
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_incident_mail(view, inc, base, &w);
    queue_for_subscribers(d, subs, nsubs, (const char *const *)inc->component_ids,
                          inc->ncomponents, payload, &w);
    json_decref(payload);
    tc_mail_words_free(&w);
}

void tc_engine__notify_reminder(tc_engine_t *d, const tc_incident_t *inc)
{
    tc_subscriber_t *subs;
    size_t nsubs;
    if (!inc->nupdates || inc->backfilled ||
        !followers(d, (const char *const *)inc->component_ids, inc->ncomponents, &subs, &nsubs))
        return;
    const tc_view_t *view = tc_engine_view(d);
    json_t *payload = envelope(d, view);
    json_object_set_new(json_object_get(payload, "meta"), "event",
                        json_string("maintenance_reminder"));
    json_object_set_new(payload, "incident", tc_render_incident_json(view, inc, true));
    char base[512];
    base_url(d, base, sizeof base);
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_reminder_mail(view, inc, base, &w);
    queue_for_subscribers(d, subs, nsubs, (const char *const *)inc->component_ids,
                          inc->ncomponents, payload, &w);
    json_decref(payload);
    tc_mail_words_free(&w);
}

void tc_engine__notify_component(tc_engine_t *d, const tc_store_row_t *row, tc_status_t old,
                                 int64_t now)
{
    const char *ids[1] = {row->id};
    tc_subscriber_t *subs;
    size_t nsubs;
    if (!followers(d, ids, 1, &subs, &nsubs))
        return;
    const tc_view_t *view = tc_engine_view(d);
    json_t *payload = envelope(d, view);
    char uid[13];
    tc_engine__new_id(uid);
    json_t *cu = json_object();
    json_object_set_new(cu, "created_at", iso(d->zone, now));
    json_object_set_new(cu, "new_status", json_string(tc_status_name(row->status)));
    json_object_set_new(cu, "old_status", json_string(tc_status_name(old)));
    json_object_set_new(cu, "id", json_string(uid));
    json_object_set_new(cu, "component_id", json_string(row->id));
    json_object_set_new(payload, "component_update", cu);
    json_t *c = json_object();
    json_object_set_new(c, "created_at", iso(d->zone, row->created_at));
    json_object_set_new(c, "id", json_string(row->id));
    json_object_set_new(c, "name", json_string(row->name));
    json_object_set_new(c, "status", json_string(tc_status_name(row->status)));
    json_object_set_new(payload, "component", c);

    char base[512];
    base_url(d, base, sizeof base);
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_component_mail(view, row->name, old, row->status, now, base, &w);
    queue_for_subscribers(d, subs, nsubs, ids, 1, payload, &w);
    json_decref(payload);
    tc_mail_words_free(&w);
}

/* ---- commands ---- */

/* Add @p id to @p list unless it is there already (a group and one of its children, or an
 * id sent twice, make one entry). */
static void add_once(json_t *list, const char *id)
{
    size_t k;
    json_t *v;
    json_array_foreach(list, k, v)
    {
        if (strcmp(json_string_value(v), id) == 0)
            return;
    }
    json_array_append_new(list, json_string(id));
}

/* Check the components list into a JSON text of component ids (NULL for the whole page). A
 * group stands for its components as they are now: the page's form offers groups, and a
 * visitor who ticks "API" means every API component. */
static int check_components(tc_engine_t *d, const tc_subscribe_cmd_t *c, char **out, char *err,
                            size_t errlen)
{
    *out = NULL;
    if (!c->components || c->ncomponents == 0)
        return 0;
    json_t *list = json_array();
    for (size_t k = 0; k < c->ncomponents; k++) {
        const char *id = c->components[k];
        const tc_store_row_t *row = id ? tc_engine__row(d, id) : NULL;
        if (!row) {
            char shown[101];
            snprintf(err, errlen, "unknown component \"%s\"",
                     id ? tc_utf8_excerpt(shown, sizeof shown, id) : "(not a string)");
            json_decref(list);
            return TC_EINVAL;
        }
        if (!row->is_group) {
            add_once(list, id);
            continue;
        }
        for (size_t r = 0; r < d->nrows; r++)
            if (d->rows[r].group_id && strcmp(d->rows[r].group_id, id) == 0)
                add_once(list, d->rows[r].id);
    }
    if (json_array_size(list) > TC_SUBSCRIBE_MAX_COMPONENTS) {
        snprintf(err, errlen, "components must be a list of at most %d component ids",
                 TC_SUBSCRIBE_MAX_COMPONENTS);
        json_decref(list);
        return TC_EINVAL;
    }
    /* A group without components leaves nothing to follow; following nothing is not the
     * whole page. */
    if (json_array_size(list) == 0) {
        snprintf(err, errlen, "the chosen groups have no components");
        json_decref(list);
        return TC_EINVAL;
    }
    *out = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return 0;
}

/* Queue the opt-in message to @p s (in the caller's transaction): the confirmation link, or
 * with no @p token the note that the address is subscribed already. */
static int queue_opt_in(tc_engine_t *d, const tc_subscriber_t *s, const char *token, char *err,
                        size_t errlen)
{
    char base[512], link[700];
    base_url(d, base, sizeof base);
    snprintf(link, sizeof link, "%s/subscribers/confirm/%s", base, token ? token : "");
    tc_mail_words_t w;
    tc_mail_words_init(&w);
    tc_render_opt_in_mail(tc_engine_view(d), token ? link : NULL, &w);
    tc_outbox_t *m = tc_calloc(1, sizeof *m);
    mail_row(d, subscriber_mailer(d), s, &w, tc_clock_wall_ms(), m);
    int rc = tc_store_outbox_add(d->store, m, 1, err, errlen);
    tc_store_outbox_free(m, 1);
    tc_mail_words_free(&w);
    return rc;
}

int tc_engine_subscribe(tc_engine_t *d, const tc_subscribe_cmd_t *c, tc_subscriber_t *shown,
                        char *err, size_t errlen)
{
    memset(shown, 0, sizeof *shown);
    int64_t now = tc_clock_wall_ms();
    if (tc_subscribe_limited(&d->subs->limiter, c->client ? c->client : "",
                             d->config->subscribers.rate_limit, now)) {
        snprintf(err, errlen, "too many subscription requests from your address; try again "
                              "in a minute");
        return TC_EAGAIN;
    }
    const char *email = c->email, *endpoint = c->endpoint;
    if (!email == !endpoint) {
        snprintf(err, errlen, "give either an email or a webhook endpoint");
        return TC_EINVAL;
    }
    if (email && !tc_subscribe_valid_email(email)) {
        char excerpt[101];
        snprintf(err, errlen, "\"%s\" is not a valid e-mail address",
                 tc_utf8_excerpt(excerpt, sizeof excerpt, email));
        return TC_EINVAL;
    }
    if (email && !d->config->subscribers.email_channel) {
        snprintf(err, errlen, "this page does not offer e-mail subscriptions");
        return TC_EINVAL;
    }
    if (endpoint && tc_notify_check_url(endpoint, d->config->subscribers.allow_private_webhooks,
                                        err, errlen) != 0)
        return TC_EINVAL;
    char *components = NULL;
    if (check_components(d, c, &components, err, errlen) != 0)
        return TC_EINVAL;
    const char *kind = email ? "email" : "webhook";
    const char *address = email ? email : endpoint;
    /* E-mail needs a confirmation token (new for every request, so a lost e-mail can be
     * asked for again); webhooks are active at once, as on Statuspage. */
    char token[33] = "", hash[2 * TC_SECRET_HASH_LEN + 1];
    if (email) {
        tc_secret_random_hex(token, 16);
        tc_secret_hash_hex(token, hash);
    }
    char why[256];
    tc_subscriber_t found = {0};
    int rc = tc_store_begin(d->store, why, sizeof why);
    if (rc)
        goto out;
    int existed = tc_store_subscriber_find(d->store, kind, address, &found) == 0;
    if (existed && found.confirmed) {
        /* Anyone can post any address: a confirmed subscription is never changed by an
         * unauthenticated request (its owner unsubscribes with their link and subscribes
         * again). */
        rc = 0;
    } else if (existed) {
        /* Still unconfirmed: a fresh link (and the new components) go to the address; only
         * its owner can confirm them. */
        rc = tc_store_subscriber_update(d->store, found.id, components, email ? hash : NULL,
                                        why, sizeof why);
    } else {
        char sid[13];
        tc_engine__new_id(sid);
        found.id = tc_strdup(sid);
        found.kind = tc_strdup(kind);
        found.address = tc_strdup(address);
        found.components = components ? tc_strdup(components) : NULL;
        found.confirmed = !email;
        found.created_at = now;
        rc = tc_store_subscriber_add(d->store, &found, email ? hash : NULL, why, sizeof why);
    }
    /* An address that is already confirmed gets a note instead of a link, so its owner
     * learns why no confirmation came, while the requester learns nothing. */
    if (!rc && email)
        rc = queue_opt_in(d, &found, found.confirmed ? NULL : token, why, sizeof why);
    if (!rc)
        rc = tc_store_commit(d->store, why, sizeof why);
    else
        tc_store_rollback(d->store);
out:
    if (rc) {
        snprintf(err, errlen, "the subscription could not be saved: %s", why);
        tc_store_subscriber_clear(&found);
        free(components);
        return TC_ESTORE;
    }
    tc_notify_kick(d->notify);
    tc_log(TC_LOG_INFO, MODULE, "%s subscriber %s %s", kind, found.id,
           existed ? "asked for again" : "added");
    /* What the requester sees depends only on the request. */
    shown->id = found.id;
    found.id = NULL;
    shown->kind = tc_strdup(kind);
    shown->address = tc_strdup(address);
    shown->components = components;
    shown->confirmed = !email;
    shown->created_at = now;
    tc_store_subscriber_clear(&found);
    return 0;
}

int tc_engine_subscription_confirm(tc_engine_t *d, const char *token, char *err, size_t errlen)
{
    if (!tc_subscribe_valid_confirm_token(token)) {
        snprintf(err, errlen, "not a confirmation link");
        return TC_EINVAL;
    }
    char hash[2 * TC_SECRET_HASH_LEN + 1];
    tc_secret_hash_hex(token, hash);
    tc_subscriber_t s = {0};
    int rc = tc_store_subscriber_confirm(d->store, hash, &s);
    if (rc == TC_ENOENT)
        snprintf(err, errlen, "the link was already used or replaced by a newer one");
    else if (rc)
        snprintf(err, errlen, "the store refused the confirmation");
    else
        tc_log(TC_LOG_INFO, MODULE, "subscriber %s confirmed", s.id);
    tc_store_subscriber_clear(&s);
    return rc == TC_ENOENT ? TC_ENOENT : rc ? TC_ESTORE : 0;
}

int tc_engine_subscription_of(tc_engine_t *d, const char *token, tc_subscriber_t *out)
{
    char sid[32];
    memset(out, 0, sizeof *out);
    if (tc_secret_verify(d->subs->key, "unsubscribe", token, sid, sizeof sid) != 0 ||
        tc_store_subscriber_get(d->store, sid, out) != 0) {
        tc_store_subscriber_clear(out);
        return TC_ENOENT;
    }
    return 0;
}

int tc_engine_unsubscribe(tc_engine_t *d, const char *token, char *err, size_t errlen)
{
    tc_subscriber_t s;
    if (tc_engine_subscription_of(d, token, &s) != 0) {
        snprintf(err, errlen, "not an unsubscribe link");
        return TC_ENOENT;
    }
    int rc = 0;
    if (!s.unsubscribed_at) {
        char why[256];
        if (tc_store_subscriber_unsubscribe(d->store, s.id, tc_clock_wall_ms(), why,
                                            sizeof why) != 0 &&
            strstr(why, "no active") == NULL) {
            snprintf(err, errlen, "%s", why);
            rc = TC_ESTORE;
        } else {
            tc_log(TC_LOG_INFO, MODULE, "subscriber %s unsubscribed", s.id);
        }
    }
    tc_store_subscriber_clear(&s);
    return rc;
}

void tc_engine_subscriber_clear(tc_subscriber_t *s)
{
    tc_store_subscriber_clear(s);
}

void tc_engine_subscribers_free(tc_subscriber_t *subs, size_t n)
{
    tc_store_subscribers_free(subs, n);
}

int tc_engine_subscribers(tc_engine_t *d, tc_subscriber_t **out, size_t *n, char *err,
                          size_t errlen)
{
    return tc_store_subscribers(d->store, false, out, n, err, errlen);
}

int tc_engine_subscriber(tc_engine_t *d, const char *id, tc_subscriber_t *out)
{
    memset(out, 0, sizeof *out);
    if (tc_store_subscriber_get(d->store, id, out) != 0 || out->unsubscribed_at) {
        tc_store_subscriber_clear(out);
        return TC_ENOENT;
    }
    return 0;
}

int tc_engine_subscriber_remove(tc_engine_t *d, const char *id, tc_subscriber_t *out,
                                char *err, size_t errlen)
{
    if (tc_engine_subscriber(d, id, out) != 0) {
        char shown[41];
        snprintf(err, errlen, "no subscriber %s", tc_utf8_excerpt(shown, sizeof shown, id));
        return TC_ENOENT;
    }
    int64_t now = tc_clock_wall_ms();
    if (tc_store_subscriber_unsubscribe(d->store, out->id, now, err, errlen) != 0)
        return TC_ESTORE;
    out->unsubscribed_at = now;
    tc_log(TC_LOG_INFO, MODULE, "subscriber %s removed through the API", out->id);
    return 0;
}
