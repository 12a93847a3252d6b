/* Typed commands: what the write API (and, later, the console) asks the engine to do, in the
 * engine's own terms. src/api/ decodes and checks a request's shape into one of these; the
 * engine checks it against its state (components that exist, statuses that fit), applies it
 * whole or not at all, stores it durably, and hands back the result. Commands run on the
 * engine thread only.
 *
 * Ownership: a command borrows every string and array it points to (they belong to the
 * request being handled). Records handed out (subscribers, deliveries) are the store's plain
 * structs; callers release them through the tc_engine_*_free/clear functions here, so
 * nothing above the engine calls the store. Incidents returned through @p out stay owned by the engine and are
 * valid until the next command. Errors are TC_E* codes with a sentence in @p err:
 * TC_ENOENT (no such incident/update/component), TC_EINVAL (the command does not fit the
 * state), TC_ESTORE (the store refused the write; nothing changed). */
#ifndef TC_ENGINE_COMMAND_H
#define TC_ENGINE_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/secret.h" /* TC_SECRET_KEY_LEN */
#include "incident/coverage.h"
#include "incident/incident.h"
#include "incident/recurrence.h"
#include "store/store.h" /* the records (outbox, subscriber, user, audit), nothing else */
#include "web/view.h"

typedef struct tc_engine tc_engine_t; /* the engine (engine_int.h), opaque here */

/* One entry of an incident's components map: the status it sets on component @p id. */
typedef struct tc_cmd_component {
    const char *id;
    tc_status_t status;
} tc_cmd_component_t;

/* Create or change an incident or maintenance. Unset fields leave things as they are. */
typedef struct tc_incident_cmd {
    const char *name;                    /* NULL: unchanged (required to create) */
    bool has_status;
    tc_incident_status_t status;
    const char *body;                    /* Markdown of the update to add, or NULL */
    bool has_impact_override;
    int impact_override;                 /* a tc_impact_t, or -1 to clear */
    const tc_cmd_component_t *components; /* statuses the incident sets */
    size_t ncomponents;
    const char *const *covered;          /* component_ids: named without a status */
    size_t ncovered;
    int deliver_notifications;           /* -1 unset, else 0/1 */
    int backfilled;                      /* -1 unset */
    int auto_in_progress, auto_completed; /* -1 unset */
    int remind_prior;                    /* maintenance: remind subscribers an hour before
                                            it starts; -1 unset */
    int64_t created_at, display_at, started_at; /* wall ms; 0 unset */
    int64_t scheduled_for, scheduled_until;     /* wall ms; 0 unset */
    const char *author;                  /* the console user posting it, or NULL */
} tc_incident_cmd_t;

/** An empty command: every field unset. */
void tc_incident_cmd_init(tc_incident_cmd_t *cmd);

/** The incident with id @p id, or NULL. */
const tc_incident_t *tc_engine_incident(tc_engine_t *e, const char *id);

/** Open an incident or (with scheduled times or a maintenance status) a maintenance. */
int tc_engine_incident_create(tc_engine_t *e, const tc_incident_cmd_t *cmd,
                              const tc_incident_t **out, char *err, size_t errlen);
/** Change incident @p id: a new status, body or component change adds an update. */
int tc_engine_incident_patch(tc_engine_t *e, const char *id, const tc_incident_cmd_t *cmd,
                             const tc_incident_t **out, char *err, size_t errlen);
/** Delete incident @p id; *@p out receives it, now owned by the caller (tc_incident_free). */
int tc_engine_incident_delete(tc_engine_t *e, const char *id, tc_incident_t **out, char *err,
                              size_t errlen);

/* Edit an update that exists. */
typedef struct tc_update_cmd {
    const char *body;          /* NULL: unchanged */
    int64_t display_at;        /* 0: unchanged */
    int deliver_notifications; /* -1: unchanged */
} tc_update_cmd_t;

int tc_engine_update_edit(tc_engine_t *e, const char *id, const char *update_id,
                          const tc_update_cmd_t *cmd, const tc_incident_t **out, char *err,
                          size_t errlen);

/** Write the post-mortem draft (Markdown) of incident @p id. */
int tc_engine_postmortem_write(tc_engine_t *e, const char *id, const char *body,
                               const tc_incident_t **out, char *err, size_t errlen);
/** Publish it: a resolved incident moves to "postmortem". TC_EINVAL when none is written. */
int tc_engine_postmortem_publish(tc_engine_t *e, const char *id, const tc_incident_t **out,
                                 char *err, size_t errlen);
/** Remove it (a "postmortem" incident goes back to "resolved"). */
int tc_engine_postmortem_delete(tc_engine_t *e, const char *id, const tc_incident_t **out,
                                char *err, size_t errlen);

/** Set component @p id's status by hand (@p status NULL: give it back to its monitors and
 *  incidents). TC_EINVAL for a group. */
int tc_engine_component_set(tc_engine_t *e, const char *id, const tc_status_t *status,
                            char *err, size_t errlen);

/* ---- subscriptions ---- */

/* Subscribe an e-mail address (double opt-in) or a webhook (active at once). */
typedef struct tc_subscribe_cmd {
    const char *email;             /* exactly one of email and endpoint */
    const char *endpoint;
    const char *const *components; /* ids to follow; NULL for the whole page */
    size_t ncomponents;
    const char *client;            /* the requester's address, for the rate limit */
} tc_subscribe_cmd_t;

/** Subscribe. *@p shown is filled from the request alone (a fresh or the stored id, never
 *  the stored state): whether an address was subscribed is nobody's business but its
 *  owner's. Free it with tc_engine_subscriber_clear().
 *  @return 0; TC_EAGAIN over the rate limit; TC_EINVAL for a request that does not fit
 *  (address, components, no e-mail channel); TC_ESTORE. */
int tc_engine_subscribe(tc_engine_t *e, const tc_subscribe_cmd_t *cmd, tc_subscriber_t *shown,
                        char *err, size_t errlen);
/** Follow confirmation link @p token. @return 0, TC_EINVAL (not a token), TC_ENOENT (used or
 *  replaced), TC_ESTORE. */
int tc_engine_subscription_confirm(tc_engine_t *e, const char *token, char *err, size_t errlen);
/** The subscription unsubscribe link @p token names (TC_ENOENT when none). */
int tc_engine_subscription_of(tc_engine_t *e, const char *token, tc_subscriber_t *out);
/** Unsubscribe through link @p token (done already is not an error). @return 0, TC_ENOENT,
 *  TC_ESTORE. */
int tc_engine_unsubscribe(tc_engine_t *e, const char *token, char *err, size_t errlen);
/** Release what the subscription commands and queries filled in. */
void tc_engine_subscriber_clear(tc_subscriber_t *s);
void tc_engine_subscribers_free(tc_subscriber_t *subs, size_t n);
/** Every active subscriber; free with tc_engine_subscribers_free(). */
int tc_engine_subscribers(tc_engine_t *e, tc_subscriber_t **out, size_t *n, char *err,
                          size_t errlen);
/** Active subscriber @p id (TC_ENOENT when none or unsubscribed). */
int tc_engine_subscriber(tc_engine_t *e, const char *id, tc_subscriber_t *out);
/** Remove subscriber @p id (*@p out: it, unsubscribed now). */
int tc_engine_subscriber_remove(tc_engine_t *e, const char *id, tc_subscriber_t *out,
                                char *err, size_t errlen);

/* ---- queries ---- */

/** The view of the current state (rows, incidents newest first, the page status), without
 *  uptime or sparklines. Built once per change and shared by every reader (replies,
 *  subscriber messages, the snapshot): borrowed, valid until the next change; its `now` is
 *  the time of this call. */
const tc_view_t *tc_engine_view(tc_engine_t *e);

/** The page id the write API serves under /v1/pages/<id>/. */
const char *tc_engine_page_id(tc_engine_t *e);
/** The page's time zone (the current generation's), for the times in replies. Valid until
 *  the engine next reloads its configuration, so only for the reply being built. */
const tc_zone_t *tc_engine_zone(tc_engine_t *e);
/** @return non-zero when @p key is a valid, unrevoked API key (compared by hash), with the
 *  key's name copied into @p name (for the audit log's "key:NAME"). */
int tc_engine_key_name(tc_engine_t *e, const char *key, char *name, size_t namelen);
/** Deliveries that ran out of retries; free with tc_engine_deliveries_free(). */
int tc_engine_dead_deliveries(tc_engine_t *e, tc_outbox_t **out, size_t *n, char *err,
                              size_t errlen);
/** Deliveries still waiting (next attempt first), with their last error; free likewise. */
int tc_engine_pending_deliveries(tc_engine_t *e, tc_outbox_t **out, size_t *n, char *err,
                                 size_t errlen);
void tc_engine_deliveries_free(tc_outbox_t *msgs, size_t n);
/** Queue dead delivery @p id ("*" for all) again for another retry window.
 *  @return 0, TC_ENOENT, or TC_ESTORE. */
int tc_engine_retry_deliveries(tc_engine_t *e, const char *id, char *err, size_t errlen);

/* ---- recurring maintenance windows (engine/schedules.c) ---- */

/* A weekly window made into a scheduled maintenance ahead of time (a week before it starts),
 * which then starts and completes by itself. Owned by the engine; valid until the next
 * command or reload. */
typedef struct tc_schedule {
    char *id;
    char *name;              /* the maintenance's title */
    char *message;           /* its first update, or NULL for the usual text */
    tc_recurrence_t rule;
    char **components;       /* the components it covers */
    size_t ncomponents;
    bool notify;             /* tell subscribers */
    bool from_config;        /* declared in tocsin.yaml (changed there, not here) */
    int64_t last_start;      /* the latest window made into a maintenance, 0 for none */
} tc_schedule_t;

typedef struct tc_schedule_cmd {
    const char *name;
    const char *message;     /* or NULL */
    tc_recurrence_t rule;
    const char *const *components;
    size_t ncomponents;
    bool notify;
} tc_schedule_cmd_t;

/** Every recurring window, by id. */
const tc_schedule_t *tc_engine_schedules(tc_engine_t *e, size_t *n);
/** Add a recurring window; its windows within the next week become maintenances at once.
 *  @return 0, TC_EINVAL (no day, a bad time or duration, an unknown component) or
 *  TC_ESTORE. */
int tc_engine_schedule_add(tc_engine_t *e, const tc_schedule_cmd_t *cmd,
                           const tc_schedule_t **out, char *err, size_t errlen);
/** Delete recurring window @p id (maintenances already made stay). @return 0, TC_ENOENT,
 *  TC_EINVAL for one declared in tocsin.yaml, TC_ESTORE. */
int tc_engine_schedule_delete(tc_engine_t *e, const char *id, char *err, size_t errlen);

/* ---- what the console shows beyond the public view (engine/console.c) ---- */

/* One monitor as the console shows it. Strings are borrowed from the engine and valid for
 * the request being answered. */
typedef struct tc_monitor_info {
    const char *id, *name, *kind;
    const char *state;          /* "pending" (no result yet), "up", "degraded", "down",
                                   "flapping", "regional" (several locations) */
    const char *failing_from;   /* while regional: the locations failing ("west, south");
                                   "" otherwise */
    const char *confirming;     /* while a failure waits for its confirmation (confirm: true):
                                   the locations asked to run it again; "" otherwise */
    double failure_share;       /* failed share of its last `window` runs */
    int window;                 /* runs in that window */
    int64_t last_at;            /* wall ms of the last run, 0 before the first */
    bool restored;              /* no run yet in this process, but its state comes from the
                                   results stored before it started */
    double last_ms;             /* its response time */
    const char *last_reason;    /* why the last run was not up ("" when it was) */
    unsigned long checks[3];    /* runs by verdict since start: up, degraded, down */
    long interval_ms, timeout_ms;
    int64_t last_failure_at;    /* wall ms of the last run that was not up, 0 when none */
    const char *last_failure;   /* why it was not up */
    bool paused;                /* a person paused it: it does not run or count */
    int64_t paused_at;          /* wall ms */
    const char *paused_by;      /* "user:NAME" */
    bool checking;              /* a run is in flight now */
    char *const *components;    /* ids of the components it feeds */
    size_t ncomponents;
} tc_monitor_info_t;

/* An incident template (incident_templates: in the config), borrowed from the engine for
 * the request being answered. */
typedef struct tc_incident_template {
    const char *id, *name, *message; /* message may be NULL */
    int status;                      /* a tc_incident_status_t, or -1 */
    char *const *components;
    const tc_status_t *component_status;
    size_t ncomponents;
} tc_incident_template_t;

/** The configured incident templates, in config order; free the array (only) with free(). */
void tc_engine_templates(tc_engine_t *e, tc_incident_template_t **out, size_t *n);

/* The coverage report (incident/coverage.h): one row per incident a person opened, and the
 * components no monitor feeds. Rows borrow the engine's incidents: valid until the next
 * command. */
typedef struct tc_coverage_report {
    tc_cover_row_t *rows;          /* owned */
    size_t nrows;
    const char **blind;            /* owned array of borrowed component ids */
    size_t nblind;
} tc_coverage_report_t;

/** What the probes missed among incidents started since @p since (wall ms). */
void tc_engine_coverage(tc_engine_t *e, int64_t since, tc_coverage_report_t *out);
void tc_engine_coverage_free(tc_coverage_report_t *r);

/* Probe self-health (status/vantage.h) as the console shows it. Strings are borrowed from
 * the engine and valid for the request being answered. */
typedef struct tc_vantage_info {
    bool enabled;             /* self_check.enabled */
    const char *state;        /* "healthy", "checking" (most monitors fail at once; the
                                 self-check decides) or "impaired" (it failed too) */
    int64_t since;            /* wall ms the state began; 0: since the start */
    const char *reason;       /* why checking or impaired; "" when healthy */
    const char *self_check;   /* what the last self-check found, part by part; "" before */
    int64_t self_check_at;    /* wall ms it finished, 0 before the first */
    bool self_check_passed;   /* it passed or had nothing to blame */
    unsigned long held;       /* runs not counted since the start */
} tc_vantage_info_t;

/** Where the node's vantage stands (engine/vantage.c). */
void tc_engine_vantage(tc_engine_t *e, tc_vantage_info_t *out);

/** Every configured monitor, in config order; free the array (only) with free(). */
void tc_engine_monitors(tc_engine_t *e, tc_monitor_info_t **out, size_t *n);
/** The status a person set on component @p id (component_set), into @p out.
 *  @return true when there is one. */
bool tc_engine_component_manual(tc_engine_t *e, const char *id, tc_status_t *out);

/** Monitor @p id, as tc_engine_monitors() shows it. @return 0 or TC_ENOENT. */
int tc_engine_monitor(tc_engine_t *e, const char *id, tc_monitor_info_t *out);

/** Pause (@p paused true) or resume monitor @p id; @p actor ("user:NAME") is kept with the
 *  pause. A paused monitor is not scheduled, shows "paused", feeds no component (its
 *  threshold state starts over, from no result, when it is resumed) and raises no alert. The
 *  pause is stored, so it survives a reload and a restart. Pausing a paused monitor, or
 *  resuming a running one, changes nothing. @return 0, TC_ENOENT or TC_ESTORE. */
int tc_engine_monitor_pause(tc_engine_t *e, const char *id, bool paused, const char *actor,
                            char *err, size_t errlen);

/* What one "check now" run measured, as `tocsin probe` prints it. Borrowed: valid during the
 * callback only. */
typedef struct tc_check_report {
    const char *monitor_id;
    bool canceled;            /* the run was stopped (a reload or a shutdown): nothing else
                                 is set */
    bool counted;             /* it counted as the monitor's next result (not paused) */
    const char *verdict;      /* "up", "degraded" or "down" */
    const char *reason;       /* why not up ("" when up) */
    const char *error;        /* the transport's error, "" when none */
    bool connected;
    const char *ip;           /* address connected to, "" when none */
    int status_code;          /* HTTP status, 0 when none */
    double dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms; /* phase end times */
    double cert_days;         /* days until the certificate expires; < 0 when unknown */
    const char *body;         /* the start of the response body, "" when none */
    size_t body_len;          /* its whole length */
    const char *details;      /* the kind's own lines (each step of a transaction), or "" */
    const char *conditions;   /* "PASS|FAIL  condition  (actual values)" lines, or "" */
} tc_check_report_t;

typedef void (*tc_engine_check_fn)(tc_engine_t *e, const tc_check_report_t *report, void *arg);

/** Run monitor @p id once now (or, when a run is in flight, wait for that one), without
 *  stalling the loop; @p done is called on the engine thread when the run ends, exactly once
 *  unless this returns an error. The result counts like a scheduled run's unless the monitor
 *  is paused. @return 0 or TC_ENOENT (no such monitor), TC_EAGAIN (too many runs in flight),
 *  TC_EIO (the run could not start). */
int tc_engine_monitor_check(tc_engine_t *e, const char *id, tc_engine_check_fn done, void *arg,
                            char *err, size_t errlen);

/** Does subscriber @p s follow component @p component_id (or the whole page)? */
bool tc_engine_subscriber_follows(const tc_subscriber_t *s, const char *component_id);

/** How many confirmed subscribers an incident on @p ids (all of them when @p n is 0) would
 *  notify (@p reach), and how many there are (@p all), from one read of the subscribers. */
void tc_engine_recipients(tc_engine_t *e, const char *const *ids, size_t n, size_t *reach,
                          size_t *all);
/** Outbox messages by state: pending, delivered, dead. */
void tc_engine_delivery_counts(tc_engine_t *e, long counts[3]);

/* ---- the console's people, sessions and audit log (engine/accounts.c) ---- */

#define TC_SESSION_TOKEN_LEN 44                    /* 256 random bits, base64url, NUL */
#define TC_SESSION_CSRF_LEN 44
#define TC_SESSION_IDLE_MS (12 * 3600 * 1000LL)    /* a session unused this long ends */
#define TC_SESSION_MAX_MS (7 * 24 * 3600 * 1000LL) /* and every session ends this long after
                                                      the login, used or not */

/** The user of session @p token while the session is valid (it exists, and neither expiry
 *  has passed), with the session's CSRF token in @p csrf; marks the session as used.
 *  Release @p user with tc_engine_user_clear(). @return 0 or TC_ENOENT. */
int tc_engine_session_user(tc_engine_t *e, const char *token, tc_user_t *user,
                           char csrf[TC_SESSION_CSRF_LEN]);
/** Start a session for user @p user_id: its token (for the cookie) into @p token.
 *  @return 0 or TC_ESTORE. */
int tc_engine_session_start(tc_engine_t *e, const char *user_id,
                            char token[TC_SESSION_TOKEN_LEN], char *err, size_t errlen);
/** End session @p token (logout). Unknown tokens are ignored. */
void tc_engine_session_end(tc_engine_t *e, const char *token);
/** Count a login attempt from client address @p client for user name @p name. @return true
 *  when either made 5 attempts in the 60 s before this one: refuse it then, without checking
 *  the password. */
bool tc_engine_login_limited(tc_engine_t *e, const char *client, const char *name);
/** Should the session cookie be marked Secure (config admin.secure_cookie)? */
bool tc_engine_console_secure_cookie(tc_engine_t *e);
/** The user named @p name. @return 0, TC_ENOENT or TC_ESTORE. */
int tc_engine_user_by_name(tc_engine_t *e, const char *name, tc_user_t *out);
void tc_engine_user_clear(tc_user_t *u);

/** Names a person can log in with: 1-64 letters, digits, '.', '_', '-', '@'. */
bool tc_engine_user_name_ok(const char *name);
#define TC_PASSWORD_MIN 8    /* bytes of a console password */
#define TC_PASSWORD_MAX 1024

/** Every user, by name; free with tc_engine_users_free(). */
int tc_engine_users(tc_engine_t *e, tc_user_t **out, size_t *n, char *err, size_t errlen);
void tc_engine_users_free(tc_user_t *users, size_t n);
/** Add user @p name with @p role ("admin" or "editor") and @p password_hash (made by
 *  tc_secret_password_hash(), in the background). @return 0, TC_EINVAL (name or role),
 *  TC_EEXIST (the name is taken) or TC_ESTORE. */
int tc_engine_user_add(tc_engine_t *e, const char *name, const char *role,
                       const char *password_hash, char *err, size_t errlen);
/** Remove user @p name; their sessions end with them. @return 0, TC_ENOENT or TC_ESTORE. */
int tc_engine_user_remove(tc_engine_t *e, const char *name, char *err, size_t errlen);
/** Give user @p name a new password hash; every session of theirs ends.
 *  @return 0, TC_ENOENT or TC_ESTORE. */
int tc_engine_user_set_password(tc_engine_t *e, const char *name, const char *password_hash,
                                char *err, size_t errlen);

/* An API key as listed (never the key itself: only its hash is stored). */
typedef struct tc_key_info {
    char *id, *name;
    int64_t created_at, revoked_at; /* wall ms; revoked_at 0 while it works */
} tc_key_info_t;

#define TC_KEY_NAME_MAX 100 /* bytes of a key's name */

/** Create an API key named @p name (1-100 bytes of UTF-8). The key, shown to its maker once
 *  and stored only as a hash, goes to @p key, its id to @p id.
 *  @return 0, TC_EINVAL (the name) or TC_ESTORE. */
int tc_engine_key_create(tc_engine_t *e, const char *name, char key[TC_SECRET_KEY_LEN],
                         char id[13], char *err, size_t errlen);
/** Every key, oldest first; free with tc_engine_keys_free(). */
int tc_engine_keys(tc_engine_t *e, tc_key_info_t **out, size_t *n, char *err, size_t errlen);
void tc_engine_keys_free(tc_key_info_t *keys, size_t n);
/** Revoke key @p id: it stops working at once. @return 0, TC_ENOENT or TC_ESTORE. */
int tc_engine_key_revoke(tc_engine_t *e, const char *id, char *err, size_t errlen);

/** Record in the audit log that @p actor ("user:NAME", "key:NAME") did @p action on
 *  @p target; @p detail is a short sentence. A failure to record is logged, not returned:
 *  the change it describes has happened. */
void tc_engine_audit(tc_engine_t *e, const char *actor, const char *action, const char *target,
                     const char *detail);
/** The latest audit lines, newest first; free with tc_engine_audit_free(). */
int tc_engine_audit_list(tc_engine_t *e, size_t offset, size_t limit, tc_audit_t **out,
                         size_t *n, char *err, size_t errlen);
void tc_engine_audit_free(tc_audit_t *lines, size_t n);

/** Run @p work(@p arg) on a worker thread, then @p done(@p e, @p arg) on the engine thread.
 *  For CPU-bound work that must not stall the loop (checking a password hash); @p work must
 *  touch nothing of the engine's. The engine waits for pending work before it stops. */
void tc_engine_in_background(tc_engine_t *e, void (*work)(void *arg),
                             void (*done)(tc_engine_t *e, void *arg), void *arg);

#endif
