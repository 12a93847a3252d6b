/* Notification registry, shared formatting helpers and the delivery worker (outbox →
 * libcurl → mark). The worker runs on the engine's loop and never blocks it: each due
 * message becomes one transfer through the libcurl glue. It reads and marks the outbox only
 * through the tc_notify_ops_t its owner supplies, on that loop. */
#include "notify/notify_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"

#define MODULE "notify"
#define TICK_MS 1000          /* how often the outbox is looked at without a kick */
#define MAX_IN_FLIGHT 64      /* deliveries at once */
/* Mail goes out on libuv's thread pool (see start_mail()), two messages at a time so the
 * pool's other two threads stay free for the engine's own background work. */
#define MAIL_AT_ONCE 2
#define EXCERPT_MAX 200       /* bytes of a failed delivery's response body kept for its error */
#define FIRST_BACKOFF_MS 5000 /* after the first failure; doubles each time */
#define MAX_BACKOFF_MS 3600000

static const tc_notify_type_t *const registry[] = {
    &tc_notify_webhook, &tc_notify_slack,     &tc_notify_discord,
    &tc_notify_teams,   &tc_notify_pagerduty, &tc_notify_email,
};

const tc_notify_type_t *tc_notify_find_type(const char *name)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *tc_notify_type_list(void)
{
    return "webhook, slack, discord, teams, pagerduty, email";
}

const char *tc_notify_type_name(const tc_notify_type_t *t)
{
    return t->name;
}

const char *tc_event_kind_name(tc_event_kind_t k)
{
    static const char *const names[] = {"monitor.down",     "monitor.degraded",
                                        "monitor.recovered", "monitor.reminder",
                                        "monitor.flapping", "monitor.stable",
                                        "monitor.regional"};
    return names[k];
}

char *tc_notify_format(const tc_channel_cfg_t *ch, const tc_notify_event_t *e)
{
    return ch->type->format(ch, e);
}

char *tc_notify__headline(const tc_notify_event_t *e)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    switch (e->kind) {
    case TC_EVENT_DOWN:
        tc_buf_printf(&b, "%s is down", e->monitor_name);
        break;
    case TC_EVENT_DEGRADED:
        tc_buf_printf(&b, "%s is degraded", e->monitor_name);
        break;
    case TC_EVENT_RECOVERED:
        tc_buf_printf(&b, "%s has recovered", e->monitor_name);
        break;
    case TC_EVENT_REMINDER:
        tc_buf_printf(&b, "%s is still %s", e->monitor_name, e->new_state);
        break;
    case TC_EVENT_FLAPPING:
        tc_buf_printf(&b, "%s is flapping (alerts held until it is stable)", e->monitor_name);
        break;
    case TC_EVENT_STABLE:
        tc_buf_printf(&b, "%s is stable again, %s", e->monitor_name, e->new_state);
        break;
    case TC_EVENT_REGIONAL:
        tc_buf_printf(&b, "%s is failing in some locations", e->monitor_name);
        break;
    }
    if (e->reason && e->reason[0] && e->kind != TC_EVENT_RECOVERED)
        tc_buf_printf(&b, ": %s", e->reason);
    return tc_buf_steal(&b, NULL);
}

tc_notify_tone_t tc_notify__tone(const tc_notify_event_t *e)
{
    bool up = e->new_state && strcmp(e->new_state, "up") == 0;
    bool degraded = e->new_state && strcmp(e->new_state, "degraded") == 0;
    switch (e->kind) {
    case TC_EVENT_RECOVERED:
        return TC_TONE_GOOD;
    case TC_EVENT_DEGRADED:
    case TC_EVENT_FLAPPING:
    case TC_EVENT_REGIONAL:
        return TC_TONE_WARN;
    case TC_EVENT_STABLE:
    case TC_EVENT_REMINDER:
        return up ? TC_TONE_GOOD : degraded ? TC_TONE_WARN : TC_TONE_BAD;
    default:
        return TC_TONE_BAD;
    }
}

void tc_notify__json_post(CURL *easy, const char *url, const char *id, const char *payload,
                          struct curl_slist **headers)
{
    char h[128];
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload);
    *headers = curl_slist_append(*headers, "Content-Type: application/json");
    snprintf(h, sizeof h, "X-Tocsin-Event-Id: %s", id);
    *headers = curl_slist_append(*headers, h);
}

void tc_channel_cfg_clear(tc_channel_cfg_t *ch)
{
    free(ch->id);
    free(ch->url);
    free(ch->secret);
    free(ch->routing_key);
    free(ch->username);
    free(ch->password);
    free(ch->from);
    for (size_t i = 0; i < ch->nto; i++)
        free(ch->to[i]);
    free(ch->to);
    memset(ch, 0, sizeof *ch);
}

/* ---- subscriber webhook addresses ---- */

/* Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified, multicast and reserved
 * addresses: nothing a public subscriber should make us POST to (SSRF). */
static bool v4_private(const unsigned char a[4])
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
           (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
           (a[0] == 192 && a[1] == 168) || (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
           (a[0] == 198 && (a[1] & 0xfe) == 18) || a[0] >= 224;
}

static bool v6_private(const unsigned char a[16])
{
    static const unsigned char zero[10];
    if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
        return v4_private(a + 12); /* ::ffff:a.b.c.d */
    bool low_zero = memcmp(a, zero, 10) == 0 && a[10] == 0 && a[11] == 0 && a[12] == 0 &&
                    a[13] == 0 && a[14] == 0;
    if (low_zero && a[15] <= 1)
        return true; /* :: and ::1 */
    return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
}

static bool sockaddr_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_private((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family == AF_INET6)
        return v6_private((const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return true;
}

int tc_notify_check_url(const char *url, bool allow_private, char *err, size_t errlen)
{
    int rc = TC_EINVAL;
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
    CURLU *u = curl_url();
    if (strlen(url) > 2000) {
        snprintf(err, errlen, "the endpoint URL is too long (at most 2000 characters)");
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
        snprintf(err, errlen, "the endpoint must be an absolute http:// or https:// URL");
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        snprintf(err, errlen, "the endpoint must use http or https, not %s", scheme);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
        snprintf(err, errlen, "the endpoint must not hold a user name or password");
        goto out;
    }
    if (!allow_private) {
        /* curl gives IPv6 literals in brackets. */
        char literal[64];
        size_t len = strlen(host);
        if (host[0] == '[' && len > 2 && len - 2 < sizeof literal) {
            memcpy(literal, host + 1, len - 2);
            literal[len - 2] = '\0';
        } else {
            snprintf(literal, sizeof literal, "%s", host);
        }
        unsigned char a[16];
        size_t hl = strlen(host);
        bool is_private = false;
        if (inet_pton(AF_INET, literal, a) == 1)
            is_private = v4_private(a);
        else if (inet_pton(AF_INET6, literal, a) == 1)
            is_private = v6_private(a);
        else
            is_private = strcasecmp(host, "localhost") == 0 ||
                         (hl > 10 && strcasecmp(host + hl - 10, ".localhost") == 0);
        if (is_private) {
            snprintf(err, errlen,
                     "the endpoint's host %s is a loopback, private or link-local address; "
                     "webhooks must be reachable on the public internet",
                     host);
            goto out;
        }
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    return rc;
}

/* ---- worker ---- */

typedef struct delivery {
    tc_notify_t *n;
    CURL *easy;
    struct curl_slist *headers; /* owned */
    void *state;                /* owned; the kind's transfer state (freed with free()) */
    tc_notify_msg_t msg;        /* owned; as the outbox handed it over */
    bool refused;               /* the address curl resolved is private (subscriber webhooks) */
    char excerpt[EXCERPT_MAX + 1]; /* the response body's first bytes, for the error */
    size_t nexcerpt;
    uv_work_t mail;             /* a message being mailed on the thread pool */
    CURLcode mail_result;       /* written by the pool's thread, read after it is done */
    bool mailing;               /* mail is queued or running on the pool */
    struct delivery *next;
} delivery_t;

struct tc_notify {
    uv_loop_t *loop;            /* borrowed */
    tc_curl_t *curl;            /* borrowed */
    const tc_notify_ops_t *ops; /* borrowed: the outbox and the channels */
    void *ctx;                  /* for ops */
    uv_timer_t timer;
    delivery_t *flying;         /* deliveries in flight */
    int nflying;
    bool allow_private;         /* subscriber webhooks may reach private addresses */
    bool outbox_failing;        /* the last read of the outbox failed (logged once a streak) */
    int nmailing;               /* deliveries with mailing set */
    atomic_bool stopping;       /* tc_notify_free() was called: mail in progress gives up */
};

static void schedule(tc_notify_t *n, uint64_t ms);

static void msg_clear(tc_notify_msg_t *m)
{
    free(m->id);
    free(m->target);
    free(m->kind);
    free(m->url);
    free(m->payload);
    memset(m, 0, sizeof *m);
}

static void free_delivery(delivery_t *dv)
{
    curl_slist_free_all(dv->headers);
    free(dv->state);
    msg_clear(&dv->msg);
    free(dv);
}

static void finish(delivery_t *dv, int ok, const char *error)
{
    tc_notify_t *n = dv->n;
    int64_t now = tc_clock_wall_ms();
    int attempts = dv->msg.attempts + 1;
    char err[256];
    tc_notify_state_t state = TC_NOTIFY_DELIVERED;
    int64_t next = now;
    if (!ok) {
        /* Exponential backoff with ±20% jitter, so many failing receivers do not retry in
         * lockstep. */
        int64_t wait = FIRST_BACKOFF_MS;
        for (int i = 1; i < attempts && wait < MAX_BACKOFF_MS; i++)
            wait *= 2;
        if (wait > MAX_BACKOFF_MS)
            wait = MAX_BACKOFF_MS;
        unsigned char r;
        tc_secret_random(&r, 1);
        wait = wait * (80 + (r % 41)) / 100;
        next = now + wait;
        state = next >= dv->msg.expires_at ? TC_NOTIFY_DEAD : TC_NOTIFY_PENDING;
        if (state == TC_NOTIFY_DEAD)
            next = now; /* a finished row's next_at is when it finished: pruning counts from it */
        tc_log(state == TC_NOTIFY_DEAD ? TC_LOG_ERROR : TC_LOG_WARN, MODULE,
               "message %s to %s: attempt %d failed (%s)%s", dv->msg.id, dv->msg.target,
               attempts, error, state == TC_NOTIFY_DEAD ? "; giving up" : "");
    } else {
        tc_log(TC_LOG_INFO, MODULE, "message %s delivered to %s", dv->msg.id, dv->msg.target);
    }
    if (n->ops->mark(n->ctx, dv->msg.id, state, attempts, next, ok ? NULL : error, err,
                     sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "cannot record delivery of %s: %s", dv->msg.id, err);
    /* Unlink and free. */
    for (delivery_t **p = &n->flying; *p; p = &(*p)->next) {
        if (*p == dv) {
            *p = dv->next;
            break;
        }
    }
    n->nflying--;
    free_delivery(dv);
    schedule(n, 0);
}

/* Response bodies are not wanted, only the first bytes of one as a hint in the error of a
 * failed delivery. Without a write function libcurl prints every body to stdout. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    delivery_t *dv = arg;
    size_t len = size * nmemb;
    size_t room = EXCERPT_MAX - dv->nexcerpt;
    size_t take = len < room ? len : room;
    memcpy(dv->excerpt + dv->nexcerpt, data, take);
    dv->nexcerpt += take;
    dv->excerpt[dv->nexcerpt] = '\0';
    return len;
}

/* Make the excerpt one printable line for logs and the dead-letter list: controls become
 * spaces, runs of spaces one, a character cut at the end goes, invalid UTF-8 becomes '?'. */
static void tidy_excerpt(delivery_t *dv)
{
    char *e = dv->excerpt;
    size_t len = dv->nexcerpt;
    /* Drop a multi-byte sequence cut short by the cap: back up over continuation bytes to
     * the lead byte and keep the sequence only if it is complete. */
    size_t lead = len;
    while (lead > 0 && len - lead < 4 && ((unsigned char)e[lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead > 0 && (unsigned char)e[lead - 1] >= 0xc0) {
        unsigned char c = (unsigned char)e[lead - 1];
        size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (len - (lead - 1) < want)
            len = lead - 1;
    }
    size_t out = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)e[k];
        if (c < 0x20 || c == 0x7f)
            c = ' ';
        if (c == ' ' && (out == 0 || e[out - 1] == ' '))
            continue;
        e[out++] = (char)c;
    }
    while (out > 0 && e[out - 1] == ' ')
        out--;
    e[out] = '\0';
    dv->nexcerpt = out;
    tc_utf8_clean(e);
}

/* A transfer ended with @p code (and, over HTTP, @p status); its handle is gone. */
static void ended(delivery_t *dv, CURLcode code, long status)
{
    char error[64 + EXCERPT_MAX];
    int ok;
    if (dv->refused) {
        /* Not worth retrying: the name resolves to an address we will not POST to. */
        snprintf(error, sizeof error, "the endpoint resolves to a private address");
        dv->msg.expires_at = 0;
        ok = 0;
    } else if (code != CURLE_OK) {
        snprintf(error, sizeof error, "%s", curl_easy_strerror(code));
        ok = 0;
    } else if (strcmp(dv->msg.kind, "email") == 0) {
        ok = 1;
    } else {
        /* Statuspage's rule for webhooks: 2xx is delivered, anything else (3xx too) is not. */
        ok = status >= 200 && status < 300;
        tidy_excerpt(dv);
        if (dv->nexcerpt)
            snprintf(error, sizeof error, "HTTP %ld: %s", status, dv->excerpt);
        else
            snprintf(error, sizeof error, "HTTP %ld", status);
    }
    finish(dv, ok, error);
}

static void on_done(CURL *easy, CURLcode code, void *arg)
{
    delivery_t *dv = arg;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    dv->easy = NULL;
    ended(dv, code, status);
}

/* Subscriber webhooks: curl asks us for each socket with the address it resolved, so a
 * public name that resolves to a private address (or is re-pointed later) is caught here,
 * after resolution, where the check cannot be raced. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    delivery_t *dv = arg;
    (void)purpose;
    if (!dv->n->allow_private && sockaddr_private(&addr->addr)) {
        dv->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* ---- mail, off the loop ----
 * libcurl's SMTP waits for the server's reply to the end of a message, and to QUIT when a
 * connection closes, in a blocking loop inside curl_multi_socket_action() (up to the
 * transfer's timeout): on the engine's loop, a mail server that is slow to accept a message
 * (content scanning, a tarpit, a dropped reply) would stop monitors, renders and writes for
 * that long. So each message is sent with curl_easy_perform() on libuv's thread pool. */

/* libcurl calls it about once a second even while it waits in its blocking loop. */
static int mail_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    const tc_notify_t *n = arg;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load(&n->stopping) ? 1 : 0;
}

static void mail_work(uv_work_t *w)
{
    delivery_t *dv = w->data;
    dv->mail_result = curl_easy_perform(dv->easy);
    curl_easy_cleanup(dv->easy);
    dv->easy = NULL;
}

static void mail_done(uv_work_t *w, int status)
{
    delivery_t *dv = w->data;
    tc_notify_t *n = dv->n;
    (void)status;
    dv->mailing = false;
    n->nmailing--;
    if (atomic_load(&n->stopping)) {
        /* tc_notify_free() unlinked it: the message stays pending for the next start. */
        free_delivery(dv);
        return;
    }
    ended(dv, dv->mail_result, 0);
}

static void start_mail(delivery_t *dv)
{
    tc_notify_t *n = dv->n;
    /* The connection closes (QUIT) at the end of the message, on the pool's thread where
     * mail_progress() bounds the wait: one left open would say QUIT at the handle's cleanup,
     * where nothing does. */
    curl_easy_setopt(dv->easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(dv->easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(dv->easy, CURLOPT_XFERINFOFUNCTION, mail_progress);
    curl_easy_setopt(dv->easy, CURLOPT_XFERINFODATA, n);
    dv->mail.data = dv;
    dv->mailing = true;
    n->nmailing++;
    if (uv_queue_work(n->loop, &dv->mail, mail_work, mail_done) != 0) {
        dv->mailing = false;
        n->nmailing--;
        curl_easy_cleanup(dv->easy);
        dv->easy = NULL;
        finish(dv, 0, "the thread pool refused the message");
    }
}

static void start(tc_notify_t *n, tc_notify_msg_t *msg)
{
    delivery_t *dv = tc_calloc(1, sizeof *dv);
    dv->n = n;
    dv->msg = *msg;
    memset(msg, 0, sizeof *msg); /* the delivery owns the strings now */
    dv->next = n->flying;
    n->flying = dv;
    n->nflying++;
    const tc_channel_cfg_t *ch = NULL;
    const tc_notify_type_t *type = tc_notify_find_type(dv->msg.kind);
    bool subscriber = strncmp(dv->msg.target, "subscriber:", 11) == 0;
    if (subscriber && strcmp(dv->msg.kind, "email") == 0) {
        ch = n->ops->channel(n->ctx, NULL);
        if (!ch || ch->type != &tc_notify_email) {
            dv->msg.expires_at = 0;
            finish(dv, 0, "subscribers.email_channel is not configured");
            return;
        }
    } else if (!subscriber) {
        ch = n->ops->channel(n->ctx, dv->msg.target);
        if (!ch) {
            dv->msg.expires_at = 0; /* a removed channel will not come back: dead at once */
            finish(dv, 0, "the channel is no longer configured");
            return;
        }
        type = ch->type;
    }
    if (!type) {
        dv->msg.expires_at = 0;
        finish(dv, 0, "unknown notification kind");
        return;
    }
    dv->easy = curl_easy_init();
    curl_easy_setopt(dv->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(dv->easy, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(dv->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(dv->easy, CURLOPT_USERAGENT, "tocsin-notify");
    curl_easy_setopt(dv->easy, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
    curl_easy_setopt(dv->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(dv->easy, CURLOPT_WRITEDATA, dv);
    type->prepare(dv->easy, ch, dv->msg.url, dv->msg.id, dv->msg.payload, &dv->headers,
                  &dv->state);
    if (subscriber && strcmp(dv->msg.kind, "email") != 0) {
        curl_easy_setopt(dv->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(dv->easy, CURLOPT_OPENSOCKETDATA, dv);
        curl_easy_setopt(dv->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    }
    if (strcmp(dv->msg.kind, "email") == 0) {
        start_mail(dv);
        return;
    }
    if (dv->headers)
        curl_easy_setopt(dv->easy, CURLOPT_HTTPHEADER, dv->headers);
    if (tc_curl_add(n->curl, dv->easy, on_done, dv) != 0) {
        curl_easy_cleanup(dv->easy);
        dv->easy = NULL;
        finish(dv, 0, "libcurl refused the transfer");
    }
}

static void on_tick(uv_timer_t *t)
{
    tc_notify_t *n = t->data;
    int room = MAX_IN_FLIGHT - n->nflying;
    if (room > 0) {
        const char **skip = tc_calloc((size_t)n->nflying + 1, sizeof *skip);
        size_t nskip = 0;
        for (delivery_t *dv = n->flying; dv; dv = dv->next)
            skip[nskip++] = dv->msg.id;
        tc_notify_msg_t due[MAX_IN_FLIGHT];
        size_t ndue = 0;
        char err[256];
        if (n->ops->due(n->ctx, tc_clock_wall_ms(), skip, nskip, (size_t)room, due, &ndue, err,
                        sizeof err) != 0) {
            /* Once per streak: a store that is away (PostgreSQL restarting) would otherwise
             * fill the log every tick. */
            if (!n->outbox_failing)
                tc_log(TC_LOG_ERROR, MODULE, "cannot read the outbox: %s", err);
            n->outbox_failing = true;
            ndue = 0;
        } else if (n->outbox_failing) {
            tc_log(TC_LOG_INFO, MODULE, "reading the outbox again");
            n->outbox_failing = false;
        }
        free(skip);
        for (size_t i = 0; i < ndue; i++) {
            if (strcmp(due[i].kind, "email") == 0 && n->nmailing >= MAIL_AT_ONCE) {
                msg_clear(&due[i]); /* still pending: read again when a message is done */
                continue;
            }
            start(n, &due[i]); /* each delivery takes its message's strings */
        }
    }
    schedule(n, TICK_MS);
}

static void schedule(tc_notify_t *n, uint64_t ms)
{
    if (atomic_load(&n->stopping))
        return; /* tc_notify_free() runs the loop while mail gives up: nothing new starts */
    /* A kick (0 ms) may pull the next tick forward; a tick never pushes a kick back. */
    uint64_t due = uv_timer_get_due_in(&n->timer);
    if (!uv_is_active((uv_handle_t *)&n->timer) || ms < due)
        uv_timer_start(&n->timer, on_tick, ms, 0);
}

tc_notify_t *tc_notify_new(uv_loop_t *loop, tc_curl_t *curl, const tc_notify_ops_t *ops,
                           void *ctx)
{
    tc_notify_t *n = tc_calloc(1, sizeof *n);
    n->loop = loop;
    n->curl = curl;
    n->ops = ops;
    n->ctx = ctx;
    uv_timer_init(loop, &n->timer);
    n->timer.data = n;
    schedule(n, 0);
    return n;
}

void tc_notify_kick(tc_notify_t *n)
{
    if (n) /* NULL while the daemon shuts down */
        schedule(n, 0);
}

void tc_notify_allow_private(tc_notify_t *n, bool allow)
{
    n->allow_private = allow;
}

int tc_notify_in_flight(const tc_notify_t *n)
{
    return n ? n->nflying : 0;
}

static void free_worker(uv_handle_t *h)
{
    free(h->data);
}

void tc_notify_free(tc_notify_t *n)
{
    if (!n)
        return;
    /* In-flight messages stay "pending" in the store: a restart sends them again, with the
     * same id, which is why receivers get X-Tocsin-Event-Id. Mail on the thread pool gives
     * up within a second (mail_progress()) and is freed by mail_done(), which the loop runs:
     * no transfer may outlive libcurl's global state, which the engine frees next. */
    atomic_store(&n->stopping, true);
    uv_timer_stop(&n->timer);
    while (n->flying) {
        delivery_t *dv = n->flying;
        n->flying = dv->next;
        if (dv->mailing)
            continue;
        if (dv->easy) {
            tc_curl_cancel(n->curl, dv->easy);
            curl_easy_cleanup(dv->easy);
        }
        free_delivery(dv);
    }
    while (n->nmailing > 0)
        uv_run(n->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&n->timer, free_worker);
}
