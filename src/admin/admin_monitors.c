/* Monitors in the console: the list (state, kind, interval, last check, response time, last
 * failure and its reason, checks by verdict), a monitor's page, pause and resume, and "check
 * now": the probe runs once on the engine's loop and the request is answered when the run
 * ends (tc_engine_monitor_check), with what `tocsin probe` prints: phase timings, the body's
 * start, the kind's own lines and each condition's outcome. Nothing here waits: the reply is
 * written from the engine's callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "core/alloc.h"
#include "core/err.h"
#include "web/html.h"

#define BODY_SHOWN 300 /* bytes of a checked response body shown */

/* When @p m last ran, in words: "never" would be wrong for a monitor whose state was read
 * back from the store at start and has not run since. */
static void last_check_words(tc_admin_call_t *c, const tc_monitor_info_t *m, char *out,
                             size_t len)
{
    if (m->restored)
        snprintf(out, len, "before the server started");
    else
        tc_admin__when(c, m->last_at, out, len);
}

static const char *state_words(const tc_monitor_info_t *m)
{
    return strcmp(m->state, "pending") == 0 ? "no result yet" : m->state;
}

/* A regional failure (several locations) names where it is seen; a failure waiting for
 * its confirmation (confirm: true) where it is being run again. Each note starts with
 * @p sep: a line of its own in the list's cell, so two notes do not read as one. */
static void failing_from(tc_buf_t *b, const tc_monitor_info_t *m, const char *sep)
{
    if (m->failing_from && m->failing_from[0]) {
        tc_buf_printf(b, "%s<small>failing from ", sep);
        tc_buf_html(b, m->failing_from);
        tc_buf_puts(b, "</small>");
    }
    if (m->confirming && m->confirming[0]) {
        tc_buf_printf(b, "%s<small class=\"confirming\">confirming from ", sep);
        tc_buf_html(b, m->confirming);
        tc_buf_puts(b, "</small>");
    }
}

static void interval_words(tc_buf_t *b, long ms)
{
    if (ms % 60000 == 0)
        tc_buf_printf(b, "%ld min", ms / 60000);
    else if (ms % 1000 == 0)
        tc_buf_printf(b, "%ld s", ms / 1000);
    else
        tc_buf_printf(b, "%ld ms", ms);
}

void tc_admin__vantage(tc_buf_t *b, const tc_admin_call_t *c, bool always)
{
    tc_vantage_info_t v;
    tc_engine_vantage(c->e, &v);
    if (!v.enabled)
        return;
    char since[64], checked[64];
    tc_admin__when(c, v.since, since, sizeof since);
    tc_admin__when(c, v.self_check_at, checked, sizeof checked);
    bool impaired = strcmp(v.state, "impaired") == 0;
    if (impaired || strcmp(v.state, "checking") == 0) {
        tc_buf_printf(b, "<section class=\"notice%s vantage\" role=\"%s\"><h2>%s</h2><p>",
                      impaired ? " error" : "", impaired ? "alert" : "status",
                      impaired ? "This node's own network is impaired"
                               : "Most monitors are failing at once");
        tc_buf_html(b, v.reason);
        tc_buf_printf(b, " (since %s).</p><p>%s %lu runs not counted so far.</p></section>",
                      since,
                      impaired ? "Runs measure this node, not the targets: they are shown but "
                                 "not counted, so alerts and automatic incidents are held. "
                                 "Monitors carry on from where they were once the self-check "
                                 "passes or most of them pass again."
                               : "Runs wait for the self-check before they count.",
                      v.held);
    } else if (always && v.self_check_at) {
        tc_buf_printf(b, "<p class=\"muted vantage\">This node's last self-check (%s) %s: ",
                      checked, v.self_check_passed ? "passed" : "failed");
        tc_buf_html(b, v.self_check);
        tc_buf_puts(b, ".</p>");
    }
}

void tc_admin__monitors(tc_admin_call_t *c)
{
    tc_monitor_info_t *mons = NULL;
    size_t n = 0;
    tc_engine_monitors(c->e, &mons, &n);
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Monitors", "monitors");
    tc_buf_puts(&b, "<h1>Monitors</h1>");
    tc_admin__vantage(&b, c, true);
    if (n == 0)
        tc_buf_puts(&b, "<p>No monitors are configured. They are declared under "
                        "<code>monitors:</code> in tocsin.yaml.</p>");
    else
        tc_buf_puts(&b, "<table class=\"grid\"><thead><tr><th scope=\"col\">Monitor</th>"
                        "<th scope=\"col\">State</th><th scope=\"col\">Kind</th>"
                        "<th scope=\"col\">Every</th><th scope=\"col\">Last check</th>"
                        "<th scope=\"col\">Response</th><th scope=\"col\">Last failure</th>"
                        "<th scope=\"col\">Checks <small>(up / degraded / down)</small></th>"
                        "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const tc_monitor_info_t *m = &mons[i];
        char when[64], failed[64];
        last_check_words(c, m, when, sizeof when);
        tc_admin__when(c, m->last_failure_at, failed, sizeof failed);
        tc_buf_printf(&b, "<tr><th scope=\"row\"><a href=\"/admin/monitors/%s\">", m->id);
        tc_buf_html(&b, m->name);
        tc_buf_printf(&b, "</a></th><td><span class=\"state %s\">%s</span>", m->state,
                      state_words(m));
        failing_from(&b, m, "<br>");
        if (m->failure_share > 0)
            tc_buf_printf(&b, "<br><small>%.0f%% of the last %d failed</small>",
                          m->failure_share * 100, m->window);
        tc_buf_printf(&b, "</td><td>%s</td><td>", m->kind);
        interval_words(&b, m->interval_ms);
        tc_buf_printf(&b, "</td><td>%s</td><td>", when);
        if (m->last_at)
            tc_buf_printf(&b, "%.0f ms", m->last_ms);
        tc_buf_printf(&b, "</td><td>%s", failed);
        if (m->last_failure_at) {
            tc_buf_puts(&b, "<br><span class=\"reason\">");
            tc_buf_html(&b, m->last_failure);
            tc_buf_puts(&b, "</span>");
        }
        tc_buf_printf(&b, "</td><td>%lu / %lu / %lu</td></tr>", m->checks[0], m->checks[1],
                      m->checks[2]);
    }
    if (n)
        tc_buf_puts(&b, "</tbody></table><p class=\"muted\">Checks are counted since the "
                        "server started.</p>");
    free(mons);
    tc_admin__finish(c, &b, 200);
}

/* ---- one monitor ---- */

/* Outside text (a response body, a kind's lines) shown safely: control bytes as '.', invalid
 * UTF-8 replaced, cut at @p max bytes. */
static void outside_text(tc_buf_t *b, const char *text, size_t len, size_t max)
{
    size_t n = len < max ? len : max;
    char *copy = tc_malloc(n + 1), *shown = tc_malloc(n + 8);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)text[i];
        copy[i] = (ch < 0x20 && ch != '\n') || ch == 0x7f ? '.' : (char)ch;
    }
    copy[n] = '\0';
    tc_buf_html(b, tc_utf8_excerpt(shown, n + 8, copy));
    if (len > max)
        tc_buf_puts(b, "…");
    free(shown);
    free(copy);
}

/* The conditions' lines ("PASS up       [STATUS] == 200 (200)") as a list. */
static void conditions(tc_buf_t *b, const char *lines)
{
    tc_buf_puts(b, "<h3>Conditions</h3><ul class=\"conditions\">");
    for (const char *p = lines; *p;) {
        size_t len = strcspn(p, "\n");
        bool pass = strncmp(p, "PASS", 4) == 0;
        tc_buf_printf(b, "<li><strong class=\"%s\">%s</strong> ", pass ? "pass" : "fail",
                      pass ? "pass" : "fail");
        const char *rest = p + 4;
        while (rest < p + len && *rest == ' ')
            rest++;
        outside_text(b, rest, (size_t)(p + len - rest), 2000);
        tc_buf_puts(b, "</li>");
        p += len;
        if (*p)
            p++;
    }
    tc_buf_puts(b, "</ul>");
}

static void report(tc_buf_t *b, const tc_admin_call_t *c, const tc_check_report_t *r)
{
    (void)c;
    tc_buf_puts(b, "<section class=\"check\" aria-labelledby=\"check-h\"><h2 id=\"check-h\">"
                   "Check now: result</h2>");
    if (r->canceled) {
        tc_admin__notice(b, "error", "The check was stopped before it finished (the "
                                     "configuration was reloaded, or the server is stopping). "
                                     "Try again.");
        tc_buf_puts(b, "</section>");
        return;
    }
    tc_buf_printf(b, "<p>Verdict: <span class=\"state %s\">%s</span>", r->verdict, r->verdict);
    if (r->reason[0]) {
        tc_buf_puts(b, " <span class=\"reason\">");
        outside_text(b, r->reason, strlen(r->reason), 600);
        tc_buf_puts(b, "</span>");
    }
    tc_buf_printf(b, "</p><p class=\"muted\">%s</p>",
                  r->counted ? "This result counts as the monitor's latest check."
                             : "The monitor is paused: this result was shown, not recorded.");
    tc_buf_puts(b, "<table class=\"grid facts\"><tbody><tr><th scope=\"row\">Connected</th><td>");
    tc_buf_puts(b, r->connected ? "yes" : "no");
    if (r->ip[0]) {
        tc_buf_puts(b, " <small>(");
        tc_buf_html(b, r->ip);
        tc_buf_puts(b, ")</small>");
    }
    tc_buf_puts(b, "</td></tr>");
    if (r->error[0]) {
        tc_buf_puts(b, "<tr><th scope=\"row\">Error</th><td>");
        outside_text(b, r->error, strlen(r->error), 600);
        tc_buf_puts(b, "</td></tr>");
    }
    if (r->status_code)
        tc_buf_printf(b, "<tr><th scope=\"row\">HTTP status</th><td>%d</td></tr>",
                      r->status_code);
    tc_buf_printf(b, "<tr><th scope=\"row\">Timings <small>(end of each phase)</small></th>"
                     "<td>DNS %.1f ms, connect %.1f ms, TLS %.1f ms, first byte %.1f ms, "
                     "<strong>total %.1f ms</strong></td></tr>",
                  r->dns_ms, r->connect_ms, r->tls_ms, r->first_byte_ms, r->total_ms);
    if (r->cert_days >= 0)
        tc_buf_printf(b, "<tr><th scope=\"row\">Certificate</th><td>expires in %.1f days"
                         "</td></tr>",
                      r->cert_days);
    if (r->body_len) {
        tc_buf_printf(b, "<tr><th scope=\"row\">Body</th><td><small>%zu bytes</small>"
                         "<pre class=\"out\">",
                      r->body_len);
        outside_text(b, r->body, r->body_len, BODY_SHOWN);
        tc_buf_puts(b, "</pre></td></tr>");
    }
    tc_buf_puts(b, "</tbody></table>");
    if (r->details[0]) {
        tc_buf_puts(b, "<h3>Steps</h3><pre class=\"out\">");
        outside_text(b, r->details, strlen(r->details), 8000);
        tc_buf_puts(b, "</pre>");
    }
    if (r->conditions[0])
        conditions(b, r->conditions);
    tc_buf_puts(b, "</section>");
}

static void render_monitor(tc_admin_call_t *c, const tc_monitor_info_t *m, unsigned status,
                           const char *notice, const tc_check_report_t *checked)
{
    const tc_view_t *v = tc_engine_view(c->e);
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    char when[64];
    tc_admin__open(&b, c, m->name, "monitors");
    tc_buf_puts(&b, "<p class=\"crumbs\"><a href=\"/admin/monitors\">Monitors</a></p><h1>");
    tc_buf_html(&b, m->name);
    tc_buf_printf(&b, " <span class=\"state %s\">%s</span>", m->state, state_words(m));
    failing_from(&b, m, " ");
    tc_buf_puts(&b, "</h1>");
    if (notice)
        tc_admin__notice(&b, "ok", notice);
    if (checked)
        report(&b, c, checked);
    if (m->paused) {
        tc_admin__when(c, m->paused_at, when, sizeof when);
        tc_buf_printf(&b, "<p class=\"notice\">Paused %s by ", when);
        tc_buf_html(&b, m->paused_by);
        tc_buf_puts(&b, ". It is not run, and its components do not count it, until it is "
                        "resumed.</p>");
    }
    tc_buf_printf(&b, "<div class=\"actions\"><form method=\"post\" "
                      "action=\"/admin/monitors/%s/check\">",
                  m->id);
    tc_admin__csrf_field(&b, c);
    tc_buf_printf(&b, "<button type=\"submit\">Check now</button></form><form method=\"post\" "
                      "action=\"/admin/monitors/%s/%s\">",
                  m->id, m->paused ? "resume" : "pause");
    tc_admin__csrf_field(&b, c);
    tc_buf_printf(&b, "<button type=\"submit\" class=\"secondary\">%s</button></form></div>",
                  m->paused ? "Resume" : "Pause");
    tc_buf_printf(&b, "<table class=\"grid facts\"><tbody><tr><th scope=\"row\">Id</th>"
                      "<td><code>%s</code></td></tr><tr><th scope=\"row\">Kind</th><td>%s</td>"
                      "</tr><tr><th scope=\"row\">Runs every</th><td>",
                  m->id, m->kind);
    interval_words(&b, m->interval_ms);
    tc_buf_puts(&b, " <small>(timeout ");
    interval_words(&b, m->timeout_ms);
    last_check_words(c, m, when, sizeof when);
    tc_buf_printf(&b, ")</small></td></tr><tr><th scope=\"row\">Last check</th><td>%s", when);
    if (m->last_at) {
        tc_buf_printf(&b, ", %.0f ms", m->last_ms);
        if (m->last_reason[0]) {
            tc_buf_puts(&b, "<br><span class=\"reason\">");
            tc_buf_html(&b, m->last_reason);
            tc_buf_puts(&b, "</span>");
        }
    }
    tc_admin__when(c, m->last_failure_at, when, sizeof when);
    tc_buf_printf(&b, "</td></tr><tr><th scope=\"row\">Last failure</th><td>%s", when);
    if (m->last_failure_at) {
        tc_buf_puts(&b, "<br><span class=\"reason\">");
        tc_buf_html(&b, m->last_failure);
        tc_buf_puts(&b, "</span>");
    }
    tc_buf_printf(&b, "</td></tr><tr><th scope=\"row\">Checks since start</th><td>%lu up, "
                      "%lu degraded, %lu down</td></tr><tr><th scope=\"row\">Feeds</th><td>",
                  m->checks[0], m->checks[1], m->checks[2]);
    for (size_t k = 0; k < m->ncomponents; k++) {
        const char *name = m->components[k];
        for (size_t i = 0; i < v->nrows; i++)
            if (strcmp(v->rows[i].id, name) == 0)
                name = v->rows[i].name;
        tc_buf_puts(&b, k ? ", " : "");
        tc_buf_html(&b, name);
    }
    if (!m->ncomponents)
        tc_buf_puts(&b, "<span class=\"muted\">no component</span>");
    tc_buf_puts(&b, "</td></tr></tbody></table>");
    tc_admin__finish(c, &b, status);
}

void tc_admin__monitor_page(tc_admin_call_t *c)
{
    tc_monitor_info_t m;
    if (tc_engine_monitor(c->e, c->param, &m) != 0) {
        tc_admin__message(c, 404, "No such monitor", "It may have been removed from the "
                                                     "configuration.");
        return;
    }
    const char *done = tc_http_arg(c->req, "done");
    const char *notice = NULL;
    if (done && strcmp(done, "paused") == 0)
        notice = "Paused.";
    else if (done && strcmp(done, "resumed") == 0)
        notice = "Resumed: it runs now, then at its interval.";
    render_monitor(c, &m, 200, notice, NULL);
}

static void pause_or_resume(tc_admin_call_t *c, bool paused)
{
    char err[512];
    int rc = tc_engine_monitor_pause(c->e, c->param, paused, c->actor, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : 500, "Not changed", err);
        return;
    }
    tc_admin__audit(c, paused ? "monitor.pause" : "monitor.resume", c->param,
                    paused ? "paused" : "resumed");
    char location[TC_ADMIN_MAX_PARAM + 48];
    snprintf(location, sizeof location, "/admin/monitors/%s?done=%s", c->param,
             paused ? "paused" : "resumed");
    tc_admin__redirect(c, location);
}

void tc_admin__monitor_pause(tc_admin_call_t *c)
{
    pause_or_resume(c, true);
}

void tc_admin__monitor_resume(tc_admin_call_t *c)
{
    pause_or_resume(c, false);
}

/* A check's request, kept until the run ends: the call is gone by then, so what the page's
 * frame needs (who is logged in, the form token) is copied. */
typedef struct check_job {
    tc_http_request_t *req;
    char id[TC_ADMIN_MAX_PARAM];
    char name[68], role[16];
    char csrf[TC_SESSION_CSRF_LEN];
} check_job_t;

static void check_done(tc_engine_t *e, const tc_check_report_t *r, void *arg)
{
    check_job_t *j = arg;
    tc_admin_call_t c = {.e = e, .req = j->req};
    c.user.name = j->name;
    c.user.role = j->role;
    snprintf(c.csrf, sizeof c.csrf, "%s", j->csrf);
    tc_monitor_info_t m;
    if (tc_engine_monitor(e, j->id, &m) != 0)
        tc_admin__message(&c, 404, "No such monitor", "It was removed from the configuration "
                                                      "while it was being checked.");
    else
        render_monitor(&c, &m, r->canceled ? 503 : 200, NULL, r);
    free(j);
}

void tc_admin__monitor_check(tc_admin_call_t *c)
{
    check_job_t *j = tc_calloc(1, sizeof *j);
    j->req = c->req;
    snprintf(j->id, sizeof j->id, "%s", c->param);
    snprintf(j->name, sizeof j->name, "%s", c->user.name);
    snprintf(j->role, sizeof j->role, "%s", c->user.role);
    snprintf(j->csrf, sizeof j->csrf, "%s", c->csrf);
    char err[512];
    int rc = tc_engine_monitor_check(c->e, c->param, check_done, j, err, sizeof err);
    if (rc) {
        free(j);
        tc_admin__message(c, rc == TC_ENOENT ? 404 : rc == TC_EAGAIN ? 503 : 500, "Not checked",
                          err);
        return;
    }
    tc_admin__audit(c, "monitor.check", c->param, "checked now");
}
