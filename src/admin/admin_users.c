/* The console's users (admins only): the list, a new user (name, role and a first password
 * typed by the admin), a new password for someone, and removing someone. A new password or
 * a removal ends that person's sessions at once (the store deletes them). Passwords are
 * hashed with Argon2id on libuv's thread pool (tc_engine_in_background), so the engine loop
 * never stalls for it; they are never logged nor kept beyond the hashing.
 *
 * Admins cannot remove themselves: the console must always keep an admin who can log in to
 * manage users and keys, and only admins can remove anyone, so as long as nobody removes
 * themselves there is always one left. (`tocsin user remove` on the server still can.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/secret.h"
#include "web/html.h"

/* Problems with the "new user" form, each shown at its field. */
typedef struct user_errors {
    const char *name, *role, *password, *general;
} user_errors_t;

static void render_users(tc_admin_call_t *c, unsigned status, const user_errors_t *e,
                         const char *notice)
{
    tc_user_t *users = NULL;
    size_t n = 0;
    char err[256];
    if (tc_engine_users(c->e, &users, &n, err, sizeof err) != 0) {
        tc_engine_users_free(users, n);
        tc_admin__message(c, 500, "Cannot read the users", err);
        return;
    }
    tc_buf_t b;
    tc_buf_init(&b, TC_HTML_LIMIT);
    tc_admin__open(&b, c, "Users", "users");
    tc_buf_puts(&b, "<h1>Users</h1>");
    if (notice)
        tc_admin__notice(&b, "ok", notice);
    if (e && e->general)
        tc_admin__notice(&b, "error", e->general);
    tc_buf_puts(&b, "<p class=\"muted\">Editors run incidents, components, monitors and "
                    "subscribers; admins also manage users and API keys.</p><table "
                    "class=\"grid\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">"
                    "Role</th><th scope=\"col\">Created</th><th scope=\"col\">Password set"
                    "</th><th scope=\"col\">New password</th><th scope=\"col\"><span "
                    "class=\"visually-hidden\">Remove</span></th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const tc_user_t *u = &users[i];
        char created[64], changed[64];
        tc_admin__when(c, u->created_at, created, sizeof created);
        tc_admin__when(c, u->password_changed_at, changed, sizeof changed);
        bool self = strcmp(u->name, c->user.name) == 0;
        tc_buf_puts(&b, "<tr><th scope=\"row\">");
        tc_buf_html(&b, u->name);
        /* Names are letters, digits and . _ - @ (tc_engine_user_name_ok), safe in a path;
         * escaped all the same, as every stored text is. */
        tc_buf_printf(&b, "%s</th><td>", self ? " <small>(you)</small>" : "");
        tc_buf_html(&b, u->role);
        tc_buf_printf(&b, "</td><td>%s</td><td>%s</td><td><form method=\"post\" "
                          "class=\"inline\" action=\"/admin/users/",
                      created, changed);
        tc_buf_html(&b, u->name);
        tc_buf_puts(&b, "/password\">");
        tc_admin__csrf_field(&b, c);
        tc_buf_printf(&b, "<label for=\"pw-%zu\" class=\"visually-hidden\">New password for ", i);
        tc_buf_html(&b, u->name);
        tc_buf_printf(&b, "</label><input id=\"pw-%zu\" name=\"password\" type=\"password\" "
                          "autocomplete=\"new-password\" required minlength=\"%d\" "
                          "maxlength=\"%d\"> <button type=\"submit\" class=\"secondary\">Set"
                          "</button></form></td><td>",
                      i, TC_PASSWORD_MIN, TC_PASSWORD_MAX);
        if (self) {
            tc_buf_puts(&b, "<span class=\"muted\">not yourself: another admin can</span>");
        } else {
            tc_buf_puts(&b, "<form method=\"post\" class=\"inline\" action=\"/admin/users/");
            tc_buf_html(&b, u->name);
            tc_buf_puts(&b, "/remove\">");
            tc_admin__csrf_field(&b, c);
            tc_buf_puts(&b, "<button type=\"submit\" class=\"danger\" aria-label=\"Remove ");
            tc_buf_html(&b, u->name);
            tc_buf_puts(&b, "\">Remove</button></form>");
        }
        tc_buf_puts(&b, "</td></tr>");
    }
    tc_buf_puts(&b, "</tbody></table><section><h2>New user</h2><form method=\"post\" "
                    "action=\"/admin/users\">");
    tc_admin__csrf_field(&b, c);
    const char *typed = e ? tc_form_get(&c->form, "name") : NULL;
    const char *role = e ? tc_form_get(&c->form, "role") : NULL;
    tc_buf_puts(&b, "<p><label for=\"name\">User name <small>(letters, digits, . _ - @)"
                    "</small></label>");
    tc_admin__field_error(&b, "name", e ? e->name : NULL);
    tc_buf_puts(&b, "<input id=\"name\" name=\"name\" required maxlength=\"64\" "
                    "autocomplete=\"off\" value=\"");
    tc_buf_html(&b, typed && tc_utf8_valid(typed, strlen(typed)) ? typed : "");
    tc_buf_puts(&b, "\"></p><p><label for=\"role\">Role</label>");
    tc_admin__field_error(&b, "role", e ? e->role : NULL);
    tc_buf_printf(&b, "<select id=\"role\" name=\"role\"><option value=\"editor\"%s>Editor"
                      "</option><option value=\"admin\"%s>Admin</option></select></p>"
                      "<p><label for=\"password\">First password <small>(%d to %d characters;"
                      " tell it to them, they can ask an admin for another)</small></label>",
                  role && strcmp(role, "admin") == 0 ? "" : " selected",
                  role && strcmp(role, "admin") == 0 ? " selected" : "", TC_PASSWORD_MIN,
                  TC_PASSWORD_MAX);
    tc_admin__field_error(&b, "password", e ? e->password : NULL);
    tc_buf_printf(&b, "<input id=\"password\" name=\"password\" type=\"password\" "
                      "autocomplete=\"new-password\" required minlength=\"%d\" "
                      "maxlength=\"%d\"></p><p><button type=\"submit\">Add user</button></p>"
                      "</form></section>",
                  TC_PASSWORD_MIN, TC_PASSWORD_MAX);
    tc_engine_users_free(users, n);
    tc_admin__finish(c, &b, status);
}

void tc_admin__users(tc_admin_call_t *c)
{
    const char *done = tc_http_arg(c->req, "done");
    const char *notice = NULL;
    if (done && strcmp(done, "added") == 0)
        notice = "Added: they can log in now.";
    else if (done && strcmp(done, "removed") == 0)
        notice = "Removed: their sessions have ended.";
    else if (done && strcmp(done, "password") == 0)
        notice = "Password set: their sessions have ended; they log in with the new one.";
    render_users(c, 200, NULL, notice);
}

static const char *password_problem(const char *password)
{
    size_t n = password ? strlen(password) : 0;
    if (n < TC_PASSWORD_MIN || n > TC_PASSWORD_MAX)
        return "A password has 8 to 1,024 characters.";
    return NULL;
}

/* A password being hashed for a form, and what the reply needs once it is. */
typedef struct pw_job {
    tc_http_request_t *req;
    char *password;          /* owned; wiped after hashing */
    char hash[TC_SECRET_PASSWORD_HASH_LEN];
    int rc;
    bool adding;             /* a new user, else a new password */
    char target[68], role[8];
    char actor[80], self[68];
} pw_job_t;

static void pw_hash(void *arg)
{
    pw_job_t *j = arg;
    j->rc = tc_secret_password_hash(j->password, j->hash);
    memset(j->password, 0, strlen(j->password));
}

static void pw_done(tc_engine_t *e, void *arg)
{
    pw_job_t *j = arg;
    tc_admin_call_t c = {.e = e, .req = j->req};
    snprintf(c.actor, sizeof c.actor, "%s", j->actor);
    char err[256];
    int rc = j->rc ? TC_EIO : 0;
    if (rc)
        snprintf(err, sizeof err, "not enough memory to hash the password; try again");
    else if (j->adding)
        rc = tc_engine_user_add(e, j->target, j->role, j->hash, err, sizeof err);
    else
        rc = tc_engine_user_set_password(e, j->target, j->hash, err, sizeof err);
    memset(j->hash, 0, sizeof j->hash);
    if (rc) {
        /* Only a race gets here (the name was checked before hashing): a plain page. */
        tc_admin__message(&c, rc == TC_EEXIST ? 409 : rc == TC_ENOENT ? 404 : 500,
                          "Not saved", err);
    } else if (j->adding) {
        tc_admin__audit(&c, "user.add", j->target, j->role);
        tc_admin__redirect(&c, "/admin/users?done=added");
    } else {
        tc_admin__audit(&c, "user.password", j->target, "new password; sessions ended");
        /* Their own password: this session ended with the others. */
        tc_admin__redirect(&c, strcmp(j->target, j->self) == 0 ? "/admin/login"
                                                               : "/admin/users?done=password");
    }
    free(j->password);
    free(j);
}

static void hash_then_save(tc_admin_call_t *c, const char *password, bool adding,
                           const char *target, const char *role)
{
    pw_job_t *j = tc_calloc(1, sizeof *j);
    j->req = c->req;
    j->password = tc_strdup(password);
    j->adding = adding;
    snprintf(j->target, sizeof j->target, "%s", target);
    snprintf(j->role, sizeof j->role, "%s", role ? role : "");
    snprintf(j->actor, sizeof j->actor, "%s", c->actor);
    snprintf(j->self, sizeof j->self, "%s", c->user.name);
    tc_engine_in_background(c->e, pw_hash, pw_done, j);
}

void tc_admin__user_add(tc_admin_call_t *c)
{
    const char *name = tc_form_get(&c->form, "name");
    const char *role = tc_form_get(&c->form, "role");
    const char *password = tc_form_get(&c->form, "password");
    user_errors_t e = {0};
    tc_user_t existing;
    if (!name || !tc_engine_user_name_ok(name))
        e.name = "A user name has 1 to 64 letters, digits, '.', '_', '-' or '@'.";
    else if (tc_engine_user_by_name(c->e, name, &existing) == 0) {
        tc_engine_user_clear(&existing);
        e.name = "Someone has that name already.";
    }
    if (!role || (strcmp(role, "admin") != 0 && strcmp(role, "editor") != 0))
        e.role = "Choose editor or admin.";
    e.password = password_problem(password);
    if (e.name || e.role || e.password) {
        e.general = "Nobody was added: see below.";
        render_users(c, 422, &e, NULL);
        return;
    }
    hash_then_save(c, password, true, name, role);
}

void tc_admin__user_password(tc_admin_call_t *c)
{
    const char *password = tc_form_get(&c->form, "password");
    tc_user_t u;
    if (tc_engine_user_by_name(c->e, c->param, &u) != 0) {
        tc_admin__message(c, 404, "No such user", "They may have been removed.");
        return;
    }
    tc_engine_user_clear(&u);
    const char *problem = password_problem(password);
    if (problem) {
        user_errors_t e = {.general = problem};
        render_users(c, 422, &e, NULL);
        return;
    }
    hash_then_save(c, password, false, c->param, NULL);
}

void tc_admin__user_remove(tc_admin_call_t *c)
{
    if (strcmp(c->param, c->user.name) == 0) {
        tc_admin__message(c, 422, "Not removed",
                          "You cannot remove yourself: the console must keep an admin who can "
                          "log in, and only admins remove people. Ask another admin.");
        return;
    }
    char err[256];
    int rc = tc_engine_user_remove(c->e, c->param, err, sizeof err);
    if (rc) {
        tc_admin__message(c, rc == TC_ENOENT ? 404 : 500, "Not removed", err);
        return;
    }
    tc_admin__audit(c, "user.remove", c->param, "removed; their sessions ended");
    tc_admin__redirect(c, "/admin/users?done=removed");
}
