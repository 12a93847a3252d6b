/* The connection guard's pure parts, without libmicrohttpd: client address keys (an IPv4
 * address, or an IPv6 /64), the per-address connection count table, trusted proxy networks,
 * the X-Forwarded-For style last-address parser, and the wording and rate limiting of the
 * guard's log lines. No locks, no clock and no allocation except in the table's init: the
 * caller (web/http_conn.c) holds its own lock around the table and the message slots.
 *
 * Ownership: nothing here keeps a pointer it is given, except that a message slot keeps the
 * format pointer it was given (libmicrohttpd's formats are static strings). */
#ifndef TC_HTTP_GUARD_H
#define TC_HTTP_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TC_HTTP_GUARD_MAX_PROXIES 64 /* trusted proxy entries */
#define TC_HTTP_GUARD_MSGS 16        /* message formats tracked for rate limiting */
#define TC_HTTP_GUARD_LOG_EVERY_MS 10000 /* at most one line per event kind or format per this */

/* A client address as a table key: an IPv4 address (also when it arrives IPv4-mapped on an
 * IPv6 socket), or the /64 prefix of an IPv6 one. The two never collide: an IPv4 key has
 * bit 32 of lo set, an IPv6 key has lo 0. */
typedef struct tc_http_guard_key {
    uint64_t hi, lo;
} tc_http_guard_key_t;

/* One slot of the per-address table (open addressing, linear probing); count 0 = empty. */
typedef struct tc_http_guard_slot {
    tc_http_guard_key_t key;
    unsigned count;
} tc_http_guard_slot_t;

/* The per-address table. Public so that its owner can embed it; the fields are private to
 * http_guard.c (tests build a tiny one by hand). */
typedef struct tc_http_guard_table {
    tc_http_guard_slot_t *slots; /* owned; nslots entries, a power of two */
    size_t nslots;
    size_t nused;                /* slots holding an address */
} tc_http_guard_table_t;

/* A trusted proxy: an address and prefix length, IPv4 as AF_INET in addr[0..3]. */
typedef struct tc_http_guard_net {
    int family;
    int bits;
    uint8_t addr[16];
} tc_http_guard_net_t;

/* Events counted for /metrics and summarized in the log. */
enum {
    TC_HTTP_GUARD_EV_PER_ADDR, /* refused: over per_ip_limit */
    TC_HTTP_GUARD_EV_LIMIT,    /* refused: over connection_limit */
    TC_HTTP_GUARD_EV_HEADERS,  /* closed: missed the header deadline */
    TC_HTTP_GUARD_EV_BODY,     /* closed: missed the body deadline */
    TC_HTTP_GUARD_EV_COUNT,
};

/* The limits a summary line names. */
typedef struct tc_http_guard_limits {
    int per_ip_limit;
    int connection_limit;
    int64_t header_ms, body_ms; /* 0: no deadline */
} tc_http_guard_limits_t;

/* A message format (static, so the pointer identifies it) and when it was last written. */
typedef struct tc_http_guard_msg {
    const char *fmt;
    int64_t logged_ms;
    unsigned long skipped; /* suppressed since */
} tc_http_guard_msg_t;

/** The key of @p sa (IPv6 grouped by /64, IPv4-mapped counted as IPv4).
 *  @return 0, or TC_EINVAL for a family that is not counted (neither AF_INET nor AF_INET6). */
int tc_http_guard_key(const struct sockaddr *sa, tc_http_guard_key_t *k);

/** Write @p k as text ("192.0.2.1" or "2001:db8::/64") into @p out. */
void tc_http_guard_key_text(const tc_http_guard_key_t *k, char *out, size_t outlen);

/** Allocate an empty table of 64 slots. It doubles whenever half its slots hold addresses,
 *  so probe runs stay short and it never fills; it grows with the addresses that hold
 *  connections at once (at most @p connection_limit), not with the limit itself, which would
 *  cost megabytes of idle memory at the limits a public server sets. */
void tc_http_guard_table_init(tc_http_guard_table_t *t, int connection_limit);

/** Free the slots of @p t (not @p t itself). */
void tc_http_guard_table_free(tc_http_guard_table_t *t);

/** @return how many connections @p k holds in @p t. */
unsigned tc_http_guard_count(const tc_http_guard_table_t *t, const tc_http_guard_key_t *k);

/** Count one more connection for @p k. @return 0, or TC_ETOOBIG when there was no room (the
 *  connection is then simply not counted). */
int tc_http_guard_add(tc_http_guard_table_t *t, const tc_http_guard_key_t *k);

/** Count one connection less for @p k; the slot is freed at 0. */
void tc_http_guard_del(tc_http_guard_table_t *t, const tc_http_guard_key_t *k);

/** Parse "10.0.0.0/8", "10.1.2.3", "fd00::/8" or "::1" into @p n.
 *  @return 0, or TC_EINVAL when malformed. */
int tc_http_guard_parse_net(const char *text, tc_http_guard_net_t *n);

/** @return 1 when @p sa lies in one of the @p n networks @p nets, else 0. An IPv4-mapped
 *  IPv6 peer matches IPv4 networks. */
int tc_http_guard_trusted(const tc_http_guard_net_t *nets, size_t n, const struct sockaddr *sa);

/** The last entry of an X-Forwarded-For style list @p value, if it is a bare IPv4 or IPv6
 *  address. @return 0 with the address in @p out, or TC_EINVAL (@p out untouched). */
int tc_http_guard_last_forwarded(const char *value, char *out, size_t outlen);

/** Compose one summary of the event counts @p n (TC_HTTP_GUARD_EV_COUNT of them), naming
 *  @p lim and, for per-address refusals, @p from, into @p msg ("refused 3 connection(s) over
 *  per_ip_limit 8 (latest from 192.0.2.1); closed ..."). Truncated to fit. */
void tc_http_guard_summary(const unsigned long *n, const tc_http_guard_limits_t *lim,
                           const char *from, char *msg, size_t msglen);

/** Decide whether a message of format @p fmt may be written at @p now (ms), using the
 *  TC_HTTP_GUARD_MSGS slots @p msgs: each format at most once per
 *  TC_HTTP_GUARD_LOG_EVERY_MS; when all slots are taken, the one written longest ago is
 *  reused. @return 1 to write it, with @p skipped set to the count suppressed since the
 *  format was last written and @p since to the ms since then (both 0 when it was not seen
 *  before), or 0 to drop it (it is counted). The caller serializes calls. */
int tc_http_guard_msg_admit(tc_http_guard_msg_t *msgs, const char *fmt, int64_t now,
                            unsigned long *skipped, int64_t *since);

#endif
