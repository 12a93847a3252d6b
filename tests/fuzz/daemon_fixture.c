/* The engine the request fuzzers drive (see daemon_fixture.h). The set-up follows
 * tc_engine_run() step by step with the engine's own functions; only the parts a request
 * cannot reach are left out: the HTTP server, libcurl, the notify worker (tc_notify_kick()
 * accepts NULL) and the timers other than the render timer, which is armed by writes and
 * never fires because the loop only runs while a request waits. One push monitor (no network;
 * planned once a day, so never due during a run) gives the console's monitor pages, pause
 * and "check now" something to act on. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "admin/admin.h"
#include "api/api.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "engine/engine_int.h"

#include "daemon_fixture.h"

/* Rebuild the engine after this many inputs, or as soon as it holds more incidents, so the
 * state each input meets stays small (fast) and close to the baseline (reproducible). */
#define FX_MAX_INPUTS 500
#define FX_MAX_INCIDENTS 24

/* ---- the link seam: tc_http_* without libmicrohttpd ---- */

struct tc_http_request {
    const char *method;
    char *path;         /* owned; the query string is cut off into args */
    char *args;         /* owned; "name=value\0name=value\0" */
    size_t args_len;
    const char *content_type;
    const char *authorization;
    const char *cookie;         /* console requests: the fixture's session */
    const char *origin;         /* console requests: this "server" */
    const char *client;
    char *body;         /* owned; NUL-terminated like the server's buffer */
    size_t body_len;
    unsigned status;
    char *reply;        /* owned */
    int html;
    int answered;
};

int tc_http_start(const tc_http_opts_t *opts, tc_snapshot_t *first, tc_http_t **out, char *err,
                  size_t errlen)
{
    tc_http_cert_free(opts->cert); /* taken over, as by the real server */
    tc_snapshot_release(first);
    *out = NULL;
    snprintf(err, errlen, "no HTTP server in the fuzz fixture");
    return TC_EIO;
}

void tc_http_publish(tc_http_t *h, tc_snapshot_t *snap)
{
    (void)h;
    tc_snapshot_release(snap);
}

void tc_http_set_metrics(tc_http_t *h, char *text, size_t len)
{
    (void)h;
    (void)len;
    free(text);
}

void tc_http_set_health(tc_http_t *h, char *text, size_t len)
{
    (void)h;
    (void)len;
    free(text);
}

tc_http_request_t *tc_http_take(tc_http_t *h)
{
    (void)h;
    return NULL;
}

void tc_http_reap(tc_http_t *h)
{
    (void)h;
}

void tc_http_stop(tc_http_t *h)
{
    (void)h;
}

void tc_http_reply(tc_http_request_t *req, unsigned status, const char *json)
{
    /* The server copies the reply with tc_strdup(): a NULL body is the crash of issue 12
     * item 1, found here before it reaches the server. */
    if (!json) {
        fprintf(stderr, "fixture: %s %s answered %u with a NULL body\n", req->method, req->path,
                status);
        abort();
    }
    if (req->answered) {
        fprintf(stderr, "fixture: %s %s answered twice\n", req->method, req->path);
        abort();
    }
    req->answered = 1;
    req->status = status;
    req->reply = tc_strdup(json);
}

void tc_http_reply_metrics(tc_http_request_t *req)
{
    tc_http_reply(req, 200, "");
}

/* The fixture's requests are the write API's and the console's, never a page's. */
bool tc_http_on_demand(const tc_http_request_t *req)
{
    (void)req;
    return false;
}

void tc_http_reply_document(tc_http_request_t *req)
{
    tc_http_reply(req, 200, "");
}

void tc_http_reply_html(tc_http_request_t *req, unsigned status, const char *html)
{
    tc_http_reply(req, status, html);
    req->html = 1;
}

void tc_http_add_header(tc_http_request_t *req, const char *name, const char *value)
{
    (void)req;
    /* The server drops such headers; here they mean a handler passed one through. */
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        fprintf(stderr, "fixture: a reply header with a line break: %s\n", name);
        abort();
    }
}

const char *tc_http_method(const tc_http_request_t *req)
{
    return req->method;
}

const char *tc_http_path(const tc_http_request_t *req)
{
    return req->path;
}

const char *tc_http_arg(const tc_http_request_t *req, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = req->args; p && p < req->args + req->args_len; p += strlen(p) + 1)
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return p + n + 1;
    return NULL;
}

const char *tc_http_header(const tc_http_request_t *req, const char *name)
{
    if (strcasecmp(name, "Authorization") == 0)
        return req->authorization;
    if (strcasecmp(name, "Content-Type") == 0)
        return req->content_type;
    if (strcasecmp(name, "Cookie") == 0)
        return req->cookie;
    if (strcasecmp(name, "Origin") == 0)
        return req->origin;
    if (strcasecmp(name, "Host") == 0)
        return req->origin ? FX_HOST : NULL;
    return NULL;
}

const char *tc_http_body(const tc_http_request_t *req, size_t *len)
{
    if (len)
        *len = req->body_len;
    return req->body;
}

const char *tc_http_client(const tc_http_request_t *req)
{
    return req->client;
}

/* ---- the engine ---- */

static tc_engine_t fx;
static int fx_up;
static unsigned fx_inputs;
static char fx_dir[256];
static char fx_ids[4][16]; /* incident, update, maintenance, subscriber */
static char *fx__last_reply; /* owned; the last reply, for baseline() */
static char fx_cookie[TC_SESSION_TOKEN_LEN + 32]; /* "tocsin_session=<token>" */
static char fx_csrf[TC_SESSION_CSRF_LEN];

static const char fx_config[] =
    "page:\n"
    "  id: " FX_PAGE "\n"
    "  name: Fuzz\n"
    "  url: http://status.example.test\n"
    "  time_zone: Etc/UTC\n"
    "storage:\n"
    "  path: %s\n"
    "groups:\n"
    "  - id: core\n"
    "    name: Core\n"
    "components:\n"
    "  - id: db\n"
    "    name: Database\n"
    "    group: core\n"
    "  - id: api\n"
    "    name: API\n"
    "    group: core\n"
    "  - id: cdn\n"
    "    name: CDN\n"
    "channels:\n"
    "  - {id: mail, kind: email, url: 'smtp://127.0.0.1:9', from: status@example.test,"
    " to: [ops@example.test]}\n"
    "subscribers:\n"
    "  email_channel: mail\n"
    "  rate_limit: 10000\n"
    "monitors:\n"
    "  - {id: beat, name: Heartbeat, kind: push, token: fuzz-push-token-0123, interval: 24h,"
    " components: [cdn]}\n";

/* Like tc_secret_password_hash(), with libsodium's smallest Argon2id limits. */
static int fx_cheap_password_hash(const char *password, char out[TC_SECRET_PASSWORD_HASH_LEN])
{
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_MIN,
                             crypto_pwhash_MEMLIMIT_MIN);
}

static void fx_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fixture: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* Remove the store's files (the folder holds no subfolders). */
static void clear_dir(const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(dh)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(dh);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void fx_down(void)
{
    if (!fx_up)
        return;
    tc_engine__stop_monitors(&fx);
    tc_engine__vantage_stop(&fx);
    while (fx.in_flight > 0)
        uv_run(&fx.loop, UV_RUN_ONCE); /* canceled runs close their handles */
    tc_sched_free(fx.sched);
    uv_walk(&fx.loop, close_walk, NULL);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
    uv_loop_close(&fx.loop);
    tc_store_close(fx.store);
    tc_store_rows_free(fx.rows, fx.nrows);
    free(fx.feed_start);
    free(fx.feed_slots);
    tc_engine__free_incidents(&fx);
    tc_render_state_free(fx.render_state);
    tc_engine__subscribers_free(&fx);
    tc_engine__view_free(&fx);
    tc_engine__vantage_free(&fx);
    tc_config_free(fx.config);
    tc_zone_free(fx.zone);
    tc_engine__accounts_free(&fx);
    tc_engine__schedules_free(&fx);
    memset(&fx, 0, sizeof fx);
    clear_dir(fx_dir);
    fx_up = 0;
}

static void at_exit(void)
{
    fx_down();
    rmdir(fx_dir);
}

/* Send one baseline request and keep the id found at @p key (and, for the incident, its first
 * update's id). */
static void baseline(const char *method, const char *path, const char *body, int subscribers,
                     const char *key, char *id, char *update_id)
{
    fx_request_t r = {method, path, "application/json", NULL, body, strlen(body)};
    unsigned status = fx_request(&r, subscribers);
    if (status != 201)
        fx_fail("a baseline request failed", path);
    /* fx_request() kept the last reply for us. */
    json_t *doc = json_loads(fx__last_reply, 0, NULL);
    json_t *o = key ? json_object_get(doc, key) : doc;
    const char *got = json_string_value(json_object_get(o, "id"));
    snprintf(id, 16, "%s", got ? got : "");
    if (update_id) {
        json_t *u = json_array_get(json_object_get(o, "incident_updates"), 0);
        got = json_string_value(json_object_get(u, "id"));
        snprintf(update_id, 16, "%s", got ? got : "");
    }
    json_decref(doc);
    if (!id[0])
        fx_fail("a baseline reply has no id", path);
}

void fx_ready(int fresh)
{
    if (fx_up && !fresh && fx_inputs < FX_MAX_INPUTS && fx.nincidents <= FX_MAX_INCIDENTS) {
        fx_inputs++;
        return;
    }
    fx_down();
    fx_inputs = 0;
    if (!fx_dir[0]) {
        /* tmpfs when there is one: every write is an fsync'd SQLite commit. */
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fx_dir, sizeof fx_dir, "%s/tocsin-fuzz-XXXXXX", base);
        if (!mkdtemp(fx_dir))
            fx_fail("cannot create a temporary folder", strerror(errno));
        atexit(at_exit);
        tc_log_set_level(TC_LOG_ERROR);
    }
    char text[sizeof fx_config + 256], err[512];
    int len = snprintf(text, sizeof text, fx_config, fx_dir);
    char *errors = NULL;
    fx.started_at = tc_clock_wall_ms();
    if (tc_config_parse("fuzz.yaml", text, (size_t)len, &fx.config, &errors) != 0)
        fx_fail("the fixture's config is invalid", errors);
    fx.render_state = tc_render_state_new();
    if (tc_zone_load(fx.config->page.time_zone, &fx.zone, err, sizeof err) != 0)
        fx_fail("cannot load the zone", err);
    if (tc_store_open(fx.config->storage_path, NULL, &fx.store, err, sizeof err) != 0)
        fx_fail("cannot open the store", err);
    if (tc_engine__subscribers_init(&fx) != 0 || tc_engine__adopt_rows(&fx, fx.config) != 0 ||
        tc_engine__load_incidents(&fx) != 0)
        fx_fail("cannot load the store", NULL);
    if (uv_loop_init(&fx.loop) != 0)
        fx_fail("cannot create the loop", NULL);
    uv_timer_init(&fx.loop, &fx.render_timer);
    fx.render_timer.data = &fx;
    unsigned char hash[TC_SECRET_HASH_LEN];
    tc_secret_hash(FX_KEY, hash);
    if (tc_store_add_key(fx.store, "fuzzkey", "fuzz", hash, sizeof hash, tc_clock_wall_ms(), err,
                         sizeof err) != 0)
        fx_fail("cannot add the API key", err);
    fx.sched = tc_sched_new(&fx.loop, tc_engine__on_due, &fx);
    fx.probe_env.loop = &fx.loop;
    fx.probe_env.push_state = tc_engine__push_state;
    fx.probe_env.push_ctx = &fx;
    fx.leading = true; /* one node, as with SQLite */
    tc_engine__start_monitors(&fx, fx.config, NULL, 0, NULL);
    tc_engine__index_feeds(&fx);
    tc_engine__derive_components(&fx);
    fx_up = 1;

    /* A console user with a session. The password hash uses libsodium's smallest limits, so
     * a fuzzed login with the right password costs little; a wrong name still costs a full
     * hash, and the login rate limit stops those after five a minute. */
    char pw[TC_SECRET_PASSWORD_HASH_LEN], token[TC_SESSION_TOKEN_LEN];
    if (fx_cheap_password_hash(FX_PASSWORD, pw) != 0)
        fx_fail("cannot hash the console password", NULL);
    int64_t now = tc_clock_wall_ms();
    tc_user_t user = {.id = "fxuser", .name = "fx", .role = "admin", .password_hash = pw,
                      .created_at = now, .password_changed_at = now};
    if (tc_store_user_add(fx.store, &user, err, sizeof err) != 0 ||
        tc_engine_session_start(&fx, "fxuser", token, err, sizeof err) != 0)
        fx_fail("cannot add the console user", err);
    tc_user_t seen;
    if (tc_engine_session_user(&fx, token, &seen, fx_csrf) != 0)
        fx_fail("the console session does not work", NULL);
    tc_engine_user_clear(&seen);
    snprintf(fx_cookie, sizeof fx_cookie, "tocsin_session=%s", token);

    baseline("POST", "/v1/pages/" FX_PAGE "/incidents",
             "{\"incident\":{\"name\":\"Database slow\",\"status\":\"identified\",\"body\":"
             "\"Queries **time out**.\",\"components\":{\"db\":\"degraded_performance\"}}}",
             0, NULL, fx_ids[0], fx_ids[1]);
    baseline("POST", "/v1/pages/" FX_PAGE "/incidents",
             "{\"incident\":{\"name\":\"Upgrade\",\"status\":\"scheduled\",\"scheduled_for\":"
             "\"2030-01-01T00:00:00Z\",\"scheduled_until\":\"2030-01-01T02:00:00Z\","
             "\"component_ids\":[\"api\"]}}",
             0, NULL, fx_ids[2], NULL);
    baseline("POST", "/api/v2/subscribers", "{\"subscriber\":{\"email\":\"a@example.test\"}}", 1,
             "subscriber", fx_ids[3], NULL);
}

const char *fx_last_reply(void)
{
    return fx__last_reply ? fx__last_reply : "";
}

const char *fx_incident_id(void)
{
    return fx_ids[0];
}

const char *fx_update_id(void)
{
    return fx_ids[1];
}

const char *fx_maintenance_id(void)
{
    return fx_ids[2];
}

const char *fx_subscriber_id(void)
{
    return fx_ids[3];
}

const char *fx_unsubscribe_token(void)
{
    /* engine/subscribers.c keeps its signing key in the store's settings. */
    static char token[128];
    char *key = NULL, err[256];
    if (tc_store_setting(fx.store, "unsubscribe_key", "unused", &key, err, sizeof err) != 0)
        fx_fail("cannot read the unsubscribe key", err);
    tc_secret_sign(key, "unsubscribe", fx_ids[3], token, sizeof token);
    free(key);
    return token;
}

/* A reply must be what a client can read: JSON that parses (an object or a list), with an
 * "error" string when the status says something went wrong; or an HTML page. */
static void check_reply(const tc_http_request_t *req)
{
    if (!req->answered)
        fx_fail("a request was never answered", req->path);
    if (req->status < 200 || req->status > 599)
        fx_fail("a reply has an impossible status", req->path);
    if (req->html) {
        if (req->reply[0] != '<')
            fx_fail("an HTML reply is not HTML", req->reply);
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loads(req->reply, 0, &jerr);
    if (!doc)
        fx_fail("a reply is not JSON", req->reply);
    if (req->status >= 400 && !json_is_string(json_object_get(doc, "error"))) {
        fprintf(stderr, "fixture: %s %s -> %u %s\n", req->method, req->path, req->status,
                req->reply);
        fx_fail("an error reply has no \"error\" message", NULL);
    }
    json_decref(doc);
}

unsigned fx_request(const fx_request_t *r, int subscribers)
{
    tc_http_request_t req = {0};
    req.method = r->method;
    req.content_type = r->content_type;
    int console = strncmp(r->path, "/admin", 6) == 0;
    req.authorization = subscribers || console ? NULL : "OAuth " FX_KEY;
    if (console) {
        req.cookie = fx_cookie;
        req.origin = "http://" FX_HOST;
    }
    req.client = r->client ? r->client : "127.0.0.1";
    const char *q = strchr(r->path, '?');
    req.path = q ? tc_strndup(r->path, (size_t)(q - r->path)) : tc_strdup(r->path);
    if (q) {
        req.args = tc_strdup(q + 1);
        req.args_len = strlen(req.args);
        for (char *p = req.args; *p; p++)
            if (*p == '&')
                *p = '\0';
    }
    /* In a console form, {c} stands for the session's CSRF token. */
    tc_buf_t body;
    tc_buf_init(&body, 0);
    for (size_t i = 0; i < r->body_len; i++) {
        if (console && i + 3 <= r->body_len && memcmp(r->body + i, "{c}", 3) == 0) {
            tc_buf_puts(&body, fx_csrf);
            i += 2;
        } else {
            tc_buf_append(&body, r->body + i, 1);
        }
    }
    req.body_len = body.len;
    req.body = tc_buf_steal(&body, NULL);
    if (!req.body)
        req.body = tc_strdup("");
    (void)subscribers; /* one route table answers both; the key is only sent for /v1/ */
    if (console) {
        tc_admin_handle(&fx, &req);
        /* A login (or a new password) is answered after its hashing, which runs on libuv's
         * pool, and "check now" when its run ends; the loop runs for them alone (the fixture
         * never renders, so the render timer a write armed is stopped first). */
        uv_timer_stop(&fx.render_timer);
        while (!req.answered && (fx.background > 0 || fx.in_flight > 0))
            uv_run(&fx.loop, UV_RUN_ONCE);
    } else {
        tc_api_handle(&fx, &req);
    }
    check_reply(&req);
    /* FX_TRACE=1 shows each exchange, to check what a seed reaches. */
    if (getenv("FX_TRACE"))
        fprintf(stderr, "fixture: %s %s -> %u %.300s\n", req.method, req.path, req.status,
                req.reply);
    free(fx__last_reply);
    fx__last_reply = req.reply;
    free(req.path);
    free(req.args);
    free(req.body);
    return req.status;
}
