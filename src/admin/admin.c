/* The console's front door: one route table for /admin/..., and the guards every request
 * passes in a fixed order: a session (else the login page), the role (editors do not manage
 * keys or users), and for every POST the origin (Origin or Referer naming this host) and the
 * session's CSRF token. Login and logout live here too.
 *
 * Logging in: attempts are rate-limited per client address and per user name (5 within any
 * minute, engine/accounts.c) before any password is checked; the Argon2id check runs in the
 * background so the engine loop never stalls for it; an unknown name costs the same hash as a
 * known one, and every failure gets the same words. A session is 256 random bits in a cookie
 * (HttpOnly, SameSite=Strict, Path=/admin, Secure when configured); only its hash is stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin_int.h"
#include "core/alloc.h"
#include "core/secret.h"

#define COOKIE "tocsin_session"
#define PASSWORD_MAX 1024
#define LOGIN_FAILED "Wrong user name or password."
#define LOGIN_LIMITED "Too many attempts. Wait a minute, then try again."

enum { NEEDS_SESSION = 1, NEEDS_ADMIN = 2 };

typedef struct route {
    const char *method;
    const char *pattern; /* below /admin/; one ":id" segment may be captured */
    tc_admin_handler_t fn;
    int needs;
} route_t;

static void login_page(tc_admin_call_t *c);
static void login_submit(tc_admin_call_t *c);
static void logout(tc_admin_call_t *c);

static const route_t routes[] = {
    {"GET", "login", login_page, 0},
    {"POST", "login", login_submit, 0},
    {"POST", "logout", logout, NEEDS_SESSION},
    {"GET", "", tc_admin__overview, NEEDS_SESSION},
    {"GET", "incidents", tc_admin__incidents, NEEDS_SESSION},
    {"POST", "incidents", tc_admin__incident_create, NEEDS_SESSION},
    {"GET", "incidents/new", tc_admin__incident_new, NEEDS_SESSION},
    {"POST", "incidents/backfill", tc_admin__incident_backfill, NEEDS_SESSION},
    {"GET", "incidents/:id", tc_admin__incident_page, NEEDS_SESSION},
    {"POST", "incidents/:id/update", tc_admin__incident_update, NEEDS_SESSION},
    {"POST", "incidents/:id/postmortem", tc_admin__incident_postmortem, NEEDS_SESSION},
    {"POST", "incidents/:id/delete", tc_admin__incident_delete, NEEDS_SESSION},
    {"POST", "incidents/:id/updates/:uid", tc_admin__update_edit, NEEDS_SESSION},
    {"POST", "preview", tc_admin__preview, NEEDS_SESSION},
    {"GET", "maintenance", tc_admin__maintenance, NEEDS_SESSION},
    {"POST", "maintenance", tc_admin__maintenance_create, NEEDS_SESSION},
    {"POST", "maintenance/recurring", tc_admin__maintenance_recurring, NEEDS_SESSION},
    {"POST", "maintenance/recurring/:id/delete", tc_admin__maintenance_stop, NEEDS_SESSION},
    {"GET", "audit", tc_admin__audit_page, NEEDS_SESSION},
    {"GET", "coverage", tc_admin__coverage, NEEDS_SESSION},
    {"GET", "components", tc_admin__components, NEEDS_SESSION},
    {"POST", "components/:id", tc_admin__component_set, NEEDS_SESSION},
    {"GET", "monitors", tc_admin__monitors, NEEDS_SESSION},
    {"GET", "monitors/:id", tc_admin__monitor_page, NEEDS_SESSION},
    {"POST", "monitors/:id/check", tc_admin__monitor_check, NEEDS_SESSION},
    {"POST", "monitors/:id/pause", tc_admin__monitor_pause, NEEDS_SESSION},
    {"POST", "monitors/:id/resume", tc_admin__monitor_resume, NEEDS_SESSION},
    {"GET", "subscribers", tc_admin__subscribers, NEEDS_SESSION},
    {"POST", "subscribers/:id/remove", tc_admin__subscriber_remove, NEEDS_SESSION},
    {"GET", "deliveries", tc_admin__deliveries, NEEDS_SESSION},
    {"POST", "deliveries/retry", tc_admin__deliveries_retry_all, NEEDS_SESSION},
    {"POST", "deliveries/:id/retry", tc_admin__delivery_retry, NEEDS_SESSION},
    {"GET", "keys", tc_admin__keys, NEEDS_SESSION | NEEDS_ADMIN},
    {"POST", "keys", tc_admin__key_create, NEEDS_SESSION | NEEDS_ADMIN},
    {"POST", "keys/:id/revoke", tc_admin__key_revoke, NEEDS_SESSION | NEEDS_ADMIN},
    {"GET", "users", tc_admin__users, NEEDS_SESSION | NEEDS_ADMIN},
    {"POST", "users", tc_admin__user_add, NEEDS_SESSION | NEEDS_ADMIN},
    {"POST", "users/:id/password", tc_admin__user_password, NEEDS_SESSION | NEEDS_ADMIN},
    {"POST", "users/:id/remove", tc_admin__user_remove, NEEDS_SESSION | NEEDS_ADMIN},
};

/* Does @p path match @p pattern? ":id" and ":uid" segments are captured into @p c's param
 * and param2. */
static int match(const char *pattern, const char *path, tc_admin_call_t *c)
{
    for (;;) {
        size_t plen = strcspn(pattern, "/"), slen = strcspn(path, "/");
        char *into = plen == 3 && strncmp(pattern, ":id", 3) == 0    ? c->param
                     : plen == 4 && strncmp(pattern, ":uid", 4) == 0 ? c->param2
                                                                      : NULL;
        if (into) {
            if (slen == 0 || slen >= TC_ADMIN_MAX_PARAM)
                return 0;
            memcpy(into, path, slen);
            into[slen] = '\0';
        } else if (plen != slen || strncmp(pattern, path, slen) != 0) {
            return 0;
        }
        pattern += plen;
        path += slen;
        if (!*pattern || !*path)
            return !*pattern && !*path;
        pattern++;
        path++;
    }
}

/* The session token of the request's cookie, copied into @p out, or false. */
static bool session_cookie(tc_http_request_t *req, char out[TC_SESSION_TOKEN_LEN])
{
    const char *h = tc_http_header(req, "Cookie");
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        if (strncmp(p, COOKIE "=", sizeof COOKIE) == 0) {
            const char *v = p + sizeof COOKIE;
            size_t vlen = len - sizeof COOKIE;
            if (vlen == 0 || vlen >= TC_SESSION_TOKEN_LEN || strspn(v,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < vlen)
                return false;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}

/* Does @p url (an Origin, or a Referer) name this server, as the Host header does? Browsers
 * send Origin with every POST; a request from another site names that site, so a form there
 * cannot act here even before the CSRF token is checked. */
static bool same_origin(const char *url, const char *host)
{
    const char *p = NULL;
    if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    if (!p)
        return false;
    size_t len = strcspn(p, "/?#");
    return strlen(host) == len && strncasecmp(p, host, len) == 0;
}

static bool origin_ok(tc_http_request_t *req)
{
    const char *host = tc_http_header(req, "Host");
    const char *origin = tc_http_header(req, "Origin");
    if (!host)
        return false;
    if (origin && strcmp(origin, "null") != 0)
        return same_origin(origin, host);
    const char *referer = tc_http_header(req, "Referer");
    return referer && same_origin(referer, host);
}

const char *tc_admin__text(tc_admin_call_t *c, const char *name)
{
    for (size_t i = 0; i < c->form.n; i++) {
        tc_form_field_t *f = &c->form.fields[i];
        if (strcmp(f->name, name) != 0)
            continue;
        char *v = f->value;
        if (!tc_utf8_valid(v, strlen(v)))
            return NULL;
        while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
            v++;
        size_t n = strlen(v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
            v[--n] = '\0';
        return n ? v : NULL;
    }
    return NULL;
}

void tc_admin__audit(tc_admin_call_t *c, const char *action, const char *target,
                     const char *detail)
{
    tc_engine_audit(c->e, c->actor, action, target, detail);
}

/* ---- login and logout ---- */

/* Only paths of the console itself, so a crafted link cannot send people elsewhere. */
static const char *safe_next(const char *next)
{
    if (next && strncmp(next, "/admin", 6) == 0 && (next[6] == '\0' || next[6] == '/') &&
        !strpbrk(next, "\\\r\n") && strlen(next) < 200 && tc_utf8_valid(next, strlen(next)))
        return next;
    return "/admin/";
}

static void render_login(tc_admin_call_t *c, unsigned status, const char *error,
                         const char *name, const char *next)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_admin__open(&b, c, "Log in", NULL);
    tc_buf_puts(&b, "<section class=\"login\"><h1>Log in</h1>");
    if (error)
        tc_admin__notice(&b, "error", error);
    tc_buf_puts(&b, "<form method=\"post\" action=\"/admin/login\">"
                    "<input type=\"hidden\" name=\"next\" value=\"");
    tc_buf_html(&b, safe_next(next));
    tc_buf_puts(&b, "\"><p><label for=\"name\">User name</label>"
                    "<input id=\"name\" name=\"name\" autocomplete=\"username\" required "
                    "autofocus value=\"");
    tc_buf_html(&b, name ? name : "");
    tc_buf_puts(&b, "\"></p><p><label for=\"password\">Password</label>"
                    "<input id=\"password\" name=\"password\" type=\"password\" "
                    "autocomplete=\"current-password\" required></p>"
                    "<p><button type=\"submit\">Log in</button></p></form>"
                    "<p class=\"hint\">No account yet? Whoever runs this server adds one with "
                    "<code>tocsin user add NAME --role editor</code>.</p></section>");
    tc_admin__finish(c, &b, status);
}

static void login_page(tc_admin_call_t *c)
{
    render_login(c, 200, NULL, NULL, tc_http_arg(c->req, "next"));
}

typedef struct login_job {
    tc_http_request_t *req;
    char *hash;     /* the stored hash; NULL for an unknown name */
    char *password;
    char user_id[32];
    char name[68]; /* names are at most 64 bytes */
    char next[256];
    bool ok;
} login_job_t;

/* Worker thread: the Argon2id check. An unknown name still costs one hash, so response
 * times do not tell which names exist. */
static void login_check(void *arg)
{
    login_job_t *j = arg;
    if (j->hash) {
        j->ok = tc_secret_password_check(j->hash, j->password);
    } else {
        char discard[TC_SECRET_PASSWORD_HASH_LEN];
        tc_secret_password_hash(j->password, discard);
        j->ok = false;
    }
}

static void login_job_free(login_job_t *j)
{
    if (j->password)
        memset(j->password, 0, strlen(j->password));
    free(j->password);
    free(j->hash);
    free(j);
}

static void login_finish(tc_engine_t *e, void *arg)
{
    login_job_t *j = arg;
    tc_admin_call_t c = {.e = e, .req = j->req};
    char token[TC_SESSION_TOKEN_LEN], err[256];
    if (!j->ok) {
        snprintf(c.actor, sizeof c.actor, "user:%s", j->name);
        render_login(&c, 401, LOGIN_FAILED, j->name, j->next);
    } else if (tc_engine_session_start(e, j->user_id, token, err, sizeof err) != 0) {
        tc_admin__message(&c, 500, "Cannot log in", "The store refused the session; try again.");
    } else {
        char cookie[160];
        snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/admin; HttpOnly; SameSite=Strict%s",
                 token, tc_engine_console_secure_cookie(e) ? "; Secure" : "");
        tc_http_add_header(c.req, "Set-Cookie", cookie);
        snprintf(c.actor, sizeof c.actor, "user:%s", j->name);
        tc_admin__audit(&c, "login", j->name, "logged in");
        tc_admin__redirect(&c, safe_next(j->next));
    }
    login_job_free(j);
}

static void login_submit(tc_admin_call_t *c)
{
    const char *name = tc_form_get(&c->form, "name");
    const char *password = tc_form_get(&c->form, "password");
    const char *next = tc_form_get(&c->form, "next");
    if (!name)
        name = "";
    if (!tc_utf8_valid(name, strlen(name)) || strlen(name) > 64)
        name = ""; /* not a name anyone has; shown back empty */
    if (tc_engine_login_limited(c->e, tc_http_client(c->req), name)) {
        render_login(c, 429, LOGIN_LIMITED, name, next);
        return;
    }
    if (!name[0] || !password || !password[0] || strlen(password) > PASSWORD_MAX) {
        render_login(c, 401, LOGIN_FAILED, name, next);
        return;
    }
    login_job_t *j = tc_calloc(1, sizeof *j);
    j->req = c->req;
    j->password = tc_strdup(password);
    snprintf(j->name, sizeof j->name, "%s", name);
    snprintf(j->next, sizeof j->next, "%s", safe_next(next));
    tc_user_t u;
    if (tc_engine_user_by_name(c->e, name, &u) == 0) {
        j->hash = tc_strdup(u.password_hash);
        snprintf(j->user_id, sizeof j->user_id, "%s", u.id);
        tc_engine_user_clear(&u);
    }
    tc_engine_in_background(c->e, login_check, login_finish, j);
}

static void logout(tc_admin_call_t *c)
{
    char token[TC_SESSION_TOKEN_LEN];
    if (session_cookie(c->req, token))
        tc_engine_session_end(c->e, token);
    tc_admin__audit(c, "logout", c->user.name, "logged out");
    tc_http_add_header(c->req, "Set-Cookie",
                       COOKIE "=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0");
    tc_admin__redirect(c, "/admin/login");
}

/* ---- dispatch ---- */

static void send_to_login(tc_admin_call_t *c, const char *path)
{
    char location[300];
    if (strcmp(tc_http_method(c->req), "GET") == 0 && strlen(path) < 200 &&
        strcmp(safe_next(path), path) == 0)
        snprintf(location, sizeof location, "/admin/login?next=%s", path);
    else
        snprintf(location, sizeof location, "/admin/login");
    tc_admin__redirect(c, location);
}

static void dispatch(tc_admin_call_t *c)
{
    const char *method = tc_http_method(c->req);
    const char *path = tc_http_path(c->req);
    const char *rest = path + 6; /* after "/admin" */
    if (*rest == '/')
        rest++;
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    const route_t *r = NULL;
    bool path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && !r; i++) {
        if (!match(routes[i].pattern, rest, c))
            continue;
        path_known = true;
        if (strcmp(routes[i].method, method) == 0)
            r = &routes[i];
    }
    if (!r) {
        if (path_known)
            tc_admin__message(c, 405, "Not here", "This page does not take that kind of request.");
        else
            tc_admin__message(c, 404, "Not found", "There is no such console page.");
        return;
    }
    bool post = strcmp(method, "POST") == 0;
    /* A form from another site must fail before anything else, login included. */
    if (post && !origin_ok(c->req)) {
        tc_admin__message(c, 403, "Refused",
                          "This form was not sent from this console (its Origin or Referer "
                          "does not match). Nothing was changed.");
        return;
    }
    if (post) {
        size_t len;
        const char *body = tc_http_body(c->req, &len);
        tc_form_parse(body, len, &c->form);
    }
    if (r->needs & NEEDS_SESSION) {
        char token[TC_SESSION_TOKEN_LEN];
        if (!session_cookie(c->req, token) ||
            tc_engine_session_user(c->e, token, &c->user, c->csrf) != 0) {
            send_to_login(c, path);
            return;
        }
        snprintf(c->actor, sizeof c->actor, "user:%s", c->user.name);
        if (post) {
            const char *sent = tc_form_get(&c->form, "csrf");
            if (!sent || !tc_secret_equal(sent, c->csrf)) {
                tc_admin__message(c, 403, "Refused",
                                  "This form is out of date or was not made by this console "
                                  "(its CSRF token does not match). Nothing was changed. Go "
                                  "back, reload the page and try again.");
                return;
            }
        }
        if ((r->needs & NEEDS_ADMIN) && strcmp(c->user.role, "admin") != 0) {
            tc_admin__message(c, 403, "Admins only",
                              "Only admins manage API keys and users. Ask an admin.");
            return;
        }
    }
    r->fn(c);
}

void tc_admin_handle(tc_engine_t *e, tc_http_request_t *req)
{
    tc_admin_call_t c = {.e = e, .req = req};
    dispatch(&c);
    tc_form_free(&c.form);
    tc_engine_user_clear(&c.user);
}
