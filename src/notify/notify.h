/* Notifications: alert channels (webhook, Slack, Discord, Teams, PagerDuty, e-mail), the
 * events they are told about, and the delivery worker that sends the durable outbox.
 *
 * Flow: the engine turns an event into one outbox message per target with
 * tc_notify_format(), writes them to the store in the same transaction as the event, and
 * kicks the worker; the worker takes due messages through the outbox interface the engine
 * gives it (tc_notify_ops_t: notify never sees the store), sends them with libcurl on the
 * engine's loop, marks them delivered, or retries with exponential backoff and jitter until
 * they expire (dead). Every delivery carries its message id as X-Tocsin-Event-Id, so
 * receivers can drop duplicates after a crash between sending and marking. */
#ifndef TC_NOTIFY_H
#define TC_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status/rollup.h"

typedef struct tc_notify_type tc_notify_type_t;
typedef struct tc_notify tc_notify_t;
typedef struct tc_curl tc_curl_t;
typedef struct uv_loop_s uv_loop_t;
typedef struct tc_zone tc_zone_t;

/* A configured channel. Immutable; owned by the config generation. */
typedef struct tc_channel_cfg {
    char *id;
    const tc_notify_type_t *type; /* static descriptor of the kind */
    char *url;          /* webhook/slack/discord/teams endpoint, PagerDuty events URL, or
                           smtp(s)://host:port for e-mail; may hold a secret: never logged */
    char *secret;       /* webhook: HMAC-SHA256 key for X-Tocsin-Signature; NULL for none */
    char *routing_key;  /* pagerduty */
    char *username, *password; /* e-mail (SMTP auth); NULL for none */
    char *from;         /* e-mail sender */
    char **to;          /* e-mail recipients */
    size_t nto;
} tc_channel_cfg_t;

typedef enum {
    TC_EVENT_DOWN,      /* a monitor went down */
    TC_EVENT_DEGRADED,  /* a monitor became degraded */
    TC_EVENT_RECOVERED, /* a monitor is up again */
    TC_EVENT_REMINDER,  /* still down */
    TC_EVENT_FLAPPING,  /* a monitor started flapping: its alerts are held until it is stable */
    TC_EVENT_STABLE,    /* a monitor stopped flapping; new_state says how it is now */
    TC_EVENT_REGIONAL,  /* a monitor fails from some locations, fewer than its quorum */
} tc_event_kind_t;

/* Bits for a rule's `on:` list. TC_ON_FLAPPING selects both the flapping and the stable-again
 * alert. */
#define TC_ON_DOWN (1u << TC_EVENT_DOWN)
#define TC_ON_DEGRADED (1u << TC_EVENT_DEGRADED)
#define TC_ON_RECOVERED (1u << TC_EVENT_RECOVERED)
#define TC_ON_FLAPPING (1u << TC_EVENT_FLAPPING)
#define TC_ON_REGIONAL (1u << TC_EVENT_REGIONAL)

/* One monitor → channel rule. */
typedef struct tc_alert_cfg {
    char *channel;      /* channel id */
    unsigned on;        /* TC_ON_* bits; default down, recovered and flapping */
    long remind_ms;     /* 0: no reminders */
} tc_alert_cfg_t;

/* A component an event is about. */
typedef struct tc_event_component {
    const char *id;
    const char *name;
    tc_status_t old_status, new_status;
} tc_event_component_t;

/* What happened; all strings borrowed for the duration of tc_notify_format(). */
typedef struct tc_notify_event {
    const char *id;           /* the message id (X-Tocsin-Event-Id) */
    tc_event_kind_t kind;
    int64_t at;               /* wall ms */
    const tc_zone_t *zone;    /* the page's zone, for the times in payloads; NULL is UTC */
    const char *page_id, *page_name, *page_url;
    const char *monitor_id, *monitor_name, *monitor_kind;
    const char *old_state, *new_state; /* "pending", "up", "degraded", "down", "flapping" */
    const char *reason;       /* why (the failed condition or error); "" when up */
    int status_code;          /* last result, 0 when none */
    double response_ms;
    const tc_event_component_t *components;
    size_t ncomponents;
    const char *incident_id, *incident_name; /* the monitor's open incident, or NULL */
} tc_notify_event_t;

/** @return the kind named @p name, or NULL; tc_notify_type_list() names them all. */
const tc_notify_type_t *tc_notify_find_type(const char *name);
const char *tc_notify_type_list(void);
const char *tc_notify_type_name(const tc_notify_type_t *t);
/** @return "monitor.down", "monitor.degraded", "monitor.recovered", "monitor.reminder",
 *  "monitor.flapping", "monitor.stable" or "monitor.regional". */
const char *tc_event_kind_name(tc_event_kind_t k);

/** Format @p e for channel @p ch. Pure. @return a malloc'd payload the caller frees. */
char *tc_notify_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e);

/* An e-mail message to build with tc_notify_mail(); all strings borrowed. */
typedef struct tc_mail {
    const char *from;
    const char *from_name;    /* display name for From (the page's name), or NULL */
    const char *const *to;
    size_t nto;
    const char *subject;      /* line breaks are replaced by spaces */
    const char *text, *html;  /* the two parts of the multipart/alternative body */
    const char *id;           /* the message id (Message-ID, X-Tocsin-Event-Id, boundary) */
    int64_t at;               /* wall ms, for the Date header */
    const tc_zone_t *zone;    /* the zone the Date header is written in; NULL is UTC */
    const char *unsubscribe;  /* URL for List-Unsubscribe, or NULL */
} tc_mail_t;

/** The whole message (headers and a text + HTML body), as the e-mail channel sends it.
 *  Pure. @return a malloc'd text the caller frees. */
char *tc_notify_mail(const tc_mail_t *m);

#define TC_NOTIFY_ERR_LEN 256
/** Check a subscriber webhook URL: http or https, a host, no user name or password, and
 *  unless @p allow_private, a host that is not a loopback, private, link-local or otherwise
 *  non-public IP literal nor "localhost". Host names are accepted here (resolving them would
 *  block); the worker checks the address it actually connects to at delivery time.
 *  @return 0, or TC_EINVAL with a message for the subscriber in @p err. */
int tc_notify_check_url(const char *url, bool allow_private, char *err, size_t errlen);

/** Release what a channel definition owns (not the struct). */
void tc_channel_cfg_clear(tc_channel_cfg_t *ch);

/* ---- the delivery worker ---- */

/* One queued message, as the worker sends it. The strings are malloc'd and the worker owns
 * them once tc_notify_ops_t.due handed the message over. */
typedef struct tc_notify_msg {
    char *id;           /* the idempotency key, sent as X-Tocsin-Event-Id (and Message-ID) */
    char *target;       /* channel id, or "subscriber:<id>" */
    char *kind;         /* webhook, slack, discord, teams, pagerduty, email */
    char *url;          /* subscribers only: webhook URL or mailto:<address>; else NULL */
    char *payload;      /* the body to send */
    int64_t expires_at; /* wall ms: a retry that would fall after it makes the message dead */
    int attempts;       /* attempts made before this one */
} tc_notify_msg_t;

/* What happened to one attempt. */
typedef enum {
    TC_NOTIFY_PENDING,   /* failed; try again at next_at */
    TC_NOTIFY_DELIVERED, /* done; next_at is when */
    TC_NOTIFY_DEAD,      /* failed for good (expired, or not worth retrying); next_at is when */
} tc_notify_state_t;

/* What the worker needs from its owner (the engine): the durable outbox and the channels of
 * the current config. The worker calls these on the loop it was created with, never from
 * another thread, so the implementation may use state only that loop's thread touches (the
 * store). All callbacks get the ctx given to tc_notify_new(). */
typedef struct tc_notify_ops {
    /** Fill @p out with up to @p limit pending messages due at @p now, oldest first, leaving
     *  out the ids in @p skip (those in flight); *n says how many. The worker owns them.
     *  @return 0, or a TC_E* code with the reason in @p err (then *n is 0). */
    int (*due)(void *ctx, int64_t now, const char *const *skip, size_t nskip, size_t limit,
               tc_notify_msg_t *out, size_t *n, char *err, size_t errlen);
    /** Record attempt number @p attempts at message @p id, which ended in @p state;
     *  @p error says why it failed (NULL when delivered). @return 0 or a TC_E* code. */
    int (*mark)(void *ctx, const char *id, tc_notify_state_t state, int attempts,
                int64_t next_at, const char *error, char *err, size_t errlen);
    /** The channel @p id of the current config, or NULL when it was removed. With @p id
     *  NULL: the e-mail channel subscriber messages go through (NULL when none is set). */
    const tc_channel_cfg_t *(*channel)(void *ctx, const char *id);
} tc_notify_ops_t;

/** Create the worker on @p loop; it checks the outbox every second and when kicked.
 *  @param ops static callbacks, called with @p ctx; both must outlive the worker. */
tc_notify_t *tc_notify_new(uv_loop_t *loop, tc_curl_t *curl, const tc_notify_ops_t *ops,
                           void *ctx);
/** Something was queued: look at the outbox now rather than at the next tick. */
void tc_notify_kick(tc_notify_t *n);
/** Whether subscriber webhooks may connect to loopback, private or link-local addresses
 *  (subscribers.allow_private_webhooks). Off by default: such deliveries are dead at once. */
void tc_notify_allow_private(tc_notify_t *n, bool allow);
/** Deliveries in flight. */
int tc_notify_in_flight(const tc_notify_t *n);
/** Stop: cancel deliveries in flight (they stay pending in the store and are sent after a
 *  restart) and release the worker once the loop has closed its timer. Mail being sent on
 *  the thread pool gives up within about a second; this runs the loop until it has, so
 *  call it from outside the loop's callbacks. */
void tc_notify_free(tc_notify_t *n);

#endif
