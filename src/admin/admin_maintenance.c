/* Maintenance in the console: the list (under way, upcoming, recent), one-off windows (start
 * and end typed in the page's time zone, the components covered, automatic start and
 * completion, subscribers told), and recurring weekly windows (days, a local time, a length),
 * which the engine makes into ordinary maintenances a week ahead (engine/schedules.c). A
 * maintenance's own page (updates, delete) is the incident page of admin_incidents.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "web/html.h"


static const char *const day_keys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const day_labels[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};

/* Checkboxes "m.<id>" of the leaf components a maintenance covers; ids point into the view. */
static size_t covered(tc_admin_call_t *c, const char **ids, size_t cap)
{
    const tc_view_t *v = tc_engine_view(c->e);
    size_t n = 0;
    for (size_t i = 0; i < v->nrows && n < cap; i++) {
        char field[200];
        snprintf(field, sizeof field, "m.%s", v->rows[i].id);
        if (!v->rows[i].is_group && tc_form_get(&c->form, field))
            ids[n++] = v->rows[i].id;
    }
    return n;
}

static void component_boxes(tc_buf_t *b, tc_admin_call_t *c, const char *prefix, bool reshow)
{
    const tc_view_t *v = tc_engine_view(c->e);
    tc_buf_printf(b, "<fieldset><legend>Components covered</legend>");
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        if (r->is_group)
            continue;
        char field[200];
        snprintf(field, sizeof field, "m.%s", r->id);
        tc_buf_printf(b, "<label class=\"inline\"><input type=\"checkbox\" name=\"m.");
        tc_buf_html(b, r->id);
        tc_buf_printf(b, "\" id=\"%s-%zu\" value=\"1\"%s> ", prefix, i,
                      reshow && tc_form_get(&c->form, field) ? " checked" : "");
        tc_buf_html(b, r->name);
        tc_buf_puts(b, "</label>");
    }
    tc_buf_puts(b, "</fieldset>");
}

static void text_field(tc_buf_t *b, tc_admin_call_t *c, const char *id, const char *name,
                       const char *label, const char *type, bool reshow, const char *fallback,
                       const char *error)
{
    tc_buf_printf(b, "<p><label for=\"%s\">%s</label>", id, label);
    if (error && error[0]) {
        tc_buf_printf(b, "<span class=\"field-error\" id=\"%s-error\">", id);
        tc_buf_html(b, error);
        tc_buf_puts(b, "</span>");
    }
    tc_buf_printf(b, "<input id=\"%s\" name=\"%s\" type=\"%s\" required value=\"", id, name,
                  type);
    const char *v = reshow ? tc_form_get(&c->form, name) : fallback;
    tc_buf_html(b, v ? v : "");
    tc_buf_puts(b, "\"></p>");
}

static void message_field(tc_buf_t *b, tc_admin_call_t *c, const char *id, bool reshow)
{
    tc_buf_printf(b, "<p><label for=\"%s\">Message <small>(Markdown; empty for the usual "
                     "text)</small></label><textarea id=\"%s\" name=\"message\" rows=\"4\">",
                  id, id);
    const char *v = reshow ? tc_form_get(&c->form, "message") : NULL;
    tc_buf_html(b, v ? v : "");
    tc_buf_puts(b, "</textarea></p>");
}

/* ---- the page ---- */

typedef struct errors {
    char once[300], recurring[300];
} errors_t;

static void list_maintenances(tc_buf_t *b, tc_admin_call_t *c, const tc_view_t *v, bool open)
{
    size_t shown = 0;
    /* Newest first in the view; recent closed ones only (a page of them). */
    for (size_t i = 0; i < v->nincidents && shown < 20; i++) {
        const tc_incident_t *in = v->incidents[i];
        if (!in->is_maintenance || tc_incident_is_open(in) != open)
            continue;
        char from[64], until[64], words[40];
        tc_admin__when(c, in->scheduled_for, from, sizeof from);
        tc_admin__when(c, in->scheduled_until, until, sizeof until);
        tc_buf_puts(b, shown++ ? "" : "<table class=\"grid\"><thead><tr><th scope=\"col\">Title"
                                      "</th><th scope=\"col\">Status</th><th scope=\"col\">"
                                      "From</th><th scope=\"col\">Until</th></tr></thead><tbody>");
        tc_buf_printf(b, "<tr><td><a href=\"/admin/incidents/%s\">", in->id);
        tc_buf_html(b, in->name);
        tc_buf_printf(b, "</a></td><td>%s</td><td>%s</td><td>%s</td></tr>",
                      tc_admin__words(tc_incident_status_name(in->status), words, sizeof words),
                      from, until);
    }
    if (shown)
        tc_buf_puts(b, "</tbody></table>");
    else
        tc_buf_printf(b, "<p class=\"muted\">%s</p>",
                      open ? "Nothing scheduled or under way." : "None yet.");
}

static void list_schedules(tc_buf_t *b, tc_admin_call_t *c)
{
    size_t n = 0;
    const tc_schedule_t *s = tc_engine_schedules(c->e, &n);
    if (!n) {
        tc_buf_puts(b, "<p class=\"muted\">No recurring windows.</p>");
        return;
    }
    tc_buf_puts(b, "<table class=\"grid\"><thead><tr><th scope=\"col\">Title</th>"
                   "<th scope=\"col\">When</th><th scope=\"col\">Components</th>"
                   "<th scope=\"col\">Latest window made</th><th scope=\"col\"><span "
                   "class=\"visually-hidden\">Actions</span></th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        char rule[96], last[64];
        tc_recurrence_describe(&s[i].rule, rule, sizeof rule);
        tc_admin__when(c, s[i].last_start, last, sizeof last);
        tc_buf_puts(b, "<tr><td>");
        tc_buf_html(b, s[i].name);
        tc_buf_printf(b, "</td><td>%s <small>(%s)</small></td><td>", rule,
                      tc_zone_name(tc_engine_zone(c->e)));
        const tc_view_t *v = tc_engine_view(c->e);
        for (size_t k = 0; k < s[i].ncomponents; k++) {
            const char *name = s[i].components[k];
            for (size_t r = 0; r < v->nrows; r++)
                if (strcmp(v->rows[r].id, name) == 0)
                    name = v->rows[r].name;
            tc_buf_puts(b, k ? ", " : "");
            tc_buf_html(b, name);
        }
        tc_buf_printf(b, "</td><td>%s</td><td>", last);
        if (s[i].from_config) {
            tc_buf_puts(b, "<small>declared in the config file</small>");
        } else {
            tc_buf_puts(b, "<form method=\"post\" action=\"/admin/maintenance/recurring/");
            tc_buf_html(b, s[i].id);
            tc_buf_puts(b, "/delete\">");
            tc_admin__csrf_field(b, c);
            tc_buf_puts(b, "<button type=\"submit\" class=\"secondary\">Stop repeating</button>"
                           "</form>");
        }
        tc_buf_puts(b, "</td></tr>");
    }
    tc_buf_puts(b, "</tbody></table>");
}

static void render(tc_admin_call_t *c, unsigned status, const char *reshow_form,
                   const errors_t *e, const char *notice)
{
    const tc_view_t *v = tc_engine_view(c->e);
    bool once = reshow_form && strcmp(reshow_form, "once") == 0;
    bool recurring = reshow_form && strcmp(reshow_form, "recurring") == 0;
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Maintenance", "maintenance");
    tc_buf_printf(&b, "<h1>Maintenance</h1><p class=\"muted\">Times are in the page's time "
                      "zone, %s. While a window is under way, the components it covers show "
                      "\"under maintenance\" and their monitors' alerts are held.</p>",
                  tc_zone_name(tc_engine_zone(c->e)));
    if (notice)
        tc_admin__notice(&b, "ok", notice);
    tc_buf_puts(&b, "<h2>Scheduled and under way</h2>");
    list_maintenances(&b, c, v, true);
    tc_buf_puts(&b, "<h2>Recurring windows</h2>");
    list_schedules(&b, c);

    /* One-off window: tomorrow at 02:00 for an hour, as a starting point. */
    int64_t now = tc_clock_wall_ms();
    int64_t tomorrow = tc_clock_local_midnight(tc_engine_zone(c->e), now, -1);
    char start[32], end[32];
    tc_clock_format_local(tc_engine_zone(c->e), tomorrow + 2 * 3600000LL, "%Y-%m-%dT%H:%M",
                          start, sizeof start);
    tc_clock_format_local(tc_engine_zone(c->e), tomorrow + 3 * 3600000LL, "%Y-%m-%dT%H:%M",
                          end, sizeof end);
    tc_buf_puts(&b, "<div class=\"columns wide\"><section><h2 id=\"once\">Schedule a window"
                    "</h2>");
    if (e && e->once[0])
        tc_admin__notice(&b, "error", e->once);
    tc_buf_puts(&b, "<form method=\"post\" action=\"/admin/maintenance\">");
    tc_admin__csrf_field(&b, c);
    text_field(&b, c, "once-name", "name", "Title", "text", once, NULL, NULL);
    text_field(&b, c, "once-start", "starts", "Starts", "datetime-local", once, start, NULL);
    text_field(&b, c, "once-end", "ends", "Ends", "datetime-local", once, end, NULL);
    component_boxes(&b, c, "once", once);
    message_field(&b, c, "once-message", once);
    tc_buf_printf(&b, "<p><label class=\"inline\"><input type=\"checkbox\" name=\"auto\" "
                      "value=\"1\"%s> Start and complete by itself at these times</label></p>"
                      "<p><label class=\"inline\"><input type=\"checkbox\" name=\"notify\" "
                      "value=\"1\"%s> Notify subscribers</label></p><p><label "
                      "class=\"inline\"><input type=\"checkbox\" name=\"remind\" value=\"1\"%s> "
                      "Remind subscribers an hour before it starts</label></p><p><button "
                      "type=\"submit\">Schedule maintenance</button></p></form></section>",
                  !once || tc_form_get(&c->form, "auto") ? " checked" : "",
                  !once || tc_form_get(&c->form, "notify") ? " checked" : "",
                  !once || tc_form_get(&c->form, "remind") ? " checked" : "");

    tc_buf_puts(&b, "<section><h2 id=\"recurring\">Repeat every week</h2>");
    if (e && e->recurring[0])
        tc_admin__notice(&b, "error", e->recurring);
    tc_buf_puts(&b, "<form method=\"post\" action=\"/admin/maintenance/recurring\">");
    tc_admin__csrf_field(&b, c);
    text_field(&b, c, "rec-name", "name", "Title", "text", recurring, NULL, NULL);
    tc_buf_puts(&b, "<fieldset><legend>On</legend>");
    for (int i = 0; i < 7; i++) {
        bool on = false;
        for (size_t k = 0; recurring && k < c->form.n; k++)
            on |= strcmp(c->form.fields[k].name, "day") == 0 &&
                  strcmp(c->form.fields[k].value, day_keys[i]) == 0;
        tc_buf_printf(&b, "<label class=\"inline\"><input type=\"checkbox\" name=\"day\" "
                          "value=\"%s\"%s> %s</label>",
                      day_keys[i], on ? " checked" : "", day_labels[i]);
    }
    tc_buf_puts(&b, "</fieldset>");
    text_field(&b, c, "rec-at", "at", "At (local time)", "time", recurring, "02:00", NULL);
    text_field(&b, c, "rec-minutes", "minutes", "For (minutes)", "number", recurring, "60",
               NULL);
    component_boxes(&b, c, "rec", recurring);
    message_field(&b, c, "rec-message", recurring);
    tc_buf_printf(&b, "<p><label class=\"inline\"><input type=\"checkbox\" name=\"notify\" "
                      "value=\"1\"%s> Notify subscribers of each window</label></p><p><button "
                      "type=\"submit\">Repeat weekly</button></p></form></section></div>",
                  !recurring || tc_form_get(&c->form, "notify") ? " checked" : "");
    tc_buf_puts(&b, "<h2>Recent</h2>");
    list_maintenances(&b, c, v, false);
    tc_admin__finish(c, &b, status);
}

void tc_admin__maintenance(tc_admin_call_t *c)
{
    const char *done = tc_http_arg(c->req, "done");
    render(c, 200, NULL, NULL,
           done && strcmp(done, "recurring") == 0
               ? "The window repeats every week now; the next one is listed above."
           : done && strcmp(done, "stopped") == 0 ? "That window no longer repeats." : NULL);
}

/* Title and message of either form; @p err gets the problem. */
static int title_and_message(tc_admin_call_t *c, const char **name, const char **message,
                             char *err, size_t errlen)
{
    const char *raw = tc_form_get(&c->form, "message");
    *name = tc_admin__text(c, "name");
    *message = tc_admin__text(c, "message");
    if (!*name) {
        snprintf(err, errlen, "Give the maintenance a title.");
        return TC_EINVAL;
    }
    if (strlen(*name) > TC_ADMIN_MAX_NAME || (*message && strlen(*message) > TC_ADMIN_MAX_TEXT)) {
        snprintf(err, errlen, "Keep the title under 255 bytes and the message under 64 KiB.");
        return TC_EINVAL;
    }
    if (raw && raw[0] && !*message && !tc_utf8_valid(raw, strlen(raw))) {
        snprintf(err, errlen, "The message is not valid UTF-8 text.");
        return TC_EINVAL;
    }
    return 0;
}

void tc_admin__maintenance_create(tc_admin_call_t *c)
{
    errors_t e = {0};
    const char *name, *message;
    int64_t from = 0, until = 0;
    const tc_view_t *v = tc_engine_view(c->e);
    const char **ids = tc_calloc(v->nrows + 1, sizeof *ids);
    size_t nids = covered(c, ids, v->nrows);
    if (title_and_message(c, &name, &message, e.once, sizeof e.once) == 0) {
        if (tc_admin__parse_local(c, tc_form_get(&c->form, "starts"), &from) != 0 ||
            tc_admin__parse_local(c, tc_form_get(&c->form, "ends"), &until) != 0)
            snprintf(e.once, sizeof e.once, "Give the start and end as a date and a time.");
        else if (until <= from)
            snprintf(e.once, sizeof e.once, "The window must end after it starts.");
        else if (nids == 0)
            snprintf(e.once, sizeof e.once, "Choose the components it covers.");
    }
    if (!e.once[0]) {
        tc_incident_cmd_t cmd;
        tc_incident_cmd_init(&cmd);
        cmd.name = name;
        cmd.has_status = true;
        cmd.status = TC_INC_SCHEDULED;
        cmd.body = message;
        cmd.covered = ids;
        cmd.ncovered = nids;
        cmd.scheduled_for = from;
        cmd.scheduled_until = until;
        cmd.auto_in_progress = cmd.auto_completed = tc_form_get(&c->form, "auto") != NULL;
        cmd.deliver_notifications = tc_form_get(&c->form, "notify") != NULL;
        cmd.remind_prior = tc_form_get(&c->form, "remind") != NULL;
        cmd.author = c->user.name;
        const tc_incident_t *in = NULL;
        if (tc_engine_incident_create(c->e, &cmd, &in, e.once, sizeof e.once) == 0) {
            char location[64];
            tc_admin__audit(c, "maintenance.create", in->id, in->name);
            snprintf(location, sizeof location, "/admin/incidents/%s", in->id);
            tc_admin__redirect(c, location);
            free(ids);
            return;
        }
    }
    free(ids);
    render(c, 422, "once", &e, NULL);
}

void tc_admin__maintenance_recurring(tc_admin_call_t *c)
{
    errors_t e = {0};
    tc_schedule_cmd_t cmd = {0};
    const tc_view_t *v = tc_engine_view(c->e);
    const char **ids = tc_calloc(v->nrows + 1, sizeof *ids);
    cmd.components = ids;
    cmd.ncomponents = covered(c, ids, v->nrows);
    cmd.notify = tc_form_get(&c->form, "notify") != NULL;
    for (size_t k = 0; k < c->form.n; k++) {
        unsigned bit;
        if (strcmp(c->form.fields[k].name, "day") == 0 &&
            tc_recurrence_day(c->form.fields[k].value, &bit) == 0)
            cmd.rule.days |= bit;
    }
    const char *minutes = tc_form_get(&c->form, "minutes");
    char *end = NULL;
    long mins = minutes ? strtol(minutes, &end, 10) : 0;
    if (!minutes || end == minutes || *end || mins < 1 || mins > 7 * 24 * 60)
        mins = 0; /* not a number of minutes in range: refused below, never multiplied */
    cmd.rule.duration_ms = mins * 60000LL;
    if (title_and_message(c, &cmd.name, &cmd.message, e.recurring, sizeof e.recurring) == 0) {
        const char *at = tc_form_get(&c->form, "at");
        if (!cmd.rule.days)
            snprintf(e.recurring, sizeof e.recurring, "Choose at least one day.");
        else if (!at || tc_recurrence_time(at, &cmd.rule.minute) != 0)
            snprintf(e.recurring, sizeof e.recurring, "Give the start as a time like 02:00.");
        else if (mins < 1 || mins > 7 * 24 * 60)
            snprintf(e.recurring, sizeof e.recurring,
                     "A window lasts from 1 minute to 7 days (10080 minutes).");
        else if (cmd.ncomponents == 0)
            snprintf(e.recurring, sizeof e.recurring, "Choose the components it covers.");
    }
    const tc_schedule_t *made = NULL;
    if (!e.recurring[0] &&
        tc_engine_schedule_add(c->e, &cmd, &made, e.recurring, sizeof e.recurring) == 0) {
        char rule[96];
        tc_recurrence_describe(&made->rule, rule, sizeof rule);
        tc_admin__audit(c, "maintenance.recurring", made->id, rule);
        tc_admin__redirect(c, "/admin/maintenance?done=recurring");
        free(ids);
        return;
    }
    free(ids);
    render(c, 422, "recurring", &e, NULL);
}

void tc_admin__maintenance_stop(tc_admin_call_t *c)
{
    char err[300];
    int rc = tc_engine_schedule_delete(c->e, c->param, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : 422, "Still repeating", err);
        return;
    }
    tc_admin__audit(c, "maintenance.stop", c->param, "stopped repeating");
    tc_admin__redirect(c, "/admin/maintenance?done=stopped");
}
