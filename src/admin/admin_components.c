/* Components in the console: every row with its status and what feeds it (the monitors that
 * list it, the open incidents and running maintenance that name it, a status set by hand),
 * and a form per component to set a status by hand or give it back. The form goes through
 * tc_engine_component_set(), the command behind the write API's component PATCH, so a status
 * set here and one set through /v1/ are the same thing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "core/err.h"
#include "web/html.h"

static bool names(const tc_incident_t *in, const char *component)
{
    for (size_t k = 0; k < in->ncomponents; k++)
        if (strcmp(in->component_ids[k], component) == 0)
            return true;
    return false;
}

static void fed_by(tc_buf_t *b, const tc_admin_call_t *c, const tc_view_t *v,
                   const tc_view_row_t *r, const tc_monitor_info_t *mons, size_t nmons)
{
    size_t shown = 0;
    char words[64];
    tc_status_t manual;
    if (tc_engine_component_manual(c->e, r->id, &manual)) {
        tc_buf_printf(b, "<li><strong>Set by hand: %s</strong> <small>(wins over everything "
                         "below until cleared)</small></li>",
                      tc_admin__words(tc_status_name(manual), words, sizeof words));
        shown++;
    }
    for (size_t k = 0; k < nmons; k++) {
        const tc_monitor_info_t *m = &mons[k];
        bool feeds = false;
        for (size_t j = 0; j < m->ncomponents && !feeds; j++)
            feeds = strcmp(m->components[j], r->id) == 0;
        if (!feeds)
            continue;
        tc_buf_printf(b, "<li>Monitor <a href=\"/admin/monitors/%s\">", m->id);
        tc_buf_html(b, m->name);
        tc_buf_printf(b, "</a> <span class=\"state %s\">%s</span></li>", m->state,
                      strcmp(m->state, "pending") == 0 ? "no result yet" : m->state);
        shown++;
    }
    for (size_t i = 0; i < v->nincidents; i++) {
        const tc_incident_t *in = v->incidents[i];
        if (!tc_incident_is_open(in) || !names(in, r->id))
            continue;
        tc_buf_printf(b, "<li>%s <a href=\"/admin/incidents/%s\">",
                      in->is_maintenance ? "Maintenance" : "Incident", in->id);
        tc_buf_html(b, in->name);
        tc_buf_printf(b, "</a> <small>(%s)</small></li>",
                      tc_admin__words(tc_incident_status_name(in->status), words,
                                      sizeof words));
        shown++;
    }
    if (!shown)
        tc_buf_puts(b, "<li class=\"muted\">Nothing: operational until an incident or a "
                       "person says otherwise</li>");
}

static void status_form(tc_buf_t *b, const tc_admin_call_t *c, size_t i, const tc_view_row_t *r)
{
    static const tc_status_t choices[] = {TC_STATUS_OPERATIONAL, TC_STATUS_DEGRADED,
                                          TC_STATUS_PARTIAL_OUTAGE, TC_STATUS_MAJOR_OUTAGE,
                                          TC_STATUS_UNDER_MAINTENANCE};
    tc_status_t manual;
    bool has = tc_engine_component_manual(c->e, r->id, &manual);
    tc_buf_puts(b, "<form method=\"post\" class=\"inline\" action=\"/admin/components/");
    tc_buf_html(b, r->id);
    tc_buf_puts(b, "\">");
    tc_admin__csrf_field(b, c);
    tc_buf_printf(b, "<label for=\"s-%zu\" class=\"visually-hidden\">Status of ", i);
    tc_buf_html(b, r->name);
    tc_buf_printf(b, "</label><select id=\"s-%zu\" name=\"status\"><option value=\"\">"
                     "From monitors and incidents</option>",
                  i);
    for (size_t k = 0; k < sizeof choices / sizeof choices[0]; k++) {
        char words[40];
        const char *name = tc_status_name(choices[k]);
        tc_buf_printf(b, "<option value=\"%s\"%s>%s</option>", name,
                      has && manual == choices[k] ? " selected" : "",
                      tc_admin__words(name, words, sizeof words));
    }
    tc_buf_puts(b, "</select> <button type=\"submit\" class=\"secondary\">Save</button></form>");
}

void tc_admin__components(tc_admin_call_t *c)
{
    const tc_view_t *v = tc_engine_view(c->e);
    tc_monitor_info_t *mons = NULL;
    size_t nmons = 0;
    tc_engine_monitors(c->e, &mons, &nmons);
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Components", "components");
    tc_buf_puts(&b, "<h1>Components</h1>");
    /* What the redirect after a change says (fixed texts, never from the URL). */
    const char *done = tc_http_arg(c->req, "done");
    if (done && strcmp(done, "set") == 0)
        tc_admin__notice(&b, "ok", "The status is set by hand; it stays until you clear it.");
    else if (done && strcmp(done, "cleared") == 0)
        tc_admin__notice(&b, "ok", "The status comes from monitors and incidents again.");
    tc_buf_puts(&b, "<p class=\"muted\">A status set by hand wins over monitors and incidents "
                    "until it is cleared (the write API's component PATCH does the same)."
                    "</p><table class=\"grid\"><thead><tr><th scope=\"col\">Component</th>"
                    "<th scope=\"col\">Status</th><th scope=\"col\">Fed by</th>"
                    "<th scope=\"col\">Set by hand</th></tr></thead><tbody>");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        char words[64];
        tc_buf_printf(&b, "<tr%s id=\"row-", r->is_group ? " class=\"group\"" : "");
        tc_buf_html(&b, r->id);
        tc_buf_puts(&b, "\"><th scope=\"row\">");
        if (r->group_id)
            tc_buf_puts(&b, "<span class=\"indent\" aria-hidden=\"true\">↳ </span>");
        tc_buf_html(&b, r->name);
        tc_buf_printf(&b, "</th><td><span class=\"status %s\">%s</span></td><td>",
                      tc_status_name(r->status),
                      tc_admin__words(tc_status_name(r->status), words, sizeof words));
        if (r->is_group) {
            tc_buf_puts(&b, "<span class=\"muted\">the worst of its components</span></td>"
                            "<td></td></tr>");
            continue;
        }
        tc_buf_puts(&b, "<ul class=\"list\">");
        fed_by(&b, c, v, r, mons, nmons);
        tc_buf_puts(&b, "</ul></td><td>");
        status_form(&b, c, i, r);
        tc_buf_puts(&b, "</td></tr>");
    }
    tc_buf_puts(&b, "</tbody></table>");
    free(mons);
    tc_admin__finish(c, &b, 200);
}

void tc_admin__component_set(tc_admin_call_t *c)
{
    const char *choice = tc_form_get(&c->form, "status");
    tc_status_t st;
    bool clear = !choice || !choice[0];
    if (!clear && tc_status_parse(choice, &st) != 0) {
        tc_admin__message(c, 422, "Not changed", "Choose a status from the list.");
        return;
    }
    char err[512];
    int rc = tc_engine_component_set(c->e, c->param, clear ? NULL : &st, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : rc == TC_EINVAL ? 422 : 500, "Not changed",
                          err);
        return;
    }
    tc_admin__audit(c, clear ? "component.release" : "component.set", c->param,
                    clear ? "status back to its monitors and incidents" : tc_status_name(st));
    tc_admin__redirect(c, clear ? "/admin/components?done=cleared" : "/admin/components?done=set");
}
