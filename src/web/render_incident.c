/* One incident or maintenance at /incidents/<id>: every update newest first with its label,
 * body and time, the published post-mortem, and the components it affected. The
 * post-mortem is the newest thing said about an incident, so it comes first, as on
 * Statuspage. */
#include "core/clock.h"
#include "web/html.h"
#include "web/render.h"

static void posted(tc_buf_t *b, const tc_view_t *v, int64_t ms)
{
    char when[64];
    tc_i18n_date(v->lang, v->zone, ms, TC_T_FMT_POSTED, when, sizeof when);
    tc_buf_puts(b, "<p class=\"posted\"><small>");
    tc_i18n_html(b, v->lang, TC_T_POSTED, when, NULL);
    tc_buf_puts(b, "</small></p>");
}

static void update_html(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i, size_t k)
{
    const tc_incident_update_t *u = &i->updates[k];
    int prev = k > 0 ? (int)i->updates[k - 1].status : -1;
    tc_buf_puts(b, "<li class=\"update\"><h2>");
    tc_buf_html(b, tc_i18n_update(v->lang, u->status, prev));
    tc_buf_puts(b, "</h2>");
    tc_html_markdown_under(b, u->body, 0, 2);
    /* Statuspage records a placeholder without a code on backfilled updates ("No
     * components were affected by this update."); only real components are listed. */
    size_t shown = 0;
    for (size_t a = 0; a < u->naffected; a++) {
        const tc_affected_t *c = &u->affected[a];
        if (!c->code || !c->name)
            continue;
        if (shown++) {
            tc_html_text(b, v, TC_T_LIST_SEP);
        } else {
            tc_buf_puts(b, "<p class=\"meta\">");
            tc_html_text(b, v, TC_T_AFFECTED_LIST);
        }
        tc_i18n_html(b, v->lang, TC_T_NAME_STATUS, c->name,
                     tc_i18n_status_words(v->lang, c->new_status), NULL);
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
        char from[64], until[64];
        tc_i18n_date(v->lang, v->zone, i->scheduled_for, TC_T_FMT_POSTED, from, sizeof from);
        tc_buf_puts(&b, "<p class=\"meta\">");
        tc_i18n_html(&b, v->lang, TC_T_SCHEDULED_FOR, from, NULL);
        if (i->scheduled_until) {
            tc_i18n_date(v->lang, v->zone, i->scheduled_until, TC_T_FMT_POSTED, until,
                         sizeof until);
            tc_i18n_html(&b, v->lang, TC_T_UNTIL, until, NULL);
        }
        tc_buf_puts(&b, "</p>");
    }
    tc_buf_puts(&b, "<ol class=\"updates\">");
    if (i->postmortem_body && i->postmortem_published_at) {
        tc_buf_puts(&b, "<li class=\"update postmortem\"><h2>");
        tc_buf_html(&b, tc_i18n_update(v->lang, TC_INC_POSTMORTEM, -1));
        tc_buf_puts(&b, "</h2>");
        tc_html_markdown_under(&b, i->postmortem_body, 0, 2);
        posted(&b, v, i->postmortem_published_at);
        tc_buf_puts(&b, "</li>");
    }
    for (size_t k = i->nupdates; k-- > 0;)
        update_html(&b, v, i, k);
    tc_buf_puts(&b, "</ol>");

    tc_html_affected(&b, v, i);
    tc_buf_puts(&b, "</article><p><a href=\"/\">&larr; ");
    tc_html_text(&b, v, TC_T_CURRENT_STATUS);
    tc_buf_puts(&b, "</a></p>");
    tc_html_close(&b, v);
    return tc_buf_steal(&b, len);
}
