/* Snapshot building: documents, their compressed variants and ETags. The ETag is a hash of
 * the bytes, so a document that did not change keeps its ETag across snapshots and clients'
 * If-None-Match revalidations keep answering 304. */
#include "web/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
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
    return s;
}

/* 64-bit FNV-1a: not cryptographic, but an ETag only has to change when the bytes do. */
static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

typedef struct cache_entry {
    uint64_t hash;        /* of the identity bytes */
    size_t len;
    char *gz, *br;        /* owned copies; NULL when that coding was not smaller */
    size_t gzlen, brlen;
    uint64_t used;        /* generation of the last snapshot that used it */
} cache_entry_t;

struct tc_snapshot_cache {
    cache_entry_t *entries; /* owned */
    size_t n, cap;
};

tc_snapshot_cache_t *tc_snapshot_cache_new(void)
{
    return tc_calloc(1, sizeof(tc_snapshot_cache_t));
}

void tc_snapshot_cache_free(tc_snapshot_cache_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->entries[i].gz);
        free(c->entries[i].br);
    }
    free(c->entries);
    free(c);
}

static char *copy_bytes(const char *p, size_t len)
{
    if (!p)
        return NULL;
    char *q = tc_malloc(len);
    memcpy(q, p, len);
    return q;
}

static cache_entry_t *cache_find(tc_snapshot_cache_t *c, uint64_t hash, size_t len)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (c->entries[i].hash == hash && c->entries[i].len == len)
            return &c->entries[i];
    return NULL;
}

static void cache_put(tc_snapshot_cache_t *c, uint64_t hash, size_t len, const tc_variant_t *gz,
                      const tc_variant_t *br, uint64_t generation)
{
    if (!c)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->entries = tc_realloc(c->entries, c->cap * sizeof *c->entries);
    }
    cache_entry_t *e = &c->entries[c->n++];
    e->hash = hash;
    e->len = len;
    e->gz = copy_bytes(gz->data, gz->len);
    e->gzlen = gz->len;
    e->br = copy_bytes(br->data, br->len);
    e->brlen = br->len;
    e->used = generation;
}

void tc_snapshot_add(tc_snapshot_t *s, const char *path, tc_route_t route,
                     const char *content_type, char *body, size_t len)
{
    if (s->ndocs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->docs = tc_realloc(s->docs, s->cap * sizeof *s->docs);
    }
    tc_doc_t *d = &s->docs[s->ndocs++];
    memset(d, 0, sizeof *d);
    d->path = tc_strdup(path);
    d->route = route;
    d->content_type = content_type;
    /* Short enough that readers see an outage within seconds, long enough that a stampede of
     * reloads is absorbed by browser and proxy caches; ETags make revalidation cheap. */
    d->cache_control = "public, max-age=10";

    uint64_t h = fnv1a(body, len);
    d->var[TC_ENC_IDENTITY].data = body;
    d->var[TC_ENC_IDENTITY].len = len;
    snprintf(d->var[TC_ENC_IDENTITY].etag, sizeof d->var[0].etag, "\"%016llx\"",
             (unsigned long long)h);

    /* A variant is offered only when it is smaller than the identity bytes. Bytes seen in an
     * earlier snapshot reuse its variants instead of compressing again (FNV collisions on
     * equal lengths are not a practical concern for a cache of our own documents). */
    tc_variant_t *gz = &d->var[TC_ENC_GZIP], *br = &d->var[TC_ENC_BR];
    cache_entry_t *hit = cache_find(s->cache, h, len);
    if (hit) {
        hit->used = s->generation;
        gz->data = copy_bytes(hit->gz, hit->gzlen);
        gz->len = hit->gzlen;
        br->data = copy_bytes(hit->br, hit->brlen);
        br->len = hit->brlen;
    } else {
        size_t zlen = 0;
        char *z = tc_compress_gzip(body, len, &zlen);
        if (z && zlen < len) {
            gz->data = z;
            gz->len = zlen;
        } else {
            free(z);
        }
        size_t blen = 0;
        char *b = tc_compress_brotli(body, len, &blen);
        if (b && blen < len) {
            br->data = b;
            br->len = blen;
        } else {
            free(b);
        }
        cache_put(s->cache, h, len, gz, br, s->generation);
    }
    if (gz->data)
        snprintf(gz->etag, sizeof gz->etag, "\"%016llx-gz\"", (unsigned long long)h);
    if (br->data)
        snprintf(br->etag, sizeof br->etag, "\"%016llx-br\"", (unsigned long long)h);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const tc_doc_t *)a)->path, ((const tc_doc_t *)b)->path);
}

void tc_snapshot_seal(tc_snapshot_t *s)
{
    /* Entries no document of this snapshot used are gone from the page: forget them. */
    tc_snapshot_cache_t *c = s->cache;
    for (size_t i = 0; c && i < c->n;) {
        if (c->entries[i].used == s->generation) {
            i++;
            continue;
        }
        free(c->entries[i].gz);
        free(c->entries[i].br);
        c->entries[i] = c->entries[--c->n];
    }
    if (s->ndocs)
        qsort(s->docs, s->ndocs, sizeof *s->docs, by_path);
}

const tc_doc_t *tc_snapshot_find(const tc_snapshot_t *s, const char *path)
{
    tc_doc_t key;
    key.path = (char *)path;
    if (!s->ndocs)
        return NULL;
    return bsearch(&key, s->docs, s->ndocs, sizeof *s->docs, by_path);
}

void tc_snapshot_free(tc_snapshot_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndocs; i++) {
        free(s->docs[i].path);
        for (int e = 0; e < TC_ENC_COUNT; e++)
            free(s->docs[i].var[e].data);
    }
    free(s->docs);
    free(s);
}
