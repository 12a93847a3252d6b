/* The incident form's parts, shared by the new-incident, update and backfill forms: reading
 * the fields into the typed command (tc_incident_cmd_t, the one the write API builds), the
 * fields themselves with their messages, the preview by the public page's renderer, and the
 * templates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin_int.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "web/html.h"


static const tc_incident_status_t incident_statuses[] = {
    TC_INC_INVESTIGATING, TC_INC_IDENTIFIED, TC_INC_MONITORING, TC_INC_RESOLVED};
static const tc_incident_status_t maintenance_statuses[] = {
    TC_INC_SCHEDULED, TC_INC_IN_PROGRESS, TC_INC_VERIFYING, TC_INC_COMPLETED};

/* What people write most often at each status (Statuspage's defaults), offered in the
 * message box so a 3 a.m. update is one click. */
const char *tc_admin__default_message(tc_incident_status_t s)
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

void tc_admin__form_error(tc_admin_form_errors_t *e, char *field, size_t len, const char *text)
{
    snprintf(field, len, "%s", text);
    e->any = true;
}

/* Read name (when @p creating), status, message, impact, notify and every leaf component's
 * choice ("c.<id>": a status name, or empty for "not affected"). */
void tc_admin__read_incident_form(tc_admin_call_t *c, bool creating, bool maintenance, tc_admin_incident_form_t *f,
                      tc_admin_form_errors_t *e)
{
    const tc_view_t *v = tc_engine_view(c->e);
    memset(e, 0, sizeof *e);
    tc_incident_cmd_init(&f->cmd);
    f->comps = tc_calloc(v->nrows ? v->nrows : 1, sizeof *f->comps);
    const char *name = tc_admin__text(c, "name");
    if (creating) {
        if (!name)
            tc_admin__form_error(e, e->name, sizeof e->name, "Give the incident a title.");
        else if (strlen(name) > TC_ADMIN_MAX_NAME)
            tc_admin__form_error(e, e->name, sizeof e->name, "Keep the title under 255 bytes.");
        f->cmd.name = name;
    }
    const char *status = tc_form_get(&c->form, "status");
    tc_incident_status_t st;
    if (!status || tc_incident_status_parse(status, &st) != 0 ||
        tc_incident_status_is_maintenance(st) != maintenance || st == TC_INC_POSTMORTEM) {
        tc_admin__form_error(e, e->status, sizeof e->status, "Choose a status.");
    } else {
        f->cmd.has_status = true;
        f->cmd.status = st;
    }
    const char *raw = tc_form_get(&c->form, "message");
    const char *message = tc_admin__text(c, "message");
    if (raw && raw[0] && !tc_utf8_valid(raw, strlen(raw)))
        tc_admin__form_error(e, e->message, sizeof e->message, "The message is not valid UTF-8 text.");
    else if (message && strlen(message) > TC_ADMIN_MAX_TEXT)
        tc_admin__form_error(e, e->message, sizeof e->message, "Keep the message under 64 KiB.");
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
            tc_admin__form_error(e, e->components, sizeof e->components, "Choose a status from the list.");
            continue;
        }
        f->comps[f->cmd.ncomponents].id = r->id;
        f->comps[f->cmd.ncomponents++].status = cs;
    }
    f->cmd.components = f->comps;
    const char *impact = tc_form_get(&c->form, "impact");
    tc_impact_t im;
    if (impact && impact[0] && (tc_impact_parse(impact, &im) != 0 || im == TC_IMPACT_MAINTENANCE)) {
        tc_admin__form_error(e, e->general, sizeof e->general, "Choose an impact from the list.");
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

/* ---- pieces of the forms ---- */

void tc_admin__field_error(tc_buf_t *b, const char *id, const char *text)
{
    if (text && text[0]) {
        tc_buf_printf(b, "<span class=\"field-error\" id=\"%s-error\">", id);
        tc_buf_html(b, text);
        tc_buf_puts(b, "</span>");
    }
}

void tc_admin__status_choices(tc_buf_t *b, tc_incident_status_t selected)
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
        tc_buf_html(b, tc_admin__default_message(s));
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

void tc_admin__component_choices(tc_buf_t *b, tc_admin_call_t *c, const tc_incident_t *in,
                              bool reshow, const char *error)
{
    static const tc_status_t choices[] = {TC_STATUS_OPERATIONAL, TC_STATUS_DEGRADED,
                                          TC_STATUS_PARTIAL_OUTAGE, TC_STATUS_MAJOR_OUTAGE};
    const tc_view_t *v = tc_engine_view(c->e);
    tc_buf_puts(b, "<fieldset class=\"components\"><legend>Affected components</legend>");
    tc_admin__field_error(b, "components", error);
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

void tc_admin__impact_choice(tc_buf_t *b, const char *selected)
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

void tc_admin__message_box(tc_buf_t *b, const char *text, const char *error)
{
    tc_buf_puts(b, "<p><label for=\"message\">Message <small>(Markdown)</small></label>");
    tc_admin__field_error(b, "message", error);
    tc_buf_puts(b, "<textarea id=\"message\" name=\"message\" rows=\"6\">");
    tc_buf_html(b, text ? text : "");
    tc_buf_puts(b, "</textarea></p>");
}

void tc_admin__notify_box(tc_buf_t *b, tc_admin_call_t *c, bool checked)
{
    /* Whom it reaches depends on the components chosen (those typed so far, when the form
     * comes back): subscribers of the whole page, and those who follow one of them. */
    const char **ids = tc_calloc(c->form.n + 1, sizeof *ids);
    size_t nids = 0;
    for (size_t i = 0; i < c->form.n; i++)
        if (strncmp(c->form.fields[i].name, "c.", 2) == 0 && c->form.fields[i].value[0])
            ids[nids++] = c->form.fields[i].name + 2;
    size_t reach, all;
    tc_engine_recipients(c->e, ids, nids, &reach, &all);
    free(ids);
    tc_buf_printf(b, "<p><label class=\"inline\"><input type=\"checkbox\" name=\"notify\" "
                     "value=\"1\"%s> Notify subscribers</label> <small id=\"reach\">(",
                  checked ? " checked" : "");
    if (all == 0) {
        tc_buf_puts(b, "no confirmed subscribers yet)</small></p>");
        return;
    }
    tc_buf_printf(b, "reaches %zu confirmed subscriber%s", reach, reach == 1 ? "" : "s");
    if (nids)
        tc_buf_printf(b, " of %zu: those following these components or the whole page", all);
    else
        tc_buf_puts(b, "; with components chosen, only those who follow them or the whole page");
    tc_buf_puts(b, ")</small></p>");
}

/* The preview of what the form would publish, by the public page's renderer. */
void tc_admin__preview_box(tc_buf_t *b, tc_admin_call_t *c, const char *name, const tc_admin_incident_form_t *f)
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

void tc_admin__free_incident_form(tc_admin_incident_form_t *f)
{
    free(f->comps);
}

/* The incident templates of the config, as a form that reloads this page from one. */
void tc_admin__template_chooser(tc_buf_t *b, tc_admin_call_t *c)
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
bool tc_admin__fill_from_template(tc_admin_call_t *c, const char *id)
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
        tc_form_add(&c->form, "message", found->message ? found->message : tc_admin__default_message(st));
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

/* A past incident for the history: title, start, end, components, message. The form's own
 * fields are not re-shown after an error (the main form's are); its message says what to fix. */
void tc_admin__backfill_form(tc_buf_t *b, tc_admin_call_t *c)
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
