/* The console's people on the engine thread: users, sessions (found by the hash of their
 * token, ended by idle and absolute expiry, by logout, or with their user), API keys (only
 * their hashes are stored; a key's name is what the audit log records), the audit log, and
 * background work for what would stall the loop (checking an Argon2id hash). The rules of
 * logging in (rate limits, CSRF, cookies) are admin/'s; this file only keeps the records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "engine/engine_int.h"
#include "subscribe/subscribe.h"

#define MODULE "engine"
#define TOUCH_MS 60000 /* a session's last use is written at most once a minute */

int tc_engine_session_user(tc_engine_t *d, const char *token, tc_user_t *user,
                           char csrf[TC_SESSION_CSRF_LEN])
{
    memset(user, 0, sizeof *user);
    unsigned char hash[TC_SECRET_HASH_LEN];
    tc_secret_hash(token, hash);
    tc_session_t sess;
    if (tc_store_session_get(d->store, hash, sizeof hash, &sess) != 0)
        return TC_ENOENT;
    int64_t now = tc_clock_wall_ms();
    int rc = TC_ENOENT;
    if (now - sess.created_at < TC_SESSION_MAX_MS && now - sess.seen_at < TC_SESSION_IDLE_MS &&
        tc_store_user_by_id(d->store, sess.user_id, user) == 0) {
        snprintf(csrf, TC_SESSION_CSRF_LEN, "%s", sess.csrf);
        if (now - sess.seen_at >= TOUCH_MS)
            tc_store_session_touch(d->store, hash, sizeof hash, now);
        rc = 0;
    } else {
        /* Expired: gone for good, and with it any others past their time. */
        tc_store_session_delete(d->store, hash, sizeof hash);
        tc_store_sessions_prune(d->store, now - TC_SESSION_MAX_MS, now - TC_SESSION_IDLE_MS);
    }
    tc_store_session_clear(&sess);
    return rc;
}

int tc_engine_session_start(tc_engine_t *d, const char *user_id,
                            char token[TC_SESSION_TOKEN_LEN], char *err, size_t errlen)
{
    char csrf[TC_SESSION_CSRF_LEN];
    unsigned char hash[TC_SECRET_HASH_LEN];
    tc_secret_random_token(token, TC_SESSION_TOKEN_LEN, 32);
    tc_secret_random_token(csrf, sizeof csrf, 32);
    tc_secret_hash(token, hash);
    return tc_store_session_add(d->store, hash, sizeof hash, user_id, csrf, tc_clock_wall_ms(),
                                err, errlen);
}

void tc_engine_session_end(tc_engine_t *d, const char *token)
{
    unsigned char hash[TC_SECRET_HASH_LEN];
    tc_secret_hash(token, hash);
    tc_store_session_delete(d->store, hash, sizeof hash);
}

/* Login attempts per key (a client address, or a hash of a user name) over a sliding
 * minute: each slot keeps the times of the key's latest LOGIN_BURST attempts, so "more than
 * LOGIN_BURST within any 60 s" is one comparison, with no edge where a fixed window would
 * let twice the burst through. Slots are reused oldest-first, so memory stays bounded. */
#define LOGIN_SLOTS 512
#define LOGIN_BURST 5

typedef struct login_slot {
    char key[72];
    int64_t at[LOGIN_BURST]; /* ring of attempt times, wall ms */
    unsigned next;           /* where the next attempt goes */
    int64_t last;
} login_slot_t;

struct tc_login_limits {
    login_slot_t slots[LOGIN_SLOTS];
};

static bool limited(struct tc_login_limits *l, const char *key, int64_t now)
{
    login_slot_t *s = NULL, *oldest = &l->slots[0];
    for (size_t i = 0; i < LOGIN_SLOTS && !s; i++) {
        if (strcmp(l->slots[i].key, key) == 0)
            s = &l->slots[i];
        else if (l->slots[i].last < oldest->last)
            oldest = &l->slots[i];
    }
    if (!s) {
        s = oldest;
        memset(s, 0, sizeof *s);
        snprintf(s->key, sizeof s->key, "%s", key);
    }
    /* The slot about to be overwritten holds the attempt LOGIN_BURST attempts ago. */
    bool over = s->at[s->next] && now - s->at[s->next] < 60000;
    s->at[s->next] = now;
    s->next = (s->next + 1) % LOGIN_BURST;
    s->last = now;
    return over;
}

bool tc_engine_login_limited(tc_engine_t *d, const char *client, const char *name)
{
    if (!d->logins)
        d->logins = tc_calloc(1, sizeof *d->logins);
    /* Keys are prefixed so an address and a name never share a slot; the name is hashed so
     * its length and bytes do not matter. IPv6 clients count per /64 (one host usually holds
     * a whole /64). */
    char addr[72], user[72], hex[2 * TC_SECRET_HASH_LEN + 1];
    tc_subscribe_limit_key(client, addr + 2, sizeof addr - 2);
    addr[0] = 'a';
    addr[1] = ':';
    tc_secret_hash_hex(name, hex);
    snprintf(user, sizeof user, "u:%s", hex);
    int64_t now = tc_clock_wall_ms();
    bool a = limited(d->logins, addr, now);
    bool b = limited(d->logins, user, now);
    return a || b;
}

void tc_engine__accounts_free(tc_engine_t *d)
{
    free(d->logins);
    d->logins = NULL;
}

bool tc_engine_console_secure_cookie(tc_engine_t *d)
{
    return d->config->admin.secure_cookie;
}

int tc_engine_user_by_name(tc_engine_t *d, const char *name, tc_user_t *out)
{
    return tc_store_user_by_name(d->store, name, out);
}

void tc_engine_user_clear(tc_user_t *u)
{
    tc_store_user_clear(u);
}

bool tc_engine_user_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-' || *p == '@'))
            return false;
    return true;
}

int tc_engine_users(tc_engine_t *d, tc_user_t **out, size_t *n, char *err, size_t errlen)
{
    return tc_store_users(d->store, out, n, err, errlen);
}

void tc_engine_users_free(tc_user_t *users, size_t n)
{
    tc_store_users_free(users, n);
}

int tc_engine_user_add(tc_engine_t *d, const char *name, const char *role,
                       const char *password_hash, char *err, size_t errlen)
{
    if (!tc_engine_user_name_ok(name)) {
        snprintf(err, errlen, "a user name has 1-64 letters, digits, '.', '_', '-' or '@'");
        return TC_EINVAL;
    }
    if (strcmp(role, "admin") != 0 && strcmp(role, "editor") != 0) {
        snprintf(err, errlen, "the role is admin or editor");
        return TC_EINVAL;
    }
    char id[13];
    tc_secret_random_hex(id, 6);
    int64_t now = tc_clock_wall_ms();
    tc_user_t u = {.id = id, .name = (char *)name, .role = (char *)role,
                   .password_hash = (char *)password_hash, .created_at = now,
                   .password_changed_at = now};
    return tc_store_user_add(d->store, &u, err, errlen);
}

int tc_engine_user_remove(tc_engine_t *d, const char *name, char *err, size_t errlen)
{
    return tc_store_user_remove(d->store, name, err, errlen);
}

int tc_engine_user_set_password(tc_engine_t *d, const char *name, const char *password_hash,
                                char *err, size_t errlen)
{
    return tc_store_user_set_password(d->store, name, password_hash, tc_clock_wall_ms(), err,
                                      errlen);
}

/* ---- API keys ---- */

int tc_engine_key_name(tc_engine_t *d, const char *key, char *name, size_t namelen)
{
    unsigned char hash[TC_SECRET_HASH_LEN];
    tc_secret_hash(key, hash);
    return tc_store_key_name(d->store, hash, sizeof hash, name, namelen);
}

int tc_engine_key_create(tc_engine_t *d, const char *name, char key[TC_SECRET_KEY_LEN],
                         char id[13], char *err, size_t errlen)
{
    size_t len = strlen(name);
    if (len == 0 || len > TC_KEY_NAME_MAX || !tc_utf8_valid(name, len)) {
        snprintf(err, errlen, "a key's name has 1 to %d bytes of text", TC_KEY_NAME_MAX);
        return TC_EINVAL;
    }
    unsigned char hash[TC_SECRET_HASH_LEN];
    tc_secret_new_key(key);
    tc_secret_hash(key, hash);
    tc_secret_random_hex(id, 6);
    int rc = tc_store_add_key(d->store, id, name, hash, sizeof hash, tc_clock_wall_ms(), err,
                              errlen);
    if (rc)
        memset(key, 0, TC_SECRET_KEY_LEN);
    return rc;
}

typedef struct key_list {
    tc_key_info_t *keys;
    size_t n, cap;
} key_list_t;

static void collect_key(void *ctx, const char *id, const char *name, int64_t created,
                        int64_t revoked)
{
    key_list_t *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->keys = tc_realloc(l->keys, l->cap * sizeof *l->keys);
    }
    l->keys[l->n++] = (tc_key_info_t){tc_strdup(id), tc_strdup(name), created, revoked};
}

int tc_engine_keys(tc_engine_t *d, tc_key_info_t **out, size_t *n, char *err, size_t errlen)
{
    key_list_t l = {0};
    int rc = tc_store_each_key(d->store, collect_key, &l, err, errlen);
    *out = l.keys;
    *n = l.n;
    return rc;
}

void tc_engine_keys_free(tc_key_info_t *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(keys[i].id);
        free(keys[i].name);
    }
    free(keys);
}

int tc_engine_key_revoke(tc_engine_t *d, const char *id, char *err, size_t errlen)
{
    return tc_store_revoke_key(d->store, id, tc_clock_wall_ms(), err, errlen);
}

/* ---- the audit log ---- */

void tc_engine_audit(tc_engine_t *d, const char *actor, const char *action, const char *target,
                     const char *detail)
{
    char err[256];
    tc_audit_t a = {.at = tc_clock_wall_ms(), .actor = (char *)actor, .action = (char *)action,
                    .target = (char *)target, .detail = (char *)detail};
    if (tc_store_audit_add(d->store, &a, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "audit log: %s", err);
}

int tc_engine_audit_list(tc_engine_t *d, size_t offset, size_t limit, tc_audit_t **out,
                         size_t *n, char *err, size_t errlen)
{
    return tc_store_audit_list(d->store, offset, limit, out, n, err, errlen);
}

void tc_engine_audit_free(tc_audit_t *lines, size_t n)
{
    tc_store_audit_free(lines, n);
}

/* ---- background work ---- */

typedef struct job {
    uv_work_t req;
    tc_engine_t *d;
    void (*work)(void *arg);
    void (*done)(tc_engine_t *e, void *arg);
    void *arg;
} job_t;

static void job_work(uv_work_t *w)
{
    job_t *j = w->data;
    j->work(j->arg);
}

static void job_done(uv_work_t *w, int status)
{
    (void)status; /* jobs are never cancelled: their requests wait for an answer */
    job_t *j = w->data;
    j->d->background--;
    j->done(j->d, j->arg);
    free(j);
}

void tc_engine_in_background(tc_engine_t *d, void (*work)(void *arg),
                             void (*done)(tc_engine_t *e, void *arg), void *arg)
{
    job_t *j = tc_calloc(1, sizeof *j);
    j->d = d;
    j->work = work;
    j->done = done;
    j->arg = arg;
    j->req.data = j;
    d->background++;
    if (uv_queue_work(&d->loop, &j->req, job_work, job_done) != 0) {
        /* Only fails for a closing loop; run it here rather than lose the request. */
        d->background--;
        work(arg);
        done(d, arg);
        free(j);
    }
}
