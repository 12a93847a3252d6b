/* API keys in the console (admins only): the list (name, created, revoked), a new key, and
 * revoking one. A new key is shown once, on the page that answers the form, and never again:
 * only its hash is stored (tc_engine_key_create), and neither the key nor its hash is
 * logged or written to the audit log, which records the key's name and id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "core/err.h"
#include "web/html.h"

static void render_keys(tc_admin_call_t *c, unsigned status, const char *error,
                        const char *typed, const char *new_key, const char *new_name)
{
    tc_key_info_t *keys = NULL;
    size_t n = 0;
    char err[256];
    if (tc_engine_keys(c->e, &keys, &n, err, sizeof err) != 0) {
        tc_engine_keys_free(keys, n);
        tc_admin__message(c, 500, "Cannot read the keys", err);
        return;
    }
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "API keys", "keys");
    tc_buf_puts(&b, "<h1>API keys</h1>");
    const char *done = tc_http_arg(c->req, "done");
    if (done && strcmp(done, "revoked") == 0)
        tc_admin__notice(&b, "ok", "Revoked: the key no longer works.");
    if (new_key) {
        tc_buf_puts(&b, "<section class=\"notice\" role=\"status\"><h2>Key “");
        tc_buf_html(&b, new_name);
        tc_buf_puts(&b, "” created</h2><p>Copy it now: <strong>it is shown only this once"
                        "</strong> (only its hash is kept).</p><p><code class=\"secret\" "
                        "id=\"new-key\">");
        tc_buf_html(&b, new_key);
        tc_buf_printf(&b, "</code></p><p class=\"muted\">Send it as <code>Authorization: "
                          "OAuth KEY</code> to <code>/v1/pages/%s/…</code>.</p></section>",
                      tc_engine_page_id(c->e));
    }
    tc_buf_puts(&b, "<section><h2>New key</h2><form method=\"post\" action=\"/admin/keys\">");
    tc_admin__csrf_field(&b, c);
    tc_buf_puts(&b, "<p><label for=\"name\">Name <small>(who or what uses it, e.g. "
                    "“deploy bot”)</small></label>");
    tc_admin__field_error(&b, "name", error);
    tc_buf_printf(&b, "<input id=\"name\" name=\"name\" required maxlength=\"%d\"%s value=\"",
                  TC_KEY_NAME_MAX, error ? " aria-describedby=\"name-error\"" : "");
    tc_buf_html(&b, typed ? typed : "");
    tc_buf_puts(&b, "\"></p><p><button type=\"submit\">Create key</button></p></form>"
                    "</section><h2>Keys</h2>");
    if (n == 0)
        tc_buf_puts(&b, "<p>No keys yet.</p>");
    else
        tc_buf_puts(&b, "<table class=\"grid\"><thead><tr><th scope=\"col\">Name</th>"
                        "<th scope=\"col\">Id</th><th scope=\"col\">Created</th>"
                        "<th scope=\"col\">State</th></tr></thead><tbody>");
    for (size_t i = n; i-- > 0;) {
        const tc_key_info_t *k = &keys[i];
        char created[64], revoked[64];
        tc_admin__when(c, k->created_at, created, sizeof created);
        tc_buf_puts(&b, "<tr><td>");
        tc_buf_html(&b, k->name);
        tc_buf_puts(&b, "</td><td><code>");
        tc_buf_html(&b, k->id);
        tc_buf_printf(&b, "</code></td><td>%s</td><td>", created);
        if (k->revoked_at) {
            tc_admin__when(c, k->revoked_at, revoked, sizeof revoked);
            tc_buf_printf(&b, "<span class=\"muted\">revoked %s</span>", revoked);
        } else {
            tc_buf_puts(&b, "active <form method=\"post\" class=\"inline\" "
                            "action=\"/admin/keys/");
            tc_buf_html(&b, k->id);
            tc_buf_puts(&b, "/revoke\">");
            tc_admin__csrf_field(&b, c);
            tc_buf_puts(&b, "<button type=\"submit\" class=\"danger\" aria-label=\"Revoke ");
            tc_buf_html(&b, k->name);
            tc_buf_puts(&b, "\">Revoke</button></form>");
        }
        tc_buf_puts(&b, "</td></tr>");
    }
    if (n)
        tc_buf_puts(&b, "</tbody></table>");
    tc_engine_keys_free(keys, n);
    tc_admin__finish(c, &b, status);
}

void tc_admin__keys(tc_admin_call_t *c)
{
    render_keys(c, 200, NULL, NULL, NULL, NULL);
}

void tc_admin__key_create(tc_admin_call_t *c)
{
    const char *name = tc_admin__text(c, "name");
    const char *raw = tc_form_get(&c->form, "name");
    if (!name) {
        render_keys(c, 422, raw && raw[0] ? "The name is not valid UTF-8 text."
                                          : "Give the key a name.",
                    NULL, NULL, NULL);
        return;
    }
    char key[TC_SECRET_KEY_LEN], id[13], err[256];
    int rc = tc_engine_key_create(c->e, name, key, id, err, sizeof err);
    if (rc) {
        render_keys(c, rc == TC_EINVAL ? 422 : 500, err, name, NULL, NULL);
        return;
    }
    tc_admin__audit(c, "key.create", id, name);
    /* Answered with the page itself, not a redirect: the key exists nowhere else to show
     * it from. The console's no-store header keeps it out of caches. */
    render_keys(c, 201, NULL, NULL, key, name);
    memset(key, 0, sizeof key);
}

/* The name of key @p id into @p name (empty when it is not listed): the audit log says
 * which key went by the name people gave it, as it does for a new key. */
static void key_name(tc_admin_call_t *c, const char *id, char *name, size_t len)
{
    tc_key_info_t *keys = NULL;
    size_t n = 0;
    char err[256];
    name[0] = '\0';
    if (tc_engine_keys(c->e, &keys, &n, err, sizeof err) != 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].id, id) == 0)
            snprintf(name, len, "%s", keys[i].name);
    tc_engine_keys_free(keys, n);
}

void tc_admin__key_revoke(tc_admin_call_t *c)
{
    char err[256], name[TC_KEY_NAME_MAX + 1];
    key_name(c, c->param, name, sizeof name);
    int rc = tc_engine_key_revoke(c->e, c->param, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : 500, "Not revoked", err);
        return;
    }
    tc_admin__audit(c, "key.revoke", c->param, name[0] ? name : "revoked");
    tc_admin__redirect(c, "/admin/keys?done=revoked");
}
