/* The connection guard's pure parts (see http_guard.h): address keys, the per-address count
 * table, trusted proxy networks, the forwarded-address parser and the wording and rate
 * limiting of its log lines. No libmicrohttpd, no locks, no clock: web/http_conn.c wires
 * them to the server's callbacks under its own lock. */
#include "web/http_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

static uint64_t load_be(const uint8_t *b, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | b[i];
    return v;
}

/* The bytes of an IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), or NULL. */
static const uint8_t *mapped_v4(const uint8_t *a6)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a6, prefix, sizeof prefix) == 0 ? a6 + 12 : NULL;
}

int tc_http_guard_key(const struct sockaddr *sa, tc_http_guard_key_t *k)
{
    const uint8_t *v4 = NULL;
    if (sa->sa_family == AF_INET) {
        v4 = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        const uint8_t *a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        v4 = mapped_v4(a6);
        if (!v4) {
            /* One IPv6 host usually holds a whole /64, so the /64 is the client. */
            k->hi = load_be(a6, 8);
            k->lo = 0;
            return 0;
        }
    } else {
        return TC_EINVAL;
    }
    k->hi = 0;
    k->lo = UINT64_C(1) << 32 | load_be(v4, 4);
    return 0;
}

void tc_http_guard_key_text(const tc_http_guard_key_t *k, char *out, size_t outlen)
{
    if (k->lo) {
        uint8_t b[4] = {(uint8_t)(k->lo >> 24), (uint8_t)(k->lo >> 16), (uint8_t)(k->lo >> 8),
                        (uint8_t)k->lo};
        inet_ntop(AF_INET, b, out, (socklen_t)outlen);
        return;
    }
    uint8_t b[16] = {0};
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(k->hi >> (56 - 8 * i));
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, b, text, sizeof text);
    snprintf(out, outlen, "%s/64", text);
}

static size_t key_hash(const tc_http_guard_key_t *k)
{
    /* splitmix64's finalizer: neighbouring addresses land far apart. */
    uint64_t x = k->hi * UINT64_C(0x9e3779b97f4a7c15) ^ k->lo;
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return (size_t)x;
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 64;
    while (p < n)
        p <<= 1;
    return p;
}

void tc_http_guard_table_init(tc_http_guard_table_t *t, int connection_limit)
{
    (void)connection_limit; /* the table grows with the addresses actually connected */
    t->nslots = pow2_at_least(1);
    t->nused = 0;
    t->slots = tc_calloc(t->nslots, sizeof *t->slots);
}

void tc_http_guard_table_free(tc_http_guard_table_t *t)
{
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
    t->nused = 0;
}

/* The slot holding @p k, or the empty slot where it would go; SIZE_MAX when the table is full
 * (it cannot be: it doubles before half its slots are used). */
static size_t slot_of(const tc_http_guard_table_t *t, const tc_http_guard_key_t *k)
{
    size_t mask = t->nslots - 1, i = key_hash(k) & mask;
    for (size_t n = 0; n < t->nslots; n++, i = (i + 1) & mask) {
        const tc_http_guard_slot_t *s = &t->slots[i];
        if (!s->count || (s->key.hi == k->hi && s->key.lo == k->lo))
            return i;
    }
    return SIZE_MAX;
}

unsigned tc_http_guard_count(const tc_http_guard_table_t *t, const tc_http_guard_key_t *k)
{
    size_t i = slot_of(t, k);
    return i == SIZE_MAX ? 0 : t->slots[i].count;
}

/* Double the table and put every address back in its new home slot. */
static void grow(tc_http_guard_table_t *t)
{
    tc_http_guard_slot_t *old = t->slots;
    size_t nold = t->nslots;
    t->nslots = nold * 2;
    t->slots = tc_calloc(t->nslots, sizeof *t->slots);
    for (size_t i = 0; i < nold; i++) {
        if (!old[i].count)
            continue;
        size_t j = slot_of(t, &old[i].key);
        t->slots[j] = old[i];
    }
    free(old);
}

int tc_http_guard_add(tc_http_guard_table_t *t, const tc_http_guard_key_t *k)
{
    size_t i = slot_of(t, k);
    if (i == SIZE_MAX)
        return TC_ETOOBIG;
    if (!t->slots[i].count && 2 * (t->nused + 1) > t->nslots) {
        grow(t);
        i = slot_of(t, k);
    }
    if (!t->slots[i].count)
        t->nused++;
    t->slots[i].key = *k;
    t->slots[i].count++;
    return 0;
}

void tc_http_guard_del(tc_http_guard_table_t *t, const tc_http_guard_key_t *k)
{
    size_t i = slot_of(t, k);
    if (i == SIZE_MAX || !t->slots[i].count || --t->slots[i].count)
        return;
    t->nused--;
    /* Backward-shift deletion: pull later entries of the probe run into the hole, so every
     * key stays reachable from its home slot without tombstones. An entry may move back
     * only if its home slot is not between the hole and itself. */
    size_t mask = t->nslots - 1, hole = i, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].count)
            break;
        size_t home = key_hash(&t->slots[j].key) & mask;
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            t->slots[hole] = t->slots[j];
            t->slots[j].count = 0;
            hole = j;
        }
    }
}

int tc_http_guard_parse_net(const char *text, tc_http_guard_net_t *n)
{
    char addr[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    if (len == 0 || len >= sizeof addr)
        return TC_EINVAL;
    memcpy(addr, text, len);
    addr[len] = '\0';
    memset(n, 0, sizeof *n);
    if (inet_pton(AF_INET, addr, n->addr) == 1) {
        n->family = AF_INET;
        n->bits = 32;
    } else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
        n->family = AF_INET6;
        n->bits = 128;
    } else {
        return TC_EINVAL;
    }
    if (slash) {
        char *end = NULL;
        long bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0 || bits > n->bits)
            return TC_EINVAL;
        n->bits = (int)bits;
    }
    return 0;
}

static int prefix_matches(const uint8_t *a, const uint8_t *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

int tc_http_guard_trusted(const tc_http_guard_net_t *nets, size_t n, const struct sockaddr *sa)
{
    const uint8_t *v4 = NULL, *v6 = NULL;
    if (sa->sa_family == AF_INET) {
        v4 = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        v4 = mapped_v4(v6);
    }
    for (size_t i = 0; i < n; i++) {
        const tc_http_guard_net_t *net = &nets[i];
        if (net->family == AF_INET && v4 && prefix_matches(v4, net->addr, net->bits))
            return 1;
        if (net->family == AF_INET6 && v6 && prefix_matches(v6, net->addr, net->bits))
            return 1;
    }
    return 0;
}

/* The last entry is the one our trusted proxy appended; earlier ones were sent by the
 * client and prove nothing. */
int tc_http_guard_last_forwarded(const char *value, char *out, size_t outlen)
{
    const char *start = strrchr(value, ',');
    start = start ? start + 1 : value;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t len = strlen(start);
    while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    char addr[INET6_ADDRSTRLEN];
    uint8_t bin[16];
    if (len == 0 || len >= sizeof addr || len >= outlen)
        return TC_EINVAL;
    memcpy(addr, start, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
        return TC_EINVAL;
    memcpy(out, addr, len + 1);
    return 0;
}

void tc_http_guard_summary(const unsigned long *n, const tc_http_guard_limits_t *lim,
                           const char *from, char *msg, size_t msglen)
{
    size_t len = 0;
    msg[0] = '\0';
    /* Each part is "; "-separated; a part that does not fit is cut, never overrun. */
#define APPEND(...)                                                                         \
    do {                                                                                    \
        int w = snprintf(msg + len, msglen - len, "%s", len ? "; " : "");                   \
        if (w > 0 && (size_t)w < msglen - len)                                              \
            len += (size_t)w;                                                               \
        w = snprintf(msg + len, msglen - len, __VA_ARGS__);                                 \
        if (w > 0)                                                                          \
            len = (size_t)w < msglen - len ? len + (size_t)w : msglen - 1;                  \
    } while (0)
    if (n[TC_HTTP_GUARD_EV_PER_ADDR])
        APPEND("refused %lu connection(s) over per_ip_limit %d (latest from %s)",
               n[TC_HTTP_GUARD_EV_PER_ADDR], lim->per_ip_limit, from);
    if (n[TC_HTTP_GUARD_EV_LIMIT])
        APPEND("refused %lu connection(s) over connection_limit %d",
               n[TC_HTTP_GUARD_EV_LIMIT], lim->connection_limit);
    if (n[TC_HTTP_GUARD_EV_HEADERS])
        APPEND("closed %lu connection(s) that did not send a request's headers within "
               "header_timeout %llds",
               n[TC_HTTP_GUARD_EV_HEADERS], (long long)(lim->header_ms / 1000));
    if (n[TC_HTTP_GUARD_EV_BODY])
        APPEND("closed %lu connection(s) that did not send a request body within "
               "body_timeout %llds",
               n[TC_HTTP_GUARD_EV_BODY], (long long)(lim->body_ms / 1000));
#undef APPEND
}

int tc_http_guard_msg_admit(tc_http_guard_msg_t *msgs, const char *fmt, int64_t now,
                            unsigned long *skipped, int64_t *since)
{
    *skipped = 0;
    *since = 0;
    tc_http_guard_msg_t *m = NULL;
    for (size_t i = 0; i < TC_HTTP_GUARD_MSGS && !m; i++)
        if (msgs[i].fmt == fmt || !msgs[i].fmt)
            m = &msgs[i];
    if (!m) { /* table full: reuse the slot written longest ago */
        m = &msgs[0];
        for (size_t i = 1; i < TC_HTTP_GUARD_MSGS; i++)
            if (msgs[i].logged_ms < m->logged_ms)
                m = &msgs[i];
        m->fmt = NULL;
    }
    if (m->fmt == fmt && now - m->logged_ms < TC_HTTP_GUARD_LOG_EVERY_MS) {
        m->skipped++;
        return 0;
    }
    if (m->fmt == fmt) {
        *skipped = m->skipped;
        *since = now - m->logged_ms;
    }
    m->fmt = fmt;
    m->logged_ms = now;
    m->skipped = 0;
    return 1;
}
