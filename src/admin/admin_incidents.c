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

#define PER_PAGE 25

/* ---- new incident ---- */

static void render_new(tc_admin_call_t *c, unsigned status, bool reshow, const tc_admin_form_errors_t *e,
                       const tc_admin_incident_form_t *f)
{
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "New incident", "incidents");
    tc_buf_puts(&b, "<h1>New incident</h1>");
    tc_admin__template_chooser(&b, c);
    if (e && e->any)
        tc_admin__notice(&b, "error", e->general[0] ? e->general
                                                    : "Nothing was published: see below.");
    tc_buf_puts(&b, "<form method=\"post\" action=\"/admin/incidents\" class=\"incident-form\" "
                    "data-preview=\"1\">");
    tc_admin__csrf_field(&b, c);
    tc_buf_puts(&b, "<p><label for=\"name\">Title</label>");
    tc_admin__field_error(&b, "name", e ? e->name : NULL);
    tc_buf_puts(&b, "<input id=\"name\" name=\"name\" required maxlength=\"255\" value=\"");
    tc_buf_html(&b, reshow ? (tc_form_get(&c->form, "name") ? tc_form_get(&c->form, "name") : "")
                           : "");
    tc_buf_puts(&b, "\"></p>");
    tc_incident_status_t st = TC_INC_INVESTIGATING;
    if (reshow && f->cmd.has_status)
        st = f->cmd.status;
    tc_admin__status_choices(&b, st);
    tc_admin__field_error(&b, "status", e ? e->status : NULL);
    tc_admin__message_box(&b, reshow ? tc_form_get(&c->form, "message") : tc_admin__default_message(st),
                e ? e->message : NULL);
    tc_admin__component_choices(&b, c, NULL, reshow, e ? e->components : NULL);
    tc_admin__impact_choice(&b, reshow ? f->impact_field : NULL);
    tc_admin__notify_box(&b, c, reshow ? f->notify : true);
    tc_buf_puts(&b, "<p class=\"actions\"><button type=\"submit\" name=\"action\" "
                    "value=\"preview\" class=\"secondary\">Preview</button> <button "
                    "type=\"submit\" name=\"action\" value=\"publish\">Publish incident</button>"
                    "</p></form>");
    if (reshow && f && (!e || !e->any))
        tc_admin__preview_box(&b, c, tc_admin__text(c, "name"), f);
    else
        tc_buf_puts(&b, "<section class=\"preview\" aria-label=\"Preview\" hidden><h2>Preview"
                        "</h2><div class=\"public\" id=\"preview-box\"></div></section>");
    tc_admin__backfill_form(&b, c);
    tc_admin__finish(c, &b, status);
}




void tc_admin__incident_new(tc_admin_call_t *c)
{
    const char *id = tc_http_arg(c->req, "template");
    if (id && tc_admin__fill_from_template(c, id)) {
        tc_admin_incident_form_t f;
        tc_admin_form_errors_t e;
        tc_admin__read_incident_form(c, true, false, &f, &e);
        render_new(c, 200, true, NULL, &f);
        tc_admin__free_incident_form(&f);
        return;
    }
    render_new(c, 200, false, NULL, NULL);
}


void tc_admin__incident_create(tc_admin_call_t *c)
{
    tc_admin_incident_form_t f;
    tc_admin_form_errors_t e;
    tc_admin__read_incident_form(c, true, false, &f, &e);
    const char *action = tc_form_get(&c->form, "action");
    if (e.any || (action && strcmp(action, "preview") == 0)) {
        render_new(c, e.any ? 422 : 200, true, &e, &f);
        tc_admin__free_incident_form(&f);
        return;
    }
    char err[512];
    const tc_incident_t *in = NULL;
    int rc = tc_engine_incident_create(c->e, &f.cmd, &in, err, sizeof err);
    if (rc) {
        tc_admin__form_error(&e, e.general, sizeof e.general, err);
        render_new(c, rc == TC_EINVAL || rc == TC_ENOENT ? 422 : 500, true, &e, &f);
        tc_admin__free_incident_form(&f);
        return;
    }
    char location[64];
    snprintf(location, sizeof location, "/admin/incidents/%s", in->id);
    tc_admin__audit(c, "incident.create", in->id, in->name);
    tc_admin__redirect(c, location);
    tc_admin__free_incident_form(&f);
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
                            bool reshow, const tc_admin_form_errors_t *e, const tc_admin_incident_form_t *f,
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
        tc_admin__status_choices(&b, st);
        tc_admin__field_error(&b, "status", e ? e->status : NULL);
        tc_admin__message_box(&b, reshow ? tc_form_get(&c->form, "message") : tc_admin__default_message(st),
                    e ? e->message : NULL);
        if (!in->is_maintenance) {
            tc_admin__component_choices(&b, c, in, reshow, e ? e->components : NULL);
            tc_admin__impact_choice(&b, reshow ? f->impact_field
                                     : in->impact_override >= 0
                                           ? tc_impact_name((tc_impact_t)in->impact_override)
                                           : NULL);
        }
        tc_admin__notify_box(&b, c, reshow ? f->notify : true);
        tc_buf_puts(&b, "<p class=\"actions\"><button type=\"submit\" name=\"action\" "
                        "value=\"preview\" class=\"secondary\">Preview</button> <button "
                        "type=\"submit\" name=\"action\" value=\"publish\">Post update</button>"
                        "</p></form>");
        if (reshow && f && !e->any)
            tc_admin__preview_box(&b, c, in->name, f);
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
    tc_admin_incident_form_t f;
    tc_admin_form_errors_t e;
    tc_admin__read_incident_form(c, false, in->is_maintenance, &f, &e);
    const char *action = tc_form_get(&c->form, "action");
    if (e.any || (action && strcmp(action, "preview") == 0)) {
        render_incident(c, in, e.any ? 422 : 200, true, &e, &f, NULL);
        tc_admin__free_incident_form(&f);
        return;
    }
    char err[512];
    const tc_incident_t *out = NULL;
    int rc = tc_engine_incident_patch(c->e, c->param, &f.cmd, &out, err, sizeof err);
    if (rc) {
        tc_admin__form_error(&e, e.general, sizeof e.general, err);
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
    tc_admin__free_incident_form(&f);
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
        tc_admin_form_errors_t e = {.any = true};
        snprintf(e.general, sizeof e.general, "Write the post-mortem first.");
        render_incident(c, in, 422, false, &e, NULL, NULL);
        return;
    }
    if (strlen(body) > TC_ADMIN_MAX_TEXT) {
        tc_admin_form_errors_t e = {.any = true};
        snprintf(e.general, sizeof e.general, "Keep the post-mortem under 64 KiB.");
        render_incident(c, in, 422, false, &e, NULL, NULL);
        return;
    }
    rc = tc_engine_postmortem_write(c->e, c->param, body, &out, err, sizeof err);
    if (!rc && publish)
        rc = tc_engine_postmortem_publish(c->e, c->param, &out, err, sizeof err);
    if (rc) {
        tc_admin_form_errors_t e = {.any = true};
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
    tc_admin_incident_form_t f;
    tc_admin_form_errors_t e;
    const char *status = tc_form_get(&c->form, "status");
    tc_incident_status_t st;
    bool maintenance = status && tc_incident_status_parse(status, &st) == 0 &&
                       tc_incident_status_is_maintenance(st);
    tc_admin__read_incident_form(c, false, maintenance, &f, &e);
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__preview_box(&b, c, tc_admin__text(c, "name"), &f);
    tc_admin__headers(c);
    tc_http_reply_html(c->req, 200, b.data);
    tc_buf_free(&b);
    tc_admin__free_incident_form(&f);
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
    tc_admin_form_errors_t e = {.any = true};
    if (!cmd.body && raw && raw[0])
        snprintf(e.general, sizeof e.general, "The text is not valid UTF-8.");
    else if (!cmd.body)
        snprintf(e.general, sizeof e.general, "An update needs some text.");
    else if (strlen(cmd.body) > TC_ADMIN_MAX_TEXT)
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
    tc_admin_incident_form_t f;
    tc_admin_form_errors_t e;
    /* Title, message, components and impact as in a new incident; the status is resolved. */
    tc_form_add(&c->form, "status", "investigating");
    tc_admin__read_incident_form(c, true, false, &f, &e);
    int64_t from = 0, until = 0;
    if (!e.any && (tc_admin__parse_local(c, tc_form_get(&c->form, "started"), &from) != 0 ||
                   tc_admin__parse_local(c, tc_form_get(&c->form, "resolved"), &until) != 0))
        tc_admin__form_error(&e, e.general, sizeof e.general, "Give when it started and when it was "
                                                   "resolved, as dates and times.");
    else if (!e.any && until <= from)
        tc_admin__form_error(&e, e.general, sizeof e.general, "It must be resolved after it started.");
    else if (!e.any && until > tc_clock_wall_ms())
        tc_admin__form_error(&e, e.general, sizeof e.general, "A backfilled incident is in the past; "
                                                   "post a current one as a new incident.");
    if (e.any) {
        render_new(c, 422, true, &e, &f);
        tc_admin__free_incident_form(&f);
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
        tc_admin__form_error(&e, e.general, sizeof e.general, err);
        render_new(c, 422, true, &e, &f);
        tc_admin__free_incident_form(&f);
        return;
    }
    char location[64];
    tc_admin__audit(c, "incident.backfill", in->id, in->name);
    snprintf(location, sizeof location, "/admin/incidents/%s", in->id);
    tc_admin__redirect(c, location);
    tc_admin__free_incident_form(&f);
}
