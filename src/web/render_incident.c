/* One incident or maintenance at /incidents/<id>: every update newest first with its label,
 * body and time, the published post-mortem, and the components it affected. The
 * post-mortem is the newest thing said about an incident, so it comes first, as on
 * Statuspage. */
#include "core/clock.h"
#include "web/html.h"
#include "web/render.h"

static void posted(tc_buf_t *b, const tc_view_t *v, int64_t ms)
{
    char when[48];
    tc_clock_format_local(v->zone, ms, "%b %d, %Y - %H:%M %Z", when, sizeof when);
    tc_buf_printf(b, "<p class=\"posted\"><small>Posted %s</small></p>", when);
}

static void update_html(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i, size_t k)
{
    const tc_incident_update_t *u = &i->updates[k];
    int prev = k > 0 ? (int)i->updates[k - 1].status : -1;
    tc_buf_printf(b, "<li class=\"update\"><h2>%s</h2>", tc_incident_update_label(u->status, prev));
    tc_html_markdown(b, u->body, 0);
    /* Statuspage records a placeholder without a code on backfilled updates ("No
     * components were affected by this update."); only real components are listed. */
    size_t shown = 0;
    for (size_t a = 0; a < u->naffected; a++) {
        const tc_affected_t *c = &u->affected[a];
        if (!c->code || !c->name)
            continue;
        tc_buf_puts(b, shown++ ? ", " : "<p class=\"meta\">Affected: ");
        tc_buf_html(b, c->name);
        tc_buf_printf(b, " (%s)", tc_status_words(c->new_status));
    }
    if (shown)
        tc_buf_puts(b, "</p>");
    posted(b, v, tc_html_update_time(u));
    tc_buf_puts(b, "</li>");
}

char *tc_render_incident_html(const tc_view_t *v, const tc_incident_t *i, size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_html_open(&b, v, i->name, false);
    tc_buf_printf(&b, "<article><h1 class=\"impact impact-%s\">", tc_impact_name(i->impact));
    tc_buf_html(&b, i->name);
    tc_buf_puts(&b, "</h1>");
    if (i->is_maintenance && i->scheduled_for) {
        char from[48], until[48];
        tc_clock_format_local(v->zone, i->scheduled_for, "%b %d, %Y - %H:%M %Z", from, sizeof from);
        tc_buf_printf(&b, "<p class=\"meta\">Scheduled for %s", from);
        if (i->scheduled_until) {
            tc_clock_format_local(v->zone, i->scheduled_until, "%b %d, %Y - %H:%M %Z", until,
                                  sizeof until);
            tc_buf_printf(&b, " until %s", until);
        }
        tc_buf_puts(&b, "</p>");
    }
    tc_buf_puts(&b, "<ol class=\"updates\">");
    if (i->postmortem_body && i->postmortem_published_at) {
        tc_buf_puts(&b, "<li class=\"update postmortem\"><h2>Postmortem</h2>");
        tc_html_markdown(&b, i->postmortem_body, 0);
        posted(&b, v, i->postmortem_published_at);
        tc_buf_puts(&b, "</li>");
    }
    for (size_t k = i->nupdates; k-- > 0;)
        update_html(&b, v, i, k);
    tc_buf_puts(&b, "</ol>");

    tc_html_affected(&b, v, i);
    tc_buf_puts(&b, "</article><p><a href=\"/\">&larr; Current Status</a></p>");
    tc_html_close(&b, v);
    return tc_buf_steal(&b, len);
}
