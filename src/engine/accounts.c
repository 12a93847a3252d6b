/* The console's people on the engine thread: sessions (found by the hash of their token,
 * ended by idle and absolute expiry, by logout, or with their user), the audit log, and
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
