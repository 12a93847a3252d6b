/* The overview: what an operator needs to see first at 3 a.m. The page's status as the
 * public sees it; each component with its status and the monitors feeding it (state, last
 * check, response time, why it failed); open incidents; active and upcoming maintenance; and
 * notifications that are waiting or gave up. It reloads itself every 30 s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "web/html.h"

static void monitor_line(tc_buf_t *b, const tc_admin_call_t *c, const tc_monitor_info_t *m)
{
    char when[64];
    tc_admin__when(c, m->last_at, when, sizeof when);
    tc_buf_printf(b, "<li><span class=\"state %s\">%s</span> ", m->state,
                  strcmp(m->state, "pending") == 0 ? "no result yet" : m->state);
    tc_buf_html(b, m->name);
    tc_buf_printf(b, " <small>(%s", m->kind);
    if (m->last_at)
        tc_buf_printf(b, "; last check %s, %.0f ms", when, m->last_ms);
    if (m->failure_share > 0)
        tc_buf_printf(b, "; %.0f%% of the last %d checks failed", m->failure_share * 100,
                      m->window);
    tc_buf_puts(b, ")</small>");
    if (m->last_at && m->last_reason && m->last_reason[0] && strcmp(m->state, "up") != 0) {
        tc_buf_puts(b, "<br><span class=\"reason\">");
        tc_buf_html(b, m->last_reason);
        tc_buf_puts(b, "</span>");
    }
    tc_buf_puts(b, "</li>");
}

static bool feeds(const tc_monitor_info_t *m, const char *component)
{
    for (size_t k = 0; k < m->ncomponents; k++)
        if (strcmp(m->components[k], component) == 0)
            return true;
    return false;
}

static void components_table(tc_buf_t *b, const tc_admin_call_t *c, const tc_view_t *v)
{
    tc_monitor_info_t *mons = NULL;
    size_t nmons = 0;
    tc_engine_monitors(c->e, &mons, &nmons);
    tc_buf_puts(b, "<h2>Components</h2><table class=\"grid\"><thead><tr><th scope=\"col\">"
                   "Component</th><th scope=\"col\">Status</th><th scope=\"col\">Fed by"
                   "</th></tr></thead><tbody>");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        char words[64];
        tc_buf_printf(b, "<tr%s><th scope=\"row\">", r->is_group ? " class=\"group\"" : "");
        if (r->group_id)
            tc_buf_puts(b, "<span class=\"indent\" aria-hidden=\"true\">↳ </span>");
        tc_buf_html(b, r->name);
        tc_buf_printf(b, "</th><td><span class=\"status %s\">%s</span></td><td>",
                      tc_status_name(r->status),
                      tc_admin__words(tc_status_name(r->status), words, sizeof words));
        size_t fed = 0;
        for (size_t k = 0; k < nmons; k++)
            if (feeds(&mons[k], r->id)) {
                tc_buf_puts(b, fed++ ? "" : "<ul class=\"monitors\">");
                monitor_line(b, c, &mons[k]);
            }
        if (fed)
            tc_buf_puts(b, "</ul>");
        else if (!r->is_group)
            tc_buf_puts(b, "<span class=\"muted\">no monitor: set by incidents and by hand"
                           "</span>");
        tc_buf_puts(b, "</td></tr>");
    }
    tc_buf_puts(b, "</tbody></table>");
    free(mons);
}

static void incident_list(tc_buf_t *b, const tc_admin_call_t *c, const tc_view_t *v,
                          bool maintenance)
{
    size_t shown = 0;
    for (size_t i = 0; i < v->nincidents; i++) {
        const tc_incident_t *in = v->incidents[i];
        if (in->is_maintenance != maintenance || !tc_incident_is_open(in))
            continue;
        char when[64], words[64];
        tc_admin__when(c, in->is_maintenance ? in->scheduled_for : in->updated_at, when,
                       sizeof when);
        tc_buf_puts(b, shown++ ? "" : "<ul class=\"list\">");
        tc_buf_printf(b, "<li><a href=\"/admin/incidents/%s\">", in->id);
        tc_buf_html(b, in->name);
        tc_buf_printf(b, "</a> <span class=\"tag impact-%s\">%s</span> <small>%s %s</small>"
                         "</li>",
                      tc_impact_name(in->impact),
                      tc_admin__words(tc_incident_status_name(in->status), words, sizeof words),
                      in->is_maintenance ? "starts" : "updated", when);
    }
    if (shown)
        tc_buf_puts(b, "</ul>");
    else
        tc_buf_printf(b, "<p class=\"muted\">%s</p>",
                      maintenance ? "No maintenance scheduled." : "No open incidents.");
}

void tc_admin__overview(tc_admin_call_t *c)
{
    const tc_view_t *v = tc_engine_view(c->e);
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Overview", "overview");
    tc_buf_puts(&b, "<h1>Overview</h1><p class=\"statusline ");
    tc_buf_puts(&b, tc_indicator_name(v->rollup.indicator));
    tc_buf_puts(&b, "\">The public page says: <strong>");
    tc_buf_html(&b, v->rollup.description);
    tc_buf_puts(&b, "</strong></p>");
    tc_admin__vantage(&b, c, false);
    tc_buf_puts(&b, "<div class=\"columns\"><section><h2>Open incidents</h2>");
    incident_list(&b, c, v, false);
    tc_buf_puts(&b, "<p><a class=\"button\" href=\"/admin/incidents/new\">New incident</a></p>"
                    "</section><section><h2>Maintenance</h2>");
    incident_list(&b, c, v, true);
    long counts[3];
    tc_engine_delivery_counts(c->e, counts);
    tc_buf_printf(&b, "</section><section><h2>Notifications</h2><p>%ld waiting to be sent, "
                      "%ld delivered, <strong%s>%ld gave up</strong> after every retry.</p>"
                      "</section></div>",
                  counts[0], counts[1], counts[2] ? " class=\"bad\"" : "", counts[2]);
    components_table(&b, c, v);
    tc_admin__finish(c, &b, 200);
}
