/* Snapshot building: documents, their compressed variants and ETags, shared across
 * snapshots while their bytes stay the same. The ETag is a hash of the bytes, so a document
 * that did not change keeps its ETag across snapshots and clients' If-None-Match
 * revalidations keep answering 304. */
#include "web/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/secret.h"
#include "web/compress.h"

static const char *const route_names[] = {
    "/", "/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
    "/history", "/incidents/{id}", "/history.{atom,rss}", "/api/v2/incidents",
    "/badges/{id}", "/uptime", "/embed",
    "/{favicon.ico,robots.txt}",
    "/healthz", "/metrics", "engine", "other",
};

const char *tc_route_name(tc_route_t r)
{
    return route_names[r];
}

tc_snapshot_t *tc_snapshot_new(uint64_t generation)
{
    tc_snapshot_t *s = tc_calloc(1, sizeof *s);
    s->generation = generation;
    s->holders = 1;
    return s;
}

/* 64-bit FNV-1a of a path: paths are short, and the request threads hash each URL once. */
static uint64_t path_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    return h;
}

const tc_doc_t *tc_snapshot_find(const tc_snapshot_t *s, const char *path)
{
    if (!s->index_cap)
        return NULL;
    size_t mask = s->index_cap - 1;
    uint64_t h = path_hash(path);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const struct tc_snapshot_slot *slot = &s->index[i];
        if (!slot->doc)
            return NULL;
        if (slot->hash == h && strcmp(slot->doc->path, path) == 0)
            return slot->doc;
    }
}

uint64_t tc_snapshot_path_hash(const char *path)
{
    uint64_t h = path_hash(path);
    return h ? h : 1; /* 0 marks an empty slot of an offers set */
}

bool tc_snapshot_offers(const tc_snapshot_t *s, const char *path)
{
    const tc_offers_t *o = s->offers;
    if (!o)
        return false;
    uint64_t h = tc_snapshot_path_hash(path);
    for (size_t i = h & (o->cap - 1); o->set[i]; i = (i + 1) & (o->cap - 1))
        if (o->set[i] == h)
            return true;
    return false;
}

tc_offers_t *tc_offers_new(const uint64_t *hashes, size_t n)
{
    tc_offers_t *o = tc_calloc(1, sizeof *o);
    o->holders = 1;
    o->cap = 16;
    while (o->cap < n * 2)
        o->cap *= 2;
    o->set = tc_calloc(o->cap, sizeof *o->set);
    for (size_t k = 0; k < n; k++) {
        size_t i = hashes[k] & (o->cap - 1);
        while (o->set[i] && o->set[i] != hashes[k])
            i = (i + 1) & (o->cap - 1);
        o->set[i] = hashes[k];
    }
    return o;
}

void tc_offers_hold(tc_offers_t *o)
{
    o->holders++;
}

void tc_offers_release(tc_offers_t *o)
{
    if (!o || --o->holders)
        return;
    free(o->set);
    free(o);
}

void tc_snapshot_set_offers(tc_snapshot_t *s, tc_offers_t *o)
{
    if (o)
        tc_offers_hold(o);
    tc_offers_release(s->offers);
    s->offers = o;
}

void tc_doc_ref(tc_doc_t *d)
{
    atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
}

void tc_doc_unref(tc_doc_t *d)
{
    if (atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(d->path);
    for (int e = 0; e < TC_ENC_COUNT; e++)
        free(d->var[e].data);
    free(d->gz_chunks);
    free(d);
}

static void hold_doc(tc_doc_t *d)
{
    d->holders++;
}

static void drop_doc(tc_doc_t *d)
{
    if (--d->holders)
        return;
    if (d->served_free)
        d->served_free(d->served);
    d->served = NULL;
    tc_doc_unref(d);
}

static void append(tc_snapshot_t *s, tc_doc_t *d)
{
    if (s->ndocs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->docs = tc_realloc(s->docs, s->cap * sizeof *s->docs);
    }
    s->docs[s->ndocs++] = d;
}

bool tc_snapshot_reuse(tc_snapshot_t *s, const char *path, uint64_t key)
{
    tc_doc_t *old = s->prev && key ? (tc_doc_t *)tc_snapshot_find(s->prev, path) : NULL;
    if (!old || old->key != key)
        return false;
    hold_doc(old);
    append(s, old);
    return true;
}

bool tc_snapshot_keep_on_demand(tc_snapshot_t *s, const char *path, uint64_t key)
{
    if (!tc_snapshot_reuse(s, path, key))
        return false;
    /* A page made at every render while it was hot (render.c) is one among the others once
     * it is not; the flag is the engine's alone. */
    s->docs[s->ndocs - 1]->on_demand = true;
    return true;
}

/* Documents this large are gzipped in chunks (compress.h), so a new version costs what
 * changed, and are not offered in brotli: its encoder cannot reuse a previous version's work,
 * and at a quality it could afford on every write (1 or 2) its output is larger than the
 * chunked gzip. 64 KiB keeps brotli for the usual page (about 35 KB for 20 components). */
#define CHUNKED_FROM (64 * 1024)

static void add_gzip(tc_doc_t *d, const tc_doc_t *old, const char *body, size_t len)
{
    tc_variant_t *gz = &d->var[TC_ENC_GZIP];
    size_t zlen = 0;
    char *z;
    if (len >= CHUNKED_FROM) {
        tc_gzip_prev_t prev = {0};
        if (old && old->gz_chunks)
            prev = (tc_gzip_prev_t){old->var[TC_ENC_IDENTITY].data, old->var[TC_ENC_IDENTITY].len,
                                    old->var[TC_ENC_GZIP].data, old->gz_chunks, old->ngz_chunks};
        z = tc_compress_gzip_chunked(body, len, &prev, &zlen, &d->gz_chunks, &d->ngz_chunks);
    } else {
        z = tc_compress_gzip(body, len, &zlen);
    }
    if (z && zlen < len) {
        gz->data = tc_realloc(z, zlen); /* the compressor's buffer is sized for the worst */
        gz->len = zlen;
    } else {
        free(z);
        free(d->gz_chunks);
        d->gz_chunks = NULL;
        d->ngz_chunks = 0;
    }
}

static tc_doc_t *new_doc(const char *path, tc_route_t route, const char *content_type,
                         char *body, size_t len, const tc_doc_t *old)
{
    tc_doc_t *d = tc_calloc(1, sizeof *d);
    atomic_init(&d->refs, 1);
    d->path = tc_strdup(path);
    d->route = route;
    d->content_type = content_type;
    /* Short enough that readers see an outage within seconds, long enough that a stampede of
     * reloads is absorbed by browser and proxy caches; ETags make revalidation cheap. */
    d->cache_control = "public, max-age=10";
    d->var[TC_ENC_IDENTITY].data = body;
    d->var[TC_ENC_IDENTITY].len = len;
    /* A variant is offered only when it is smaller than the identity bytes. */
    add_gzip(d, old, body, len);
    if (len < CHUNKED_FROM) {
        tc_variant_t *br = &d->var[TC_ENC_BR];
        size_t blen = 0;
        char *b = tc_compress_brotli(body, len, &blen);
        if (b && blen < len) {
            br->data = tc_realloc(b, blen);
            br->len = blen;
        } else {
            free(b);
        }
    }
    /* A chunked document's digest is made of its chunks', each computed once with its
     * deflate: only what changed is hashed. */
    d->hash = d->gz_chunks ? tc_compress_chunks_digest(d->gz_chunks, d->ngz_chunks)
                           : tc_secret_digest64(body, len);
    static const char *const suffix[TC_ENC_COUNT] = {"", "-gz", "-br"};
    for (int e = 0; e < TC_ENC_COUNT; e++)
        if (d->var[e].data)
            snprintf(d->var[e].etag, sizeof d->var[e].etag, "\"%016llx%s\"",
                     (unsigned long long)d->hash, suffix[e]);
    return d;
}

void tc_snapshot_add_keyed(tc_snapshot_t *s, const char *path, tc_route_t route,
                           const char *content_type, char *body, size_t len, uint64_t key)
{
    tc_doc_t *old = s->prev ? (tc_doc_t *)tc_snapshot_find(s->prev, path) : NULL;
    /* The same bytes as before: share the document, compressed already. Compared as bytes
     * (memcmp is several times faster than hashing them), so only a changed document is
     * hashed for its ETags. */
    if (old && old->var[TC_ENC_IDENTITY].len == len && old->route == route &&
        strcmp(old->content_type, content_type) == 0 &&
        memcmp(old->var[TC_ENC_IDENTITY].data, body, len) == 0) {
        free(body);
        old->key = key; /* engine thread only; the HTTP threads never read it */
        hold_doc(old);
        append(s, old);
        return;
    }
    tc_doc_t *d = new_doc(path, route, content_type, body, len, old);
    d->key = key;
    d->holders = 1;
    append(s, d);
}

void tc_snapshot_add_on_demand(tc_snapshot_t *s, const char *path, tc_route_t route,
                               const char *content_type, char *body, size_t len, uint64_t key,
                               int64_t now)
{
    tc_snapshot_add_keyed(s, path, route, content_type, body, len, key);
    tc_doc_t *d = s->docs[s->ndocs - 1];
    d->on_demand = true;
    atomic_store_explicit(&d->used, now, memory_order_relaxed);
}

static size_t doc_bytes(const tc_doc_t *d)
{
    size_t n = 0;
    for (int e = 0; e < TC_ENC_COUNT; e++)
        n += d->var[e].len;
    return n;
}

/* For tc_snapshot_trim(): positions in a snapshot's documents, by when each was last used. */
typedef struct use {
    int64_t used;
    size_t at;
} use_t;

static int least_recent_first(const void *pa, const void *pb)
{
    const use_t *a = pa, *b = pb;
    return a->used < b->used ? -1 : a->used > b->used;
}

void tc_snapshot_trim(tc_snapshot_t *s, size_t budget)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < s->ndocs; i++)
        if (s->docs[i]->on_demand) {
            total += doc_bytes(s->docs[i]);
            n++;
        }
    if (total <= budget)
        return;
    use_t *by_use = tc_malloc(n * sizeof *by_use);
    n = 0;
    for (size_t i = 0; i < s->ndocs; i++)
        if (s->docs[i]->on_demand)
            by_use[n++] = (use_t){atomic_load_explicit(&s->docs[i]->used, memory_order_relaxed),
                                  i};
    qsort(by_use, n, sizeof *by_use, least_recent_first);
    bool *drop = tc_calloc(s->ndocs, sizeof *drop);
    for (size_t k = 0; k < n && total > budget; k++) {
        total -= doc_bytes(s->docs[by_use[k].at]);
        drop[by_use[k].at] = true;
    }
    size_t kept = 0;
    for (size_t i = 0; i < s->ndocs; i++) {
        if (drop[i])
            drop_doc(s->docs[i]);
        else
            s->docs[kept++] = s->docs[i];
    }
    s->ndocs = kept;
    free(drop);
    free(by_use);
}

tc_snapshot_t *tc_snapshot_extend(const tc_snapshot_t *s, uint64_t generation)
{
    tc_snapshot_t *n = tc_snapshot_new(generation);
    n->cap = s->ndocs + 1;
    n->docs = tc_malloc(n->cap * sizeof *n->docs);
    for (size_t i = 0; i < s->ndocs; i++) {
        hold_doc(s->docs[i]);
        n->docs[n->ndocs++] = s->docs[i];
    }
    tc_snapshot_set_offers(n, s->offers);
    return n;
}

void tc_snapshot_add(tc_snapshot_t *s, const char *path, tc_route_t route,
                     const char *content_type, char *body, size_t len)
{
    tc_snapshot_add_keyed(s, path, route, content_type, body, len, 0);
}

void tc_snapshot_seal(tc_snapshot_t *s)
{
    s->prev = NULL;
    free(s->index);
    size_t cap = 16;
    while (cap < s->ndocs * 2)
        cap *= 2;
    s->index = tc_calloc(cap, sizeof *s->index);
    s->index_cap = cap;
    size_t mask = cap - 1;
    for (size_t k = 0; k < s->ndocs; k++) {
        tc_doc_t *d = s->docs[k];
        uint64_t h = path_hash(d->path);
        size_t i = h & mask;
        while (s->index[i].doc &&
               (s->index[i].hash != h || strcmp(s->index[i].doc->path, d->path) != 0))
            i = (i + 1) & mask;
        s->index[i].hash = h;
        s->index[i].doc = d;
    }
}

void tc_snapshot_hold(tc_snapshot_t *s)
{
    s->holders++;
}

void tc_snapshot_release(tc_snapshot_t *s)
{
    if (!s || --s->holders)
        return;
    for (size_t i = 0; i < s->ndocs; i++)
        drop_doc(s->docs[i]);
    free(s->docs);
    free(s->index);
    tc_offers_release(s->offers);
    free(s);
}
