/* Incidents in the console: the list (open first, searchable, paged), the form that opens
 * one, the incident's page (timeline, a new update, the post-mortem, delete) and the preview.
 * Forms are read into the same typed command the write API builds (tc_incident_cmd_t), so a
 * console incident and an API incident are made by the same code. A form that fails comes
 * back with what was typed and the message next to the field. The preview is made by the
 * public page's own renderer (tc_html_incident_entry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin_int.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "web/html.h"

#define MAX_NAME 255
#define MAX_BODY_TEXT 65536
#define PER_PAGE 25

static const tc_incident_status_t incident_statuses[] = {
    TC_INC_INVESTIGATING, TC_INC_IDENTIFIED, TC_INC_MONITORING, TC_INC_RESOLVED};
static const tc_incident_status_t maintenance_statuses[] = {
    TC_INC_SCHEDULED, TC_INC_IN_PROGRESS, TC_INC_VERIFYING, TC_INC_COMPLETED};

/* What people write most often at each status (Statuspage's defaults), offered in the
 * message box so a 3 a.m. update is one click. */
static const char *default_message(tc_incident_status_t s)
{
    switch (s) {
    case TC_INC_INVESTIGATING:
        return "We are currently investigating this issue.";
    case TC_INC_IDENTIFIED:
        return "The issue has been identified and a fix is being implemented.";
    case TC_INC_MONITORING:
        return "A fix has been implemented and we are monitoring the results.";
    case TC_INC_RESOLVED:
        return "This incident has been resolved.";
    case TC_INC_SCHEDULED:
        return "We will be undergoing scheduled maintenance during this time.";
    case TC_INC_IN_PROGRESS:
        return "Scheduled maintenance is currently in progress. We will provide updates as "
               "necessary.";
    case TC_INC_VERIFYING:
        return "Verification is currently underway for the maintenance items.";
    case TC_INC_COMPLETED:
        return "The scheduled maintenance has been completed.";
    default:
        return "";
    }
}

/* ---- reading the form ---- */

/* Problems with a submitted form, each shown next to its field. */
typedef struct form_errors {
    char name[160], status[160], message[160], components[300], general[600];
    bool any;
} form_errors_t;

/* The form's fields as a command; the arrays are owned here. */
typedef struct incident_form {
    tc_incident_cmd_t cmd;
    tc_cmd_component_t *comps;
    char impact_field[16]; /* "" derived, or an impact name */
    bool notify;
} incident_form_t;

static void set_error(form_errors_t *e, char *field, size_t len, const char *text)
{
    snprintf(field, len, "%s", text);
    e->any = true;
}

/* Read name (when @p creating), status, message, impact, notify and every leaf component's
 * choice ("c.<id>": a status name, or empty for "not affected"). */
static void read_form(tc_admin_call_t *c, bool creating, bool maintenance, incident_form_t *f,
                      form_errors_t *e)
{
    const tc_view_t *v = tc_engine_view(c->e);
    memset(e, 0, sizeof *e);
    tc_incident_cmd_init(&f->cmd);
    f->comps = tc_calloc(v->nrows ? v->nrows : 1, sizeof *f->comps);
    const char *name = tc_admin__text(c, "name");
    if (creating) {
        if (!name)
            set_error(e, e->name, sizeof e->name, "Give the incident a title.");
        else if (strlen(name) > MAX_NAME)
            set_error(e, e->name, sizeof e->name, "Keep the title under 255 bytes.");
        f->cmd.name = name;
    }
    const char *status = tc_form_get(&c->form, "status");
    tc_incident_status_t st;
    if (!status || tc_incident_status_parse(status, &st) != 0 ||
        tc_incident_status_is_maintenance(st) != maintenance || st == TC_INC_POSTMORTEM) {
        set_error(e, e->status, sizeof e->status, "Choose a status.");
    } else {
        f->cmd.has_status = true;
        f->cmd.status = st;
    }
    const char *raw = tc_form_get(&c->form, "message");
    const char *message = tc_admin__text(c, "message");
    if (raw && raw[0] && !tc_utf8_valid(raw, strlen(raw)))
        set_error(e, e->message, sizeof e->message, "The message is not valid UTF-8 text.");
    else if (message && strlen(message) > MAX_BODY_TEXT)
        set_error(e, e->message, sizeof e->message, "Keep the message under 64 KiB.");
    f->cmd.body = message;
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        char field[200];
        snprintf(field, sizeof field, "c.%s", r->id);
        const char *choice = r->is_group ? NULL : tc_form_get(&c->form, field);
        tc_status_t cs;
        if (!choice || !choice[0])
            continue;
        if (tc_status_parse(choice, &cs) != 0) {
            set_error(e, e->components, sizeof e->components, "Choose a status from the list.");
            continue;
        }
        f->comps[f->cmd.ncomponents].id = r->id;
        f->comps[f->cmd.ncomponents++].status = cs;
    }
    f->cmd.components = f->comps;
    const char *impact = tc_form_get(&c->form, "impact");
    tc_impact_t im;
    if (impact && impact[0] && (tc_impact_parse(impact, &im) != 0 || im == TC_IMPACT_MAINTENANCE)) {
        set_error(e, e->general, sizeof e->general, "Choose an impact from the list.");
    } else if (impact && impact[0]) {
        f->cmd.has_impact_override = true;
        f->cmd.impact_override = (int)im;
        snprintf(f->impact_field, sizeof f->impact_field, "%s", impact);
    } else if (!creating && !maintenance) {
        f->cmd.has_impact_override = true; /* "derived": clear an override */
        f->cmd.impact_override = -1;
    }
    f->notify = tc_form_get(&c->form, "notify") != NULL;
    f->cmd.deliver_notifications = f->notify;
    f->cmd.author = c->user.name;
}

static void free_form(incident_form_t *f);
static void template_chooser(tc_buf_t *b, tc_admin_call_t *c);
static void backfill_form(tc_buf_t *b, tc_admin_call_t *c);

/* ---- pieces of the forms ---- */

static void field_error(tc_buf_t *b, const char *id, const char *text)
{
    if (text && text[0]) {
        tc_buf_printf(b, "<span class=\"field-error\" id=\"%s-error\">", id);
        tc_buf_html(b, text);
        tc_buf_puts(b, "</span>");
    }
}

static void status_choices(tc_buf_t *b, tc_incident_status_t selected)
{
    bool maintenance = tc_incident_status_is_maintenance(selected);
    const tc_incident_status_t *list = maintenance ? maintenance_statuses : incident_statuses;
    tc_buf_puts(b, "<fieldset class=\"statuses\"><legend>Status</legend>");
    for (size_t i = 0; i < 4; i++) {
        tc_incident_status_t s = list[i];
        char words[40];
        tc_buf_printf(b, "<label><input type=\"radio\" name=\"status\" value=\"%s\" "
                         "data-message=\"",
                      tc_incident_status_name(s));
        tc_buf_html(b, default_message(s));
        tc_buf_printf(b, "\"%s> %s</label>", s == selected ? " checked" : "",
                      tc_admin__words(tc_incident_status_name(s), words, sizeof words));
    }
    tc_buf_puts(b, "</fieldset>");
}

/* The status each leaf component gets: the form's choice when re-shown, else what the
 * incident sets now (an update keeps it unless changed). */
static const char *component_choice(tc_admin_call_t *c, const tc_incident_t *in,
                                    const char *id, bool reshow)
{
    if (reshow) {
        char field[200];
        snprintf(field, sizeof field, "c.%s", id);
        const char *v = tc_form_get(&c->form, field);
        return v ? v : "";
    }
    for (size_t k = 0; in && k < in->ncomponents; k++)
        if (strcmp(in->component_ids[k], id) == 0)
            return tc_status_name(in->component_status[k]);
    return "";
}

static void component_choices(tc_buf_t *b, tc_admin_call_t *c, const tc_incident_t *in,
                              bool reshow, const char *error)
{
    static const tc_status_t choices[] = {TC_STATUS_OPERATIONAL, TC_STATUS_DEGRADED,
                                          TC_STATUS_PARTIAL_OUTAGE, TC_STATUS_MAJOR_OUTAGE};
    const tc_view_t *v = tc_engine_view(c->e);
    tc_buf_puts(b, "<fieldset class=\"components\"><legend>Affected components</legend>");
    field_error(b, "components", error);
    tc_buf_puts(b, "<table class=\"grid\"><tbody>");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->is_group) {
            tc_buf_puts(b, "<tr class=\"group\"><th colspan=\"2\" scope=\"rowgroup\">");
            tc_buf_html(b, r->name);
            tc_buf_puts(b, "</th></tr>");
            continue;
        }
        const char *chosen = component_choice(c, in, r->id, reshow);
        tc_buf_printf(b, "<tr><th scope=\"row\"><label for=\"c-%zu\">", i);
        tc_buf_html(b, r->name);
        tc_buf_printf(b, "</label></th><td><select id=\"c-%zu\" name=\"c.", i);
        tc_buf_html(b, r->id);
        tc_buf_printf(b, "\"><option value=\"\">Not affected</option>");
        for (size_t k = 0; k < sizeof choices / sizeof choices[0]; k++) {
            char words[40];
            const char *name = tc_status_name(choices[k]);
            tc_buf_printf(b, "<option value=\"%s\"%s>%s</option>", name,
                          strcmp(chosen, name) == 0 ? " selected" : "",
                          tc_admin__words(name, words, sizeof words));
        }
        tc_buf_puts(b, "</select></td></tr>");
    }
    tc_buf_puts(b, "</tbody></table></fieldset>");
}

static void impact_choice(tc_buf_t *b, const char *selected)
{
    static const char *const impacts[] = {"none", "minor", "major", "critical"};
    tc_buf_puts(b, "<p><label for=\"impact\">Impact</label><select id=\"impact\" "
                   "name=\"impact\"><option value=\"\">Derived from the components</option>");
    for (size_t k = 0; k < sizeof impacts / sizeof impacts[0]; k++) {
        char words[20];
        tc_buf_printf(b, "<option value=\"%s\"%s>%s</option>", impacts[k],
                      selected && strcmp(selected, impacts[k]) == 0 ? " selected" : "",
                      tc_admin__words(impacts[k], words, sizeof words));
    }
    tc_buf_puts(b, "</select></p>");
}

static void message_box(tc_buf_t *b, const char *text, const char *error)
{
    tc_buf_puts(b, "<p><label for=\"message\">Message <small>(Markdown)</small></label>");
    field_error(b, "message", error);
    tc_buf_puts(b, "<textarea id=\"message\" name=\"message\" rows=\"6\">");
    tc_buf_html(b, text ? text : "");
    tc_buf_puts(b, "</textarea></p>");
}

static void notify_box(tc_buf_t *b, tc_admin_call_t *c, bool checked)
{
    size_t reach = tc_engine_recipients(c->e, NULL, 0);
    tc_buf_printf(b, "<p><label class=\"inline\"><input type=\"checkbox\" name=\"notify\" "
                     "value=\"1\"%s> Notify subscribers</label> <small>(%zu confirmed "
                     "subscriber%s; those who follow only other components are not told)"
                     "</small></p>",
                  checked ? " checked" : "", reach, reach == 1 ? "" : "s");
}

/* The preview of what the form would publish, by the public page's renderer. */
static void preview(tc_buf_t *b, tc_admin_call_t *c, const char *name, const incident_form_t *f)
{
    const tc_view_t *v = tc_engine_view(c->e);
    tc_incident_t *p = tc_calloc(1, sizeof *p);
    int64_t now = tc_clock_wall_ms();
    p->id = tc_strdup("preview");
    p->name = tc_strdup(name ? name : "(no title yet)");
    p->impact_override = f->cmd.has_impact_override ? f->cmd.impact_override : -1;
    p->created_at = p->started_at = now;
    p->component_ids = tc_calloc(f->cmd.ncomponents + 1, sizeof *p->component_ids);
    p->component_status = tc_calloc(f->cmd.ncomponents + 1, sizeof *p->component_status);
    for (size_t k = 0; k < f->cmd.ncomponents; k++) {
        p->component_ids[k] = tc_strdup(f->cmd.components[k].id);
        p->component_status[k] = f->cmd.components[k].status;
    }
    p->ncomponents = f->cmd.ncomponents;
    tc_incident_add_update(p, "preview", f->cmd.has_status ? f->cmd.status : TC_INC_INVESTIGATING,
                           f->cmd.body ? f->cmd.body : "", now, 0, NULL, 0, false);
    tc_incident_refresh_impact(p);
    tc_buf_puts(b, "<section class=\"preview\" aria-label=\"Preview\"><h2>Preview</h2>"
                   "<p class=\"muted\">As the public page will show it:</p>"
                   "<div class=\"public\" id=\"preview-box\">");
    tc_html_incident_entry(b, v, p, 3);
    tc_buf_puts(b, "</div></section>");
    tc_incident_free(p);
}

/* ---- new incident ---- */

static void render_new(tc_admin_call_t *c, unsigned status, bool reshow, const form_errors_t *e,
                       const incident_form_t *f)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "New incident", "incidents");
    tc_buf_puts(&b, "<h1>New incident</h1>");
    template_chooser(&b, c);
    if (e && e->any)
        tc_admin__notice(&b, "error", e->general[0] ? e->general
                                                    : "Nothing was published: see below.");
    tc_buf_puts(&b, "<form method=\"post\" action=\"/admin/incidents\" class=\"incident-form\" "
                    "data-preview=\"1\">");
    tc_admin__csrf_field(&b, c);
    tc_buf_puts(&b, "<p><label for=\"name\">Title</label>");
    field_error(&b, "name", e ? e->name : NULL);
    tc_buf_puts(&b, "<input id=\"name\" name=\"name\" required maxlength=\"255\" value=\"");
    tc_buf_html(&b, reshow ? (tc_form_get(&c->form, "name") ? tc_form_get(&c->form, "name") : "")
                           : "");
    tc_buf_puts(&b, "\"></p>");
    tc_incident_status_t st = TC_INC_INVESTIGATING;
    if (reshow && f->cmd.has_status)
        st = f->cmd.status;
    status_choices(&b, st);
    field_error(&b, "status", e ? e->status : NULL);
    message_box(&b, reshow ? tc_form_get(&c->form, "message") : default_message(st),
                e ? e->message : NULL);
    component_choices(&b, c, NULL, reshow, e ? e->components : NULL);
    impact_choice(&b, reshow ? f->impact_field : NULL);
    notify_box(&b, c, reshow ? f->notify : true);
    tc_buf_puts(&b, "<p class=\"actions\"><button type=\"submit\" name=\"action\" "
                    "value=\"preview\" class=\"secondary\">Preview</button> <button "
                    "type=\"submit\" name=\"action\" value=\"publish\">Publish incident</button>"
                    "</p></form>");
    if (reshow && f && (!e || !e->any))
        preview(&b, c, tc_admin__text(c, "name"), f);
    else
        tc_buf_puts(&b, "<section class=\"preview\" aria-label=\"Preview\" hidden><h2>Preview"
                        "</h2><div class=\"public\" id=\"preview-box\"></div></section>");
    backfill_form(&b, c);
    tc_admin__finish(c, &b, status);
}

/* A past incident for the history: title, start, end, components, message. The form's own
 * fields are not re-shown after an error (the main form's are); its message says what to fix. */
static void backfill_form(tc_buf_t *b, tc_admin_call_t *c)
{
    char start[32], end[32];
    int64_t now = tc_clock_wall_ms();
    tc_admin__local_field(c, now - 2 * 3600000LL, start, sizeof start);
    tc_admin__local_field(c, now - 3600000LL, end, sizeof end);
    tc_buf_puts(b, "<details class=\"backfill\"><summary>Backfill a past incident (for the "
                   "history; nobody is notified)</summary><form method=\"post\" "
                   "action=\"/admin/incidents/backfill\">");
    tc_admin__csrf_field(b, c);
    tc_buf_printf(b, "<p><label for=\"bf-name\">Title</label><input id=\"bf-name\" "
                     "name=\"name\" required maxlength=\"255\"></p><p><label "
                     "for=\"bf-started\">Started</label><input id=\"bf-started\" "
                     "name=\"started\" type=\"datetime-local\" required value=\"%s\"></p>"
                     "<p><label for=\"bf-resolved\">Resolved</label><input "
                     "id=\"bf-resolved\" name=\"resolved\" type=\"datetime-local\" required "
                     "value=\"%s\"></p><p><label for=\"bf-message\">What happened "
                     "<small>(Markdown)</small></label><textarea id=\"bf-message\" "
                     "name=\"message\" rows=\"4\"></textarea></p>",
                  start, end);
    const tc_view_t *v = tc_engine_view(c->e);
    tc_buf_puts(b, "<fieldset><legend>Components and how they were affected</legend>");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->is_group)
            continue;
        tc_buf_printf(b, "<p><label for=\"bf-c-%zu\">", i);
        tc_buf_html(b, r->name);
        tc_buf_printf(b, "</label><select id=\"bf-c-%zu\" name=\"c.", i);
        tc_buf_html(b, r->id);
        tc_buf_puts(b, "\"><option value=\"\">Not affected</option><option "
                       "value=\"degraded_performance\">Degraded performance</option><option "
                       "value=\"partial_outage\">Partial outage</option><option "
                       "value=\"major_outage\">Major outage</option></select></p>");
    }
    tc_buf_puts(b, "</fieldset><p><button type=\"submit\">Add to the history</button></p>"
                   "</form></details>");
}

/* The incident templates of the config, as a form that reloads this page from one. */
static void template_chooser(tc_buf_t *b, tc_admin_call_t *c)
{
    tc_incident_template_t *t = NULL;
    size_t n = 0;
    tc_engine_templates(c->e, &t, &n);
    if (n) {
        const char *chosen = tc_http_arg(c->req, "template");
        tc_buf_puts(b, "<form method=\"get\" action=\"/admin/incidents/new\" "
                       "class=\"toolbar template\"><p><label for=\"template\">Start from a "
                       "template</label><select id=\"template\" name=\"template\">");
        for (size_t i = 0; i < n; i++) {
            tc_buf_puts(b, "<option value=\"");
            tc_buf_html(b, t[i].id);
            tc_buf_printf(b, "\"%s>", chosen && strcmp(chosen, t[i].id) == 0 ? " selected" : "");
            tc_buf_html(b, t[i].name);
            tc_buf_puts(b, "</option>");
        }
        tc_buf_puts(b, "</select> <button type=\"submit\" class=\"secondary\">Use template"
                       "</button></p></form>");
    }
    free(t);
}

/* Fill the form fields from template @p id, as if a person had typed them. */
static bool fill_from_template(tc_admin_call_t *c, const char *id)
{
    tc_incident_template_t *t = NULL;
    size_t n = 0;
    tc_engine_templates(c->e, &t, &n);
    const tc_incident_template_t *found = NULL;
    for (size_t i = 0; i < n && !found; i++)
        if (strcmp(t[i].id, id) == 0)
            found = &t[i];
    if (found) {
        tc_incident_status_t st =
            found->status >= 0 ? (tc_incident_status_t)found->status : TC_INC_INVESTIGATING;
        tc_form_add(&c->form, "name", found->name);
        tc_form_add(&c->form, "status", tc_incident_status_name(st));
        tc_form_add(&c->form, "message", found->message ? found->message : default_message(st));
        tc_form_add(&c->form, "notify", "1");
        for (size_t k = 0; k < found->ncomponents; k++) {
            char field[200];
            snprintf(field, sizeof field, "c.%s", found->components[k]);
            tc_form_add(&c->form, field, tc_status_name(found->component_status[k]));
        }
    }
    free(t);
    return found != NULL;
}

void tc_admin__incident_new(tc_admin_call_t *c)
{
    const char *id = tc_http_arg(c->req, "template");
    if (id && fill_from_template(c, id)) {
        incident_form_t f;
        form_errors_t e;
        read_form(c, true, false, &f, &e);
        render_new(c, 200, true, NULL, &f);
        free_form(&f);
        return;
    }
    render_new(c, 200, false, NULL, NULL);
}

static void free_form(incident_form_t *f)
{
    free(f->comps);
}

void tc_admin__incident_create(tc_admin_call_t *c)
{
    incident_form_t f;
    form_errors_t e;
    read_form(c, true, false, &f, &e);
    const char *action = tc_form_get(&c->form, "action");
    if (e.any || (action && strcmp(action, "preview") == 0)) {
        render_new(c, e.any ? 422 : 200, true, &e, &f);
        free_form(&f);
        return;
    }
    char err[512];
    const tc_incident_t *in = NULL;
    int rc = tc_engine_incident_create(c->e, &f.cmd, &in, err, sizeof err);
    if (rc) {
        set_error(&e, e.general, sizeof e.general, err);
        render_new(c, rc == TC_EINVAL || rc == TC_ENOENT ? 422 : 500, true, &e, &f);
        free_form(&f);
        return;
    }
    char location[64];
    snprintf(location, sizeof location, "/admin/incidents/%s", in->id);
    tc_admin__audit(c, "incident.create", in->id, in->name);
    tc_admin__redirect(c, location);
    free_form(&f);
}

/* ---- list ---- */

/* Does @p hay contain @p needle, ignoring ASCII case? (Titles are searched as typed.) */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

void tc_admin__incidents(tc_admin_call_t *c)
{
    const tc_view_t *v = tc_engine_view(c->e);
    const char *q = tc_http_arg(c->req, "q");
    if (q && (!q[0] || !tc_utf8_valid(q, strlen(q))))
        q = NULL;
    const char *page_arg = tc_http_arg(c->req, "page");
    long page = page_arg ? strtol(page_arg, NULL, 10) : 1;
    if (page < 1 || page > 100000)
        page = 1;
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Incidents", "incidents");
    tc_buf_puts(&b, "<h1>Incidents</h1><div class=\"toolbar\"><a class=\"button\" "
                    "href=\"/admin/incidents/new\">New incident</a><form method=\"get\" "
                    "action=\"/admin/incidents\" role=\"search\"><label for=\"q\">Search by "
                    "title</label> <input id=\"q\" name=\"q\" type=\"search\" value=\"");
    tc_buf_html(&b, q ? q : "");
    tc_buf_puts(&b, "\"> <button type=\"submit\" class=\"secondary\">Search</button></form>"
                    "</div><table class=\"grid\"><thead><tr><th scope=\"col\">Title</th>"
                    "<th scope=\"col\">Status</th><th scope=\"col\">Impact</th>"
                    "<th scope=\"col\">Started</th></tr></thead><tbody>");
    size_t matched = 0, first = (size_t)(page - 1) * PER_PAGE;
    /* Two passes over the newest-first list: open ones first, then the rest. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < v->nincidents; i++) {
            const tc_incident_t *in = v->incidents[i];
            if (tc_incident_is_open(in) != (pass == 0))
                continue;
            if (q && !contains(in->name, q))
                continue;
            if (matched++ < first || matched > first + PER_PAGE)
                continue;
            char when[64], words[40];
            tc_admin__when(c, tc_html_incident_time(in), when, sizeof when);
            tc_buf_printf(&b, "<tr><td><a href=\"/admin/incidents/%s\">", in->id);
            tc_buf_html(&b, in->name);
            tc_buf_printf(&b, "</a>%s</td><td>%s</td><td><span class=\"tag impact-%s\">%s"
                              "</span></td><td>%s</td></tr>",
                          in->is_maintenance ? " <small>(maintenance)</small>" : "",
                          tc_admin__words(tc_incident_status_name(in->status), words,
                                          sizeof words),
                          tc_impact_name(in->impact), tc_impact_name(in->impact), when);
        }
    }
    tc_buf_puts(&b, "</tbody></table>");
    if (matched == 0)
        tc_buf_puts(&b, q ? "<p>No incident has that in its title.</p>"
                          : "<p>No incidents yet.</p>");
    tc_buf_puts(&b, "<nav class=\"pager\" aria-label=\"Pages\">");
    if (page > 1) {
        tc_buf_printf(&b, "<a href=\"/admin/incidents?page=%ld", page - 1);
        if (q) {
            tc_buf_puts(&b, "&amp;q=");
            tc_buf_html(&b, q);
        }
        tc_buf_puts(&b, "\">Newer</a>");
    }
    if (matched > first + PER_PAGE) {
        tc_buf_printf(&b, "<a href=\"/admin/incidents?page=%ld", page + 1);
        if (q) {
            tc_buf_puts(&b, "&amp;q=");
            tc_buf_html(&b, q);
        }
        tc_buf_puts(&b, "\">Older</a>");
    }
    tc_buf_puts(&b, "</nav>");
    tc_admin__finish(c, &b, 200);
}

/* ---- one incident ---- */

static void timeline(tc_buf_t *b, tc_admin_call_t *c, const tc_incident_t *in)
{
    tc_buf_puts(b, "<h2>Timeline</h2><ol class=\"timeline\" reversed>");
    for (size_t k = in->nupdates; k-- > 0;) {
        const tc_incident_update_t *u = &in->updates[k];
        char when[64], words[40];
        tc_admin__when(c, tc_html_update_time(u), when, sizeof when);
        tc_buf_printf(b, "<li><p class=\"update-head\"><strong>%s</strong> <small>%s",
                      tc_admin__words(tc_incident_status_name(u->status), words, sizeof words),
                      when);
        if (u->author) {
            tc_buf_puts(b, ", by ");
            tc_buf_html(b, u->author);
        } else if (in->monitor_id) {
            tc_buf_puts(b, ", by a monitor");
        }
        tc_buf_puts(b, "</small></p>");
        tc_html_markdown(b, u->body ? u->body : "", 0);
        char local[32];
        tc_admin__local_field(c, tc_html_update_time(u), local, sizeof local);
        tc_buf_printf(b, "<details class=\"edit\"><summary>Edit this update</summary><form "
                         "method=\"post\" action=\"/admin/incidents/%s/updates/%s\">",
                      in->id, u->id);
        tc_admin__csrf_field(b, c);
        tc_buf_printf(b, "<p><label for=\"body-%s\">Text</label><textarea id=\"body-%s\" "
                         "name=\"body\" rows=\"4\">",
                      u->id, u->id);
        tc_buf_html(b, u->body ? u->body : "");
        tc_buf_printf(b, "</textarea></p><p><label for=\"when-%s\">Shown as posted at</label>"
                         "<input id=\"when-%s\" name=\"display_at\" type=\"datetime-local\" "
                         "value=\"%s\"></p><p><button type=\"submit\" class=\"secondary\">"
                         "Save this update</button></p></form></details>",
                      u->id, u->id, local);
        if (u->naffected) {
            tc_buf_puts(b, "<p class=\"muted\">Components: ");
            for (size_t a = 0; a < u->naffected; a++) {
                char w2[40];
                tc_buf_puts(b, a ? ", " : "");
                tc_buf_html(b, u->affected[a].name ? u->affected[a].name : u->affected[a].code);
                tc_buf_printf(b, " → %s",
                              tc_admin__words(tc_status_name(u->affected[a].new_status), w2,
                                              sizeof w2));
            }
            tc_buf_puts(b, "</p>");
        }
        tc_buf_puts(b, "</li>");
    }
    tc_buf_puts(b, "</ol>");
}

static tc_incident_status_t next_status(const tc_incident_t *in)
{
    switch (in->status) {
    case TC_INC_SCHEDULED:
        return TC_INC_IN_PROGRESS;
    case TC_INC_IN_PROGRESS:
        return TC_INC_VERIFYING;
    case TC_INC_VERIFYING:
    case TC_INC_COMPLETED:
        return TC_INC_COMPLETED;
    case TC_INC_INVESTIGATING:
        return TC_INC_IDENTIFIED;
    case TC_INC_IDENTIFIED:
        return TC_INC_MONITORING;
    default:
        return TC_INC_RESOLVED;
    }
}

static void render_incident(tc_admin_call_t *c, const tc_incident_t *in, unsigned status,
                            bool reshow, const form_errors_t *e, const incident_form_t *f,
                            const char *notice)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    char words[40], when[64];
    tc_admin__open(&b, c, in->name, in->is_maintenance ? "maintenance" : "incidents");
    tc_buf_puts(&b, in->is_maintenance
                        ? "<p class=\"crumbs\"><a href=\"/admin/maintenance\">Maintenance</a></p><h1>"
                        : "<p class=\"crumbs\"><a href=\"/admin/incidents\">Incidents</a></p><h1>");
    tc_buf_html(&b, in->name);
    tc_buf_printf(&b, "</h1><p><span class=\"tag impact-%s\">%s</span> %s",
                  tc_impact_name(in->impact), tc_impact_name(in->impact),
                  tc_admin__words(tc_incident_status_name(in->status), words, sizeof words));
    tc_admin__when(c, in->started_at ? in->started_at : in->created_at, when, sizeof when);
    if (in->is_maintenance) {
        char until[64];
        tc_admin__when(c, in->scheduled_for, when, sizeof when);
        tc_admin__when(c, in->scheduled_until, until, sizeof until);
        tc_buf_printf(&b, ", scheduled from %s to %s%s. <a href=\"/incidents/%s\">Public "
                          "page</a></p>",
                      when, until, in->auto_in_progress ? " (starts and completes by itself)" : "",
                      in->id);
    } else {
        tc_buf_printf(&b, ", started %s%s. <a href=\"/incidents/%s\">Public page</a></p>",
                      when, in->monitor_id ? " by a monitor" : "", in->id);
    }
    if (notice)
        tc_admin__notice(&b, "ok", notice);
    if (e && e->any)
        tc_admin__notice(&b, "error", e->general[0] ? e->general
                                                    : "Nothing was published: see below.");
    if (in->status != TC_INC_POSTMORTEM) {
        tc_incident_status_t st = reshow && f->cmd.has_status ? f->cmd.status : next_status(in);
        tc_buf_printf(&b, "<section><h2>Post an update</h2><form method=\"post\" "
                          "action=\"/admin/incidents/%s/update\" class=\"incident-form\" "
                          "data-preview=\"1\">",
                      in->id);
        tc_admin__csrf_field(&b, c);
        tc_buf_puts(&b, "<input type=\"hidden\" name=\"name\" value=\"");
        tc_buf_html(&b, in->name);
        tc_buf_puts(&b, "\">");
        status_choices(&b, st);
        field_error(&b, "status", e ? e->status : NULL);
        message_box(&b, reshow ? tc_form_get(&c->form, "message") : default_message(st),
                    e ? e->message : NULL);
        if (!in->is_maintenance) {
            component_choices(&b, c, in, reshow, e ? e->components : NULL);
            impact_choice(&b, reshow ? f->impact_field
                                     : in->impact_override >= 0
                                           ? tc_impact_name((tc_impact_t)in->impact_override)
                                           : NULL);
        }
        notify_box(&b, c, reshow ? f->notify : true);
        tc_buf_puts(&b, "<p class=\"actions\"><button type=\"submit\" name=\"action\" "
                        "value=\"preview\" class=\"secondary\">Preview</button> <button "
                        "type=\"submit\" name=\"action\" value=\"publish\">Post update</button>"
                        "</p></form>");
        if (reshow && f && !e->any)
            preview(&b, c, in->name, f);
        else
            tc_buf_puts(&b, "<section class=\"preview\" aria-label=\"Preview\" hidden><h2>"
                            "Preview</h2><div class=\"public\" id=\"preview-box\"></div>"
                            "</section>");
        tc_buf_puts(&b, "</section>");
    }
    timeline(&b, c, in);
    if (tc_incident_status_is_closed(in->status) && !in->is_maintenance) {
        tc_buf_printf(&b, "<section><h2>Post-mortem</h2>%s<form method=\"post\" "
                          "action=\"/admin/incidents/%s/postmortem\">",
                      in->postmortem_published_at
                          ? "<p class=\"muted\">Published on the incident's public page.</p>"
                          : "<p class=\"muted\">A draft stays private until you publish it."
                            "</p>",
                      in->id);
        tc_admin__csrf_field(&b, c);
        tc_buf_puts(&b, "<p><label for=\"postmortem\">Post-mortem <small>(Markdown: "
                        "headings, lists, a timeline)</small></label><textarea "
                        "id=\"postmortem\" name=\"body\" rows=\"12\">");
        tc_buf_html(&b, in->postmortem_body ? in->postmortem_body : "");
        tc_buf_puts(&b, "</textarea></p><p class=\"actions\"><button type=\"submit\" "
                        "name=\"action\" value=\"save\" class=\"secondary\">Save draft</button> "
                        "<button type=\"submit\" name=\"action\" value=\"publish\">Save and "
                        "publish</button></p></form></section>");
    }
    tc_buf_printf(&b, "<section class=\"danger\"><h2>Delete</h2><form method=\"post\" "
                      "action=\"/admin/incidents/%s/delete\">",
                  in->id);
    tc_admin__csrf_field(&b, c);
    tc_buf_puts(&b, "<p><label class=\"inline\"><input type=\"checkbox\" name=\"confirm\" "
                    "value=\"1\" required> Remove this incident from the page and its history "
                    "for good</label></p><p><button type=\"submit\" class=\"danger\">Delete "
                    "incident</button></p></form></section>");
    tc_admin__finish(c, &b, status);
}

void tc_admin__incident_page(tc_admin_call_t *c)
{
    const tc_incident_t *in = tc_engine_incident(c->e, c->param);
    if (!in) {
        tc_admin__message(c, 404, "No such incident", "It may have been deleted.");
        return;
    }
    /* What the redirect after a post-mortem form says (fixed texts, never from the URL). */
    const char *done = tc_http_arg(c->req, "done");
    const char *notice = NULL;
    if (done && strcmp(done, "published") == 0)
        notice = "The post-mortem is published.";
    else if (done && strcmp(done, "saved") == 0)
        notice = "Draft saved.";
    else if (done && strcmp(done, "edited") == 0)
        notice = "The update is changed; the page shows the new text.";
    render_incident(c, in, 200, false, NULL, NULL, notice);
}

void tc_admin__incident_update(tc_admin_call_t *c)
{
    const tc_incident_t *in = tc_engine_incident(c->e, c->param);
    if (!in) {
        tc_admin__message(c, 404, "No such incident", "It may have been deleted.");
        return;
    }
    incident_form_t f;
    form_errors_t e;
    read_form(c, false, in->is_maintenance, &f, &e);
    const char *action = tc_form_get(&c->form, "action");
    if (e.any || (action && strcmp(action, "preview") == 0)) {
        render_incident(c, in, e.any ? 422 : 200, true, &e, &f, NULL);
        free_form(&f);
        return;
    }
    char err[512];
    const tc_incident_t *out = NULL;
    int rc = tc_engine_incident_patch(c->e, c->param, &f.cmd, &out, err, sizeof err);
    if (rc) {
        set_error(&e, e.general, sizeof e.general, err);
        render_incident(c, in, rc == TC_EINVAL || rc == TC_ENOENT ? 422 : 500, true, &e, &f,
                        NULL);
    } else {
        char location[64], words[40], detail[300];
        snprintf(detail, sizeof detail, "update: %s",
                 tc_admin__words(tc_incident_status_name(out->status), words, sizeof words));
        tc_admin__audit(c, "incident.update", out->id, detail);
        snprintf(location, sizeof location, "/admin/incidents/%s", out->id);
        tc_admin__redirect(c, location);
    }
    free_form(&f);
}

void tc_admin__incident_postmortem(tc_admin_call_t *c)
{
    const tc_incident_t *in = tc_engine_incident(c->e, c->param);
    if (!in) {
        tc_admin__message(c, 404, "No such incident", "It may have been deleted.");
        return;
    }
    const char *body = tc_admin__text(c, "body");
    const char *action = tc_form_get(&c->form, "action");
    bool publish = action && strcmp(action, "publish") == 0;
    char err[512];
    const tc_incident_t *out = NULL;
    int rc;
    if (!body) {
        form_errors_t e = {.any = true};
        snprintf(e.general, sizeof e.general, "Write the post-mortem first.");
        render_incident(c, in, 422, false, &e, NULL, NULL);
        return;
    }
    if (strlen(body) > MAX_BODY_TEXT) {
        form_errors_t e = {.any = true};
        snprintf(e.general, sizeof e.general, "Keep the post-mortem under 64 KiB.");
        render_incident(c, in, 422, false, &e, NULL, NULL);
        return;
    }
    rc = tc_engine_postmortem_write(c->e, c->param, body, &out, err, sizeof err);
    if (!rc && publish)
        rc = tc_engine_postmortem_publish(c->e, c->param, &out, err, sizeof err);
    if (rc) {
        form_errors_t e = {.any = true};
        snprintf(e.general, sizeof e.general, "%s", err);
        render_incident(c, tc_engine_incident(c->e, c->param), 422, false, &e, NULL, NULL);
        return;
    }
    tc_admin__audit(c, publish ? "postmortem.publish" : "postmortem.save", out->id,
                    publish ? "published the post-mortem" : "saved a post-mortem draft");
    /* Post/redirect/get: reloading the page must not post again. */
    char location[96];
    snprintf(location, sizeof location, "/admin/incidents/%s?done=%s", out->id,
             publish ? "published" : "saved");
    tc_admin__redirect(c, location);
}

void tc_admin__incident_delete(tc_admin_call_t *c)
{
    if (!tc_form_get(&c->form, "confirm")) {
        tc_admin__message(c, 422, "Not deleted", "Tick the box to confirm the deletion.");
        return;
    }
    char err[512];
    tc_incident_t *gone = NULL;
    int rc = tc_engine_incident_delete(c->e, c->param, &gone, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : 500, "Not deleted", err);
        return;
    }
    tc_admin__audit(c, "incident.delete", gone->id, gone->name);
    tc_incident_free(gone);
    tc_admin__redirect(c, "/admin/incidents");
}

/* The live preview's fragment (console.js posts the form here as it is typed into). */
void tc_admin__preview(tc_admin_call_t *c)
{
    incident_form_t f;
    form_errors_t e;
    const char *status = tc_form_get(&c->form, "status");
    tc_incident_status_t st;
    bool maintenance = status && tc_incident_status_parse(status, &st) == 0 &&
                       tc_incident_status_is_maintenance(st);
    read_form(c, false, maintenance, &f, &e);
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    preview(&b, c, tc_admin__text(c, "name"), &f);
    tc_admin__headers(c);
    tc_http_reply_html(c->req, 200, b.data);
    tc_buf_free(&b);
    free_form(&f);
}

/* ---- editing an update ---- */

void tc_admin__update_edit(tc_admin_call_t *c)
{
    const tc_incident_t *in = tc_engine_incident(c->e, c->param);
    if (!in) {
        tc_admin__message(c, 404, "No such incident", "It may have been deleted.");
        return;
    }
    const char *raw = tc_form_get(&c->form, "body");
    tc_update_cmd_t cmd = {.deliver_notifications = -1};
    cmd.body = tc_admin__text(c, "body");
    const char *when = tc_form_get(&c->form, "display_at");
    form_errors_t e = {.any = true};
    if (!cmd.body && raw && raw[0])
        snprintf(e.general, sizeof e.general, "The text is not valid UTF-8.");
    else if (!cmd.body)
        snprintf(e.general, sizeof e.general, "An update needs some text.");
    else if (strlen(cmd.body) > MAX_BODY_TEXT)
        snprintf(e.general, sizeof e.general, "Keep the text under 64 KiB.");
    else if (when && when[0] && tc_admin__parse_local(c, when, &cmd.display_at) != 0)
        snprintf(e.general, sizeof e.general, "Give the time as a date and a time.");
    else
        e.any = false;
    char err[512];
    const tc_incident_t *out = NULL;
    if (!e.any &&
        tc_engine_update_edit(c->e, c->param, c->param2, &cmd, &out, err, sizeof err) != 0) {
        snprintf(e.general, sizeof e.general, "%s", err);
        e.any = true;
    }
    if (e.any) {
        render_incident(c, in, 422, false, &e, NULL, NULL);
        return;
    }
    char location[96];
    tc_admin__audit(c, "update.edit", out->id, c->param2);
    snprintf(location, sizeof location, "/admin/incidents/%s?done=edited", out->id);
    tc_admin__redirect(c, location);
}

/* ---- backfill: an incident from the past, for the history ---- */

void tc_admin__incident_backfill(tc_admin_call_t *c)
{
    incident_form_t f;
    form_errors_t e;
    /* Title, message, components and impact as in a new incident; the status is resolved. */
    tc_form_add(&c->form, "status", "investigating");
    read_form(c, true, false, &f, &e);
    int64_t from = 0, until = 0;
    if (!e.any && (tc_admin__parse_local(c, tc_form_get(&c->form, "started"), &from) != 0 ||
                   tc_admin__parse_local(c, tc_form_get(&c->form, "resolved"), &until) != 0))
        set_error(&e, e.general, sizeof e.general, "Give when it started and when it was "
                                                   "resolved, as dates and times.");
    else if (!e.any && until <= from)
        set_error(&e, e.general, sizeof e.general, "It must be resolved after it started.");
    else if (!e.any && until > tc_clock_wall_ms())
        set_error(&e, e.general, sizeof e.general, "A backfilled incident is in the past; "
                                                   "post a current one as a new incident.");
    if (e.any) {
        render_new(c, 422, true, &e, &f);
        free_form(&f);
        return;
    }
    /* Opened at its start, resolved at its end, and nobody is told about the past. */
    f.cmd.backfilled = 1;
    f.cmd.deliver_notifications = 0;
    f.cmd.created_at = f.cmd.started_at = f.cmd.display_at = from;
    char err[512];
    const tc_incident_t *in = NULL;
    int rc = tc_engine_incident_create(c->e, &f.cmd, &in, err, sizeof err);
    if (!rc) {
        char id[16];
        snprintf(id, sizeof id, "%s", in->id);
        tc_incident_cmd_t done;
        tc_incident_cmd_init(&done);
        done.has_status = true;
        done.status = TC_INC_RESOLVED;
        done.created_at = done.display_at = until;
        done.deliver_notifications = 0;
        done.author = c->user.name;
        rc = tc_engine_incident_patch(c->e, id, &done, &in, err, sizeof err);
    }
    if (rc) {
        set_error(&e, e.general, sizeof e.general, err);
        render_new(c, 422, true, &e, &f);
        free_form(&f);
        return;
    }
    char location[64];
    tc_admin__audit(c, "incident.backfill", in->id, in->name);
    snprintf(location, sizeof location, "/admin/incidents/%s", in->id);
    tc_admin__redirect(c, location);
    free_form(&f);
}
