/* The subscriber domain, without I/O: who may subscribe how often (a per-address rate limit
 * with bounded memory), which addresses and links are well formed, which subscriber follows
 * which components. The engine (engine/subscribers.c) stores subscriptions and queues
 * messages; api/ decodes requests; web/ renders the pages and the messages' words
 * (render_mail.c). Nothing here reads a clock (times come in) or the store.
 *
 * Tokens: a confirmation link carries 128 random bits (32 hex digits), of which only a hash
 * is stored, and is spent when used. An unsubscribe link carries the subscriber id signed
 * with a server key (HMAC, tc_secret_sign), so it needs no lookup table and works as long as
 * the subscription exists. */
#ifndef TC_SUBSCRIBE_H
#define TC_SUBSCRIBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#define TC_SUBSCRIBE_MAX_EMAIL 254      /* RFC 5321 path limit */
#define TC_SUBSCRIBE_MAX_COMPONENTS 200 /* ids in one subscription */
#define TC_SUBSCRIBE_LIMIT_SLOTS 256    /* client addresses the rate limiter remembers */

/* Fixed one-minute windows per client address; the oldest slot is reused for a new address,
 * so memory stays bounded whoever calls. Embed it; zero-initialised it is empty. */
typedef struct tc_subscribe_limiter {
    struct {
        char addr[64];
        int64_t minute;
        int count;
    } slots[TC_SUBSCRIBE_LIMIT_SLOTS]; /* private */
} tc_subscribe_limiter_t;

/** The key client address @p addr counts under in rate limits: itself, or for IPv6 its /64
 *  prefix (one host usually holds a whole /64 and could rotate through it). */
void tc_subscribe_limit_key(const char *addr, char *out, size_t outlen);

/** Count one request from client address @p client (IPv6 counted by its /64) at wall time
 *  @p now_ms. @return true when it is over @p per_minute requests in the current minute. */
bool tc_subscribe_limited(tc_subscribe_limiter_t *l, const char *client, int per_minute,
                          int64_t now_ms);

/** A practical e-mail check, not RFC 5322's grammar: one @, a local part and a dotted domain,
 *  nothing that would break an SMTP envelope or a header. */
bool tc_subscribe_valid_email(const char *s);

/** Is @p token shaped like a confirmation token (32 hex digits)? */
bool tc_subscribe_valid_confirm_token(const char *token);

/** Does a subscriber following @p components (a JSON array of ids, or NULL for the whole
 *  page) follow any of the @p n ids? A message about the whole page (n == 0) goes to all. */
bool tc_subscribe_follows(const char *components, const char *const *ids, size_t n);

#endif
