/* Subscribers and deliveries in the console. Subscribers: how many follow each component,
 * a search by address, and removal through tc_engine_subscriber_remove(), the command behind
 * the write API's subscriber DELETE. Deliveries: the outbox's waiting and dead messages with
 * the error of their last attempt, and "retry" for one dead message or all of them
 * (tc_engine_retry_deliveries(), as the write API's notifications/dead routes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin_int.h"
#include "core/err.h"
#include "web/html.h"

#define SHOWN 200 /* subscribers listed at most; the search narrows the rest */

static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

static void follows(tc_buf_t *b, const tc_view_t *v, const tc_subscriber_t *s)
{
    if (!s->components) {
        tc_buf_puts(b, "the whole page");
        return;
    }
    size_t shown = 0;
    for (size_t i = 0; i < v->nrows; i++) {
        if (v->rows[i].is_group || !tc_engine_subscriber_follows(s, v->rows[i].id))
            continue;
        tc_buf_puts(b, shown++ ? ", " : "");
        tc_buf_html(b, v->rows[i].name);
    }
    if (!shown)
        tc_buf_puts(b, "<span class=\"muted\">components no longer configured</span>");
}

static void counts(tc_buf_t *b, const tc_view_t *v, const tc_subscriber_t *subs, size_t n)
{
    size_t confirmed = 0, whole = 0;
    for (size_t k = 0; k < n; k++) {
        confirmed += subs[k].confirmed;
        whole += subs[k].confirmed && !subs[k].components;
    }
    tc_buf_printf(b, "<p>%zu subscriber%s, %zu confirmed (e-mail addresses confirm through "
                     "the link they are sent; webhooks need not). %zu follow the whole page."
                     "</p><table class=\"grid\"><caption class=\"muted\">Confirmed subscribers "
                     "told about each component</caption><thead><tr><th scope=\"col\">"
                     "Component</th><th scope=\"col\">Subscribers</th></tr></thead><tbody>",
                  n, n == 1 ? "" : "s", confirmed, whole);
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->is_group)
            continue;
        size_t count = 0;
        for (size_t k = 0; k < n; k++)
            count += subs[k].confirmed && tc_engine_subscriber_follows(&subs[k], r->id);
        tc_buf_puts(b, "<tr><th scope=\"row\">");
        tc_buf_html(b, r->name);
        tc_buf_printf(b, "</th><td>%zu</td></tr>", count);
    }
    tc_buf_puts(b, "</tbody></table>");
}

void tc_admin__subscribers(tc_admin_call_t *c)
{
    const tc_view_t *v = tc_engine_view(c->e);
    tc_subscriber_t *subs = NULL;
    size_t n = 0;
    char err[256];
    if (tc_engine_subscribers(c->e, &subs, &n, err, sizeof err) != 0) {
        tc_admin__message(c, 500, "Cannot read the subscribers", err);
        return;
    }
    const char *q = tc_http_arg(c->req, "q");
    if (q && (!q[0] || !tc_utf8_valid(q, strlen(q))))
        q = NULL;
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Subscribers", "subscribers");
    tc_buf_puts(&b, "<h1>Subscribers</h1>");
    const char *done = tc_http_arg(c->req, "done");
    if (done && strcmp(done, "removed") == 0)
        tc_admin__notice(&b, "ok", "Removed: nothing more is sent to that address.");
    counts(&b, v, subs, n);
    tc_buf_puts(&b, "<h2>Addresses</h2><div class=\"toolbar\"><form method=\"get\" "
                    "action=\"/admin/subscribers\" role=\"search\"><label for=\"q\">Search by "
                    "address</label> <input id=\"q\" name=\"q\" type=\"search\" value=\"");
    tc_buf_html(&b, q ? q : "");
    tc_buf_puts(&b, "\"> <button type=\"submit\" class=\"secondary\">Search</button></form>"
                    "</div><table class=\"grid\"><thead><tr><th scope=\"col\">Address</th>"
                    "<th scope=\"col\">Kind</th><th scope=\"col\">Follows</th>"
                    "<th scope=\"col\">Since</th><th scope=\"col\"><span "
                    "class=\"visually-hidden\">Remove</span></th></tr></thead><tbody>");
    size_t matched = 0;
    for (size_t k = 0; k < n; k++) {
        const tc_subscriber_t *s = &subs[k];
        if (q && !contains(s->address, q))
            continue;
        if (matched++ >= SHOWN)
            continue;
        char when[64];
        tc_admin__when(c, s->created_at, when, sizeof when);
        tc_buf_puts(&b, "<tr><td>");
        tc_buf_html(&b, s->address);
        tc_buf_printf(&b, "</td><td>%s%s</td><td>", s->kind,
                      s->confirmed ? "" : " <small>(not confirmed yet)</small>");
        follows(&b, v, s);
        tc_buf_printf(&b, "</td><td>%s</td><td><form method=\"post\" class=\"inline\" "
                          "action=\"/admin/subscribers/%s/remove\">",
                      when, s->id);
        tc_admin__csrf_field(&b, c);
        tc_buf_puts(&b, "<button type=\"submit\" class=\"secondary\" aria-label=\"Remove ");
        tc_buf_html(&b, s->address);
        tc_buf_puts(&b, "\">Remove</button></form></td></tr>");
    }
    tc_buf_puts(&b, "</tbody></table>");
    if (matched == 0)
        tc_buf_puts(&b, q ? "<p>No subscriber's address has that in it.</p>"
                          : "<p>Nobody has subscribed yet.</p>");
    else if (matched > SHOWN)
        tc_buf_printf(&b, "<p class=\"muted\">%zu more not shown: search to narrow the list."
                          "</p>",
                      matched - SHOWN);
    tc_engine_subscribers_free(subs, n);
    tc_admin__finish(c, &b, 200);
}

void tc_admin__subscriber_remove(tc_admin_call_t *c)
{
    char err[256];
    tc_subscriber_t s;
    int rc = tc_engine_subscriber_remove(c->e, c->param, &s, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : 500, "Not removed", err);
        return;
    }
    tc_admin__audit(c, "subscriber.remove", s.id, s.kind);
    tc_engine_subscriber_clear(&s);
    tc_admin__redirect(c, "/admin/subscribers?done=removed");
}

/* ---- deliveries ---- */

static void delivery_rows(tc_buf_t *b, const tc_admin_call_t *c, const tc_outbox_t *msgs,
                          size_t n, bool dead)
{
    for (size_t i = 0; i < n; i++) {
        const tc_outbox_t *m = &msgs[i];
        char created[64], next[64];
        tc_admin__when(c, m->created_at, created, sizeof created);
        tc_admin__when(c, m->next_at, next, sizeof next);
        tc_buf_printf(b, "<tr><td>%s</td><td>", created);
        tc_buf_html(b, m->target);
        tc_buf_puts(b, "</td><td>");
        tc_buf_html(b, m->kind);
        tc_buf_printf(b, "</td><td>%d</td><td>%s</td><td>", m->attempts, next);
        if (m->last_error) {
            tc_buf_puts(b, "<span class=\"reason\">");
            tc_buf_html(b, m->last_error);
            tc_buf_puts(b, "</span>");
        }
        tc_buf_puts(b, "</td>");
        if (dead) {
            tc_buf_puts(b, "<td><form method=\"post\" class=\"inline\" "
                           "action=\"/admin/deliveries/");
            tc_buf_html(b, m->id);
            tc_buf_puts(b, "/retry\">");
            tc_admin__csrf_field(b, c);
            tc_buf_puts(b, "<button type=\"submit\" class=\"secondary\">Retry</button></form>"
                           "</td>");
        }
        tc_buf_puts(b, "</tr>");
    }
}

static void delivery_table(tc_buf_t *b, const tc_admin_call_t *c, const tc_outbox_t *msgs,
                           size_t n, bool dead)
{
    if (!n) {
        tc_buf_printf(b, "<p class=\"muted\">%s</p>",
                      dead ? "None: every notification that was due got through."
                           : "None waiting.");
        return;
    }
    tc_buf_printf(b, "<table class=\"grid\"><thead><tr><th scope=\"col\">Queued</th>"
                     "<th scope=\"col\">To</th><th scope=\"col\">Kind</th>"
                     "<th scope=\"col\">Attempts</th><th scope=\"col\">%s</th>"
                     "<th scope=\"col\">Last error</th>%s</tr></thead><tbody>",
                  dead ? "Gave up" : "Next attempt",
                  dead ? "<th scope=\"col\"><span class=\"visually-hidden\">Retry</span></th>"
                       : "");
    delivery_rows(b, c, msgs, n, dead);
    tc_buf_puts(b, "</tbody></table>");
}

void tc_admin__deliveries(tc_admin_call_t *c)
{
    tc_outbox_t *dead = NULL, *pending = NULL;
    size_t ndead = 0, npending = 0;
    char err[256];
    if (tc_engine_dead_deliveries(c->e, &dead, &ndead, err, sizeof err) != 0 ||
        tc_engine_pending_deliveries(c->e, &pending, &npending, err, sizeof err) != 0) {
        tc_engine_deliveries_free(dead, ndead);
        tc_admin__message(c, 500, "Cannot read the outbox", err);
        return;
    }
    long counts[3];
    tc_engine_delivery_counts(c->e, counts);
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Deliveries", "deliveries");
    tc_buf_puts(&b, "<h1>Deliveries</h1>");
    const char *done = tc_http_arg(c->req, "done");
    if (done && strcmp(done, "retried") == 0)
        tc_admin__notice(&b, "ok", "Queued again: it is sent at once, then retried as usual.");
    tc_buf_printf(&b, "<p>Alerts and subscriber messages go through an outbox: %ld waiting, "
                      "%ld delivered, <strong%s>%ld gave up</strong> after every retry.</p>"
                      "<h2>Gave up</h2>",
                  counts[0], counts[1], counts[2] ? " class=\"bad\"" : "", counts[2]);
    if (ndead) {
        tc_buf_puts(&b, "<form method=\"post\" action=\"/admin/deliveries/retry\">");
        tc_admin__csrf_field(&b, c);
        tc_buf_puts(&b, "<p><button type=\"submit\">Retry every one</button></p></form>");
    }
    delivery_table(&b, c, dead, ndead, true);
    tc_buf_puts(&b, "<h2>Waiting</h2>");
    delivery_table(&b, c, pending, npending, false);
    tc_engine_deliveries_free(dead, ndead);
    tc_engine_deliveries_free(pending, npending);
    tc_admin__finish(c, &b, 200);
}

static void retry(tc_admin_call_t *c, const char *id)
{
    char err[256];
    int rc = tc_engine_retry_deliveries(c->e, id, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : 500, "Not retried", err);
        return;
    }
    tc_admin__audit(c, "delivery.retry", id,
                    strcmp(id, "*") == 0 ? "every dead delivery" : "one dead delivery");
    tc_admin__redirect(c, "/admin/deliveries?done=retried");
}

void tc_admin__delivery_retry(tc_admin_call_t *c)
{
    retry(c, c->param);
}

void tc_admin__deliveries_retry_all(tc_admin_call_t *c)
{
    retry(c, "*");
}
