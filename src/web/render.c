/* Runs every renderer over one view and packs the documents into a snapshot. The list of
 * public documents lives here, in one place.
 *
 * What a write costs (issue 16): the documents whose number grows with the history (one page
 * per incident, one per month) are rendered only when what they show changed. Each gets a
 * key, a fingerprint of its inputs: the incident's version (incident.h: it changes with every
 * change) or the versions of a month's incidents, mixed with the "frame", everything of the
 * view that those pages show besides their incidents (page name, description, notice, zone,
 * impact labels, favicon type, language, branding, component names). A document of the
 * previous snapshot with the same key is shared as it is. Every other document is rendered
 * each time, and shared when its bytes came out the same (snapshot.c), so it is compressed
 * only when it changed. Whoever adds to what an incident or history page shows of the view
 * adds it to frame_key(). Older incidents' pages and month pages are only offered, and made
 * when asked for (tc_render_on_demand()); the uptime report is keyed by its figures' instant
 * and fingerprints of its incidents (render_uptime.c); history entries are kept between
 * renders (tc_render__entry()). */
#include "web/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/secret.h"
#include "web/html.h"

/* Where an incident is filed in the history, per incident version: formatting the day in
 * the page's zone for every stored incident on every write would cost more than the write. */
typedef struct filed {
    uint64_t version; /* 0: empty slot */
    int64_t at;
    char day[12];     /* "2024-11-14" */
    uint64_t print;   /* what the uptime report shows of it (tc_render__print()); 0: not yet */
} filed_t;

/* A rendered piece of a document kept for the next render: an incident's history entry or
 * its JSON, under its key (the frame, the incident's version, and what else it shows). */
typedef struct fragment {
    uint64_t key;   /* 0: an empty slot */
    char *html;     /* owned; NULL once taken over by the next table */
    size_t len;
} fragment_t;

typedef struct fragments {
    fragment_t *slot; /* open addressing */
    size_t cap, n;    /* cap: a power of two, or 0 */
} fragments_t;

struct tc_render_state {
    tc_snapshot_t *last; /* held: the last snapshot rendered, whose documents can be shared */
    uint64_t frame;      /* the frame key the filed table was made for */
    filed_t *filed;      /* open addressing by version */
    size_t filed_cap;    /* a power of two, or 0 */
    size_t filed_n;      /* entries in it, those of older versions included */
    /* The table the running render fills (NULL outside one): the filed table itself, which
     * then gains the versions it lacked, or, when that holds too many old versions, a new
     * one that takes over only what this render uses. */
    filed_t *next;
    size_t next_cap, next_n;
    bool eager;          /* every page at every render (tc_render_state_eager()) */
    /* The history entries of the last render, and those of the running one: a render takes
     * over what it uses again, and what it did not use is freed when it ends. */
    fragments_t frags, next_frags;
    /* Every incident's page by the hash of its path, made for one set of incidents (the
     * view's incident_set; 0: made again at each render): the incidents are the same objects
     * while the set is, so a render finds a page's incident without going through all. */
    struct page_of {
        uint64_t hash;            /* tc_snapshot_path_hash() of "/incidents/<id>"; 0: empty */
        const tc_incident_t *inc;
    } *pages;
    size_t pages_cap;
    uint64_t pages_set;
    /* The pages offered to be made on demand: the incidents' and the months' (whose hashes
     * the running render gathers in months), kept while neither changes. */
    struct tc_history_cache *history; /* owned by render_history.c's functions */
    tc_offers_t *offers;          /* held */
    uint64_t offers_key;
    uint64_t *months;
    size_t nmonths, months_cap;
};

/* Incident pages made at every render, whatever the history holds: those not closed, and the
 * newest few, which "/" and the feeds link to and which readers open at once after an
 * announcement. The others are made when first asked for. */
#define HOT_NEWEST 25
/* What the pages made on demand may hold with their compressed variants, about 1,500
 * incident pages: the memory of a long history stays bounded (issue 16). */
#define ON_DEMAND_BUDGET ((size_t)24 << 20)

tc_render_state_t *tc_render_state_new(void)
{
    return tc_calloc(1, sizeof(tc_render_state_t));
}

void tc_render_state_eager(tc_render_state_t *st, bool eager)
{
    st->eager = eager;
}

bool tc_render__eager(const tc_render_state_t *st)
{
    return !st || st->eager;
}

static void frags_free(fragments_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slot[i].html);
    free(t->slot);
    *t = (fragments_t){0};
}

void tc_render_state_free(tc_render_state_t *st)
{
    if (!st)
        return;
    frags_free(&st->frags);
    frags_free(&st->next_frags);
    free(st->pages);
    tc_offers_release(st->offers);
    tc_render__history_cache_free(st->history);
    free(st->months);
    tc_snapshot_release(st->last);
    free(st->filed);
    free(st->next);
    free(st);
}

static uint64_t mix(uint64_t h, uint64_t x)
{
    /* splitmix64's finaliser over h ^ x: cheap, and every input bit reaches every output bit. */
    uint64_t z = h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z ? z : 1; /* 0 means "no key" */
}

static void put_str(tc_buf_t *b, const char *str)
{
    /* With its terminator, so "ab" + "c" and "a" + "bc" differ. */
    tc_buf_append(b, str ? str : "", (str ? strlen(str) : 0) + 1);
}

/* Everything of the view that incident and history pages show besides their incidents. */
static uint64_t frame_key(const tc_view_t *v)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    put_str(&b, v->page_id);
    put_str(&b, v->page_name);
    put_str(&b, v->page_url);
    put_str(&b, v->page_description);
    put_str(&b, v->page_notice);
    put_str(&b, v->time_zone);
    put_str(&b, v->favicon ? v->favicon_type : NULL);
    for (int i = 0; i < 5; i++)
        put_str(&b, v->impact_labels[i]);
    tc_buf_printf(&b, "%d %d\n", (int)v->subscribe_email, (int)v->lang);
    put_str(&b, v->logo ? v->logo_path : NULL);
    put_str(&b, v->accent);
    put_str(&b, v->accent_dark);
    put_str(&b, v->css);
    put_str(&b, v->footer);
    for (const char *const *l = v->links; l && *l; l++)
        put_str(&b, *l);
    for (size_t r = 0; r < v->nrows; r++) {
        put_str(&b, v->rows[r].id);
        put_str(&b, v->rows[r].name);
        put_str(&b, v->rows[r].group_id); /* the uptime report's headings */
    }
    uint64_t h = tc_secret_digest64(b.data, b.len);
    tc_buf_free(&b);
    return h ? h : 1;
}

uint64_t tc_render__frame(const tc_render_state_t *st)
{
    return st ? st->frame : 0;
}

struct tc_history_cache **tc_render__history_cache(tc_render_state_t *st)
{
    return st && st->next ? &st->history : NULL;
}

uint64_t tc_render__key(uint64_t h, uint64_t x)
{
    return mix(h, x);
}

static filed_t *filed_slot(filed_t *t, size_t cap, uint64_t version)
{
    size_t mask = cap - 1;
    for (size_t i = mix(0, version) & mask;; i = (i + 1) & mask)
        if (t[i].version == version || !t[i].version)
            return &t[i];
}

/* The running render's table grown to twice its size, to stay at most half full. */
static void grow_next(tc_render_state_t *st)
{
    size_t cap = st->next_cap * 2;
    filed_t *t = tc_calloc(cap, sizeof *t);
    for (size_t i = 0; i < st->next_cap; i++)
        if (st->next[i].version)
            *filed_slot(t, cap, st->next[i].version) = st->next[i];
    if (st->next != st->filed)
        free(st->next);
    st->next = t;
    st->next_cap = cap;
}

/* The running render's entry for @p inc (a version): the last render's when it had one. */
static filed_t *filed_entry(tc_render_state_t *st, const tc_view_t *v, const tc_incident_t *inc)
{
    filed_t *n = filed_slot(st->next, st->next_cap, inc->version);
    if (n->version)
        return n;
    if ((st->next_n + 1) * 2 > st->next_cap) {
        grow_next(st);
        n = filed_slot(st->next, st->next_cap, inc->version);
    }
    const filed_t *old = st->filed_cap && st->next != st->filed
                             ? filed_slot(st->filed, st->filed_cap, inc->version)
                             : NULL;
    if (old && old->version) {
        *n = *old;
    } else {
        n->version = inc->version;
        n->at = tc_html_incident_time(inc);
        tc_clock_format_local(v->zone, n->at, "%Y-%m-%d", n->day, sizeof n->day);
    }
    st->next_n++;
    return n;
}

int64_t tc_render__filed(tc_render_state_t *st, const tc_view_t *v, const tc_incident_t *inc,
                         char day[12])
{
    const filed_t *f = NULL;
    if (st && inc->version && st->next) {
        f = filed_entry(st, v, inc);
    } else if (st && inc->version && st->filed_cap) {
        /* Outside a render (a page on demand): the table is only read. */
        f = filed_slot(st->filed, st->filed_cap, inc->version);
        f = f->version ? f : NULL;
    }
    if (f) {
        memcpy(day, f->day, 12);
        return f->at;
    }
    int64_t at = tc_html_incident_time(inc);
    tc_clock_format_local(v->zone, at, "%Y-%m-%d", day, 12);
    return at;
}

uint64_t tc_render__print(tc_render_state_t *st, const tc_view_t *v, const tc_incident_t *inc,
                          uint64_t (*make)(const tc_view_t *, const tc_incident_t *))
{
    if (!st || !st->next || !inc->version)
        return make(v, inc);
    filed_t *f = filed_entry(st, v, inc);
    if (!f->print)
        f->print = make(v, inc);
    return f->print;
}

static fragment_t *frag_find(const fragments_t *t, uint64_t key)
{
    if (!t->cap)
        return NULL;
    for (size_t i = key & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->slot[i].key == key)
            return &t->slot[i];
        if (!t->slot[i].key)
            return NULL;
    }
}

/* A new empty fragment under @p key (absent from @p t), the table grown to stay half empty. */
static fragment_t *frag_add(fragments_t *t, uint64_t key)
{
    if ((t->n + 1) * 2 > t->cap) {
        fragments_t grown = {tc_calloc(t->cap ? t->cap * 2 : 256, sizeof(fragment_t)),
                             t->cap ? t->cap * 2 : 256, 0};
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i].key)
                *frag_add(&grown, t->slot[i].key) = t->slot[i];
        free(t->slot);
        *t = grown;
    }
    size_t i = key & (t->cap - 1);
    while (t->slot[i].key)
        i = (i + 1) & (t->cap - 1);
    t->slot[i].key = key;
    t->n++;
    return &t->slot[i];
}

void tc_render__piece(tc_render_state_t *st, tc_buf_t *b, const tc_view_t *v,
                      const tc_incident_t *inc, uint64_t kind, tc_render_make_t make, int arg)
{
    if (!st || !st->frame || !inc->version) {
        make(b, v, inc, arg);
        return;
    }
    uint64_t key = mix(mix(st->frame, inc->version), kind);
    const fragment_t *f = frag_find(&st->next_frags, key);
    if (!f && !st->next) {
        /* Outside a render (a page on demand): the last render's pieces are only read. */
        f = frag_find(&st->frags, key);
        if (!f || !f->html) {
            make(b, v, inc, arg);
            return;
        }
    } else if (!f) {
        fragment_t *old = frag_find(&st->frags, key), *mine = frag_add(&st->next_frags, key);
        if (old && old->html) {
            mine->html = old->html;
            mine->len = old->len;
            old->html = NULL;
        } else {
            tc_buf_t e;
            tc_buf_init(&e, 0);
            make(&e, v, inc, arg);
            mine->html = tc_buf_steal(&e, &mine->len);
        }
        f = mine;
    }
    tc_buf_append(b, f->html, f->len);
}

static void entry_piece(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *inc, int level)
{
    tc_html_incident_entry(b, v, inc, level);
}

void tc_render__entry(tc_render_state_t *st, tc_buf_t *b, const tc_view_t *v,
                      const tc_incident_t *inc, int level)
{
    tc_render__piece(st, b, v, inc, (uint64_t)level, entry_piece, level);
}

/* The time a page about @p i was last changed, for its footer: an incident page that did
 * not change keeps its bytes, whatever else happened on the page since. */
int64_t tc_render__incident_changed_at(const tc_incident_t *i)
{
    int64_t t = i->updated_at;
    if (i->postmortem_published_at > t)
        t = i->postmortem_published_at;
    for (size_t k = 0; k < i->nupdates; k++)
        if (i->updates[k].updated_at > t)
            t = i->updates[k].updated_at;
    return t;
}

static char *incident_page(const tc_view_t *v, const tc_incident_t *inc, size_t *len)
{
    tc_view_t mine = *v;
    mine.updated_at = tc_render__incident_changed_at(inc);
    return tc_render_incident_html(&mine, inc, len);
}

/* "/incidents/<id>" in @p path (64 bytes). @return false for an id too long to have a page
 * (incident.c makes short ones). */
static bool page_path(const tc_incident_t *inc, char path[64])
{
    size_t idlen = strlen(inc->id);
    if (idlen + 12 > 64)
        return false;
    memcpy(path, "/incidents/", 11);
    memcpy(path + 11, inc->id, idlen + 1);
    return true;
}

static void add_page_of(struct page_of *t, size_t cap, uint64_t hash, const tc_incident_t *inc)
{
    size_t i = hash & (cap - 1);
    while (t[i].hash)
        i = (i + 1) & (cap - 1);
    t[i] = (struct page_of){hash, inc};
}

/* The incident whose page has @p hash (and @p path), or NULL. */
static const tc_incident_t *page_incident(const tc_render_state_t *st, uint64_t hash,
                                          const char *path)
{
    for (size_t i = hash & (st->pages_cap - 1); st->pages[i].hash;
         i = (i + 1) & (st->pages_cap - 1))
        if (st->pages[i].hash == hash && strcmp(st->pages[i].inc->id, path + 11) == 0)
            return st->pages[i].inc;
    return NULL;
}

/* The table of pages for the view's incidents, made when their set changed. */
static void index_pages(tc_render_state_t *st, const tc_view_t *v)
{
    if (st->pages && v->incident_set && st->pages_set == v->incident_set)
        return;
    free(st->pages);
    st->pages_cap = 16;
    while (st->pages_cap < v->nincidents * 2)
        st->pages_cap *= 2;
    st->pages = tc_calloc(st->pages_cap, sizeof *st->pages);
    st->pages_set = v->incident_set;
    char path[64];
    for (size_t k = 0; k < v->nincidents; k++)
        if (page_path(v->incidents[k], path))
            add_page_of(st->pages, st->pages_cap, tc_snapshot_path_hash(path), v->incidents[k]);
}

static void incident_page_doc(const tc_view_t *v, tc_snapshot_t *s, const tc_incident_t *inc,
                              uint64_t frame, const char *path)
{
    uint64_t key = frame && inc->version ? mix(frame, inc->version) : 0;
    if (tc_snapshot_reuse(s, path, key))
        return;
    size_t len = 0;
    char *body = incident_page(v, inc, &len);
    tc_snapshot_add_keyed(s, path, TC_ROUTE_INCIDENT, "text/html; charset=utf-8", body, len,
                          key);
}

/* Is @p hash in the small set @p done (open addressing, @p cap a power of two)? With
 * @p add, put it there. */
static bool in_done(uint64_t *done, size_t cap, uint64_t hash, bool add)
{
    size_t i = hash & (cap - 1);
    for (; done[i]; i = (i + 1) & (cap - 1))
        if (done[i] == hash)
            return true;
    if (add)
        done[i] = hash;
    return false;
}

/* The incident pages: every one when eager; otherwise those of the hot incidents (not
 * closed, or among the newest few), and those of the snapshot before that were made on
 * demand (or while hot) and still show their incident as it is; all are offered. */
static void incident_pages(const tc_view_t *v, const tc_view_t *open, tc_snapshot_t *s,
                           tc_render_state_t *st, uint64_t frame)
{
    char path[64];
    if (tc_render__eager(st)) {
        for (size_t k = 0; k < v->nincidents; k++)
            if (page_path(v->incidents[k], path))
                incident_page_doc(v, s, v->incidents[k], frame, path);
        return;
    }
    index_pages(st, v);
    size_t hot = v->nincidents < HOT_NEWEST ? v->nincidents : HOT_NEWEST;
    size_t cap = 16;
    while (cap < (hot + open->nincidents) * 2)
        cap *= 2;
    uint64_t *done = tc_calloc(cap, sizeof *done);
    for (size_t k = 0; k < hot + open->nincidents; k++) {
        const tc_incident_t *inc = k < hot ? v->incidents[k] : open->incidents[k - hot];
        if (k >= hot && tc_incident_status_is_closed(inc->status))
            continue; /* closed maintenance, there for the lists of maintenance */
        if (!page_path(inc, path) || in_done(done, cap, tc_snapshot_path_hash(path), true))
            continue;
        incident_page_doc(v, s, inc, frame, path);
    }
    for (size_t k = 0; s->prev && k < s->prev->ndocs; k++) {
        const tc_doc_t *d = s->prev->docs[k];
        if (d->route != TC_ROUTE_INCIDENT || !d->key)
            continue;
        uint64_t h = tc_snapshot_path_hash(d->path);
        const tc_incident_t *inc = page_incident(st, h, d->path);
        if (!inc || !inc->version || in_done(done, cap, h, false))
            continue;
        tc_snapshot_keep_on_demand(s, d->path, mix(frame, inc->version));
    }
    free(done);
}

/* Offer the incidents' pages and the months' that the render gathered, made again only when
 * either changed. */
static void offer_pages(const tc_view_t *v, tc_snapshot_t *s, tc_render_state_t *st)
{
    uint64_t key = mix(v->incident_set, st->nmonths);
    for (size_t k = 0; k < st->nmonths; k++)
        key = mix(key, st->months[k]);
    if (!st->offers || !v->incident_set || key != st->offers_key) {
        uint64_t *all = tc_malloc((st->pages_cap + st->nmonths + 1) * sizeof *all);
        size_t n = 0;
        for (size_t i = 0; i < st->pages_cap; i++)
            if (st->pages[i].hash)
                all[n++] = st->pages[i].hash;
        for (size_t k = 0; k < st->nmonths; k++)
            all[n++] = st->months[k];
        tc_offers_release(st->offers);
        st->offers = tc_offers_new(all, n);
        st->offers_key = key;
        free(all);
    }
    tc_snapshot_set_offers(s, st->offers);
}

void tc_render__offer(tc_render_state_t *st, const char *path)
{
    if (st->nmonths == st->months_cap) {
        st->months_cap = st->months_cap ? st->months_cap * 2 : 64;
        st->months = tc_realloc(st->months, st->months_cap * sizeof *st->months);
    }
    st->months[st->nmonths++] = tc_snapshot_path_hash(path);
}

/* The console's stylesheet and script: static, but served like every document (ETags,
 * compression) from the snapshot of whichever server carries the console. */
static void add_console_assets(tc_snapshot_t *s)
{
    size_t len = 0;
    char *body = tc_render_console_css(&len);
    tc_snapshot_add(s, "/admin/assets/console.css", TC_ROUTE_OTHER, "text/css; charset=utf-8",
                    body, len);
    body = tc_render_console_js(&len);
    tc_snapshot_add(s, "/admin/assets/console.js", TC_ROUTE_OTHER,
                    "text/javascript; charset=utf-8", body, len);
}

tc_snapshot_t *tc_render(const tc_view_t *v, uint64_t generation, tc_render_state_t *st)
{
    static const char json[] = "application/json; charset=utf-8";
    static const char html[] = "text/html; charset=utf-8";
    tc_snapshot_t *s = tc_snapshot_new(generation);
    uint64_t frame = 0;
    if (st) {
        s->prev = st->last;
        frame = frame_key(v);
        if (frame != st->frame) {
            /* Another zone files incidents under other days: start the table afresh. */
            free(st->filed);
            st->filed = NULL;
            st->filed_cap = st->filed_n = 0;
            st->frame = frame;
        }
        /* Each write gives one incident a new version: the table is filled in place, and
         * made afresh with only the versions in use once the old ones are as many. */
        if (st->filed && st->filed_n <= v->nincidents * 2 + 1024) {
            st->next = st->filed;
            st->next_cap = st->filed_cap;
            st->next_n = st->filed_n;
        } else {
            st->next_cap = 16;
            while (st->next_cap < v->nincidents * 2)
                st->next_cap *= 2;
            st->next = tc_calloc(st->next_cap, sizeof *st->next);
            st->next_n = 0;
        }
        /* As many pieces as the last render's, most likely: no growing on the way. */
        st->next_frags.cap = st->frags.cap;
        st->next_frags.slot = st->frags.cap ? tc_calloc(st->frags.cap, sizeof(fragment_t))
                                            : NULL;
    }
    size_t len = 0;
    char *body;

    /* The documents that list only open incidents or maintenance are given the view of those
     * alone (the engine's short list, or found in one pass), instead of each going through
     * the whole history. */
    tc_view_t open = *v;
    const tc_incident_t **few = NULL;
    if (!v->shortlist) {
        few = tc_calloc(v->nincidents ? v->nincidents : 1, sizeof *few);
        open.nincidents = 0;
        for (size_t k = 0; k < v->nincidents; k++) {
            const tc_incident_t *i = v->incidents[k];
            if (i->is_maintenance || !tc_incident_status_is_closed(i->status))
                few[open.nincidents++] = i;
        }
        open.shortlist = few;
        open.nshortlist = open.nincidents;
    }
    open.incidents = open.shortlist;
    open.nincidents = open.nshortlist;

    body = tc_render__page(v, st, &len);
    tc_snapshot_add(s, "/", TC_ROUTE_PAGE, html, body, len);
    body = tc_render_summary_json(&open, st, &len);
    tc_snapshot_add(s, "/api/v2/summary.json", TC_ROUTE_SUMMARY, json, body, len);
    body = tc_render_status_json(v, &len);
    tc_snapshot_add(s, "/api/v2/status.json", TC_ROUTE_STATUS, json, body, len);
    body = tc_render_components_json(v, &len);
    tc_snapshot_add(s, "/api/v2/components.json", TC_ROUTE_COMPONENTS, json, body, len);
    if (st)
        st->nmonths = 0; /* gathered again by the history's months */
    tc_render_history_docs(v, s, st);
    incident_pages(v, &open, s, st, frame);
    body = tc_render_feed_atom(v, &len);
    tc_snapshot_add(s, "/history.atom", TC_ROUTE_FEED, "application/atom+xml; charset=utf-8",
                    body, len);
    body = tc_render_feed_rss(v, &len);
    tc_snapshot_add(s, "/history.rss", TC_ROUTE_FEED, "application/rss+xml; charset=utf-8",
                    body, len);
    static const struct {
        const char *path;
        tc_render_list_t list;
        bool all; /* needs every incident, not only the open ones and maintenance */
    } lists[] = {
        {"/api/v2/incidents.json", TC_LIST_INCIDENTS, true},
        {"/api/v2/incidents/unresolved.json", TC_LIST_UNRESOLVED, false},
        {"/api/v2/scheduled-maintenances.json", TC_LIST_MAINTENANCES, false},
        {"/api/v2/scheduled-maintenances/upcoming.json", TC_LIST_UPCOMING, false},
        {"/api/v2/scheduled-maintenances/active.json", TC_LIST_ACTIVE, false},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        body = tc_render_list_json(lists[i].all ? v : &open, st, lists[i].list, &len);
        tc_snapshot_add(s, lists[i].path, TC_ROUTE_INCIDENTS, json, body, len);
    }
    tc_render_uptime_docs(v, s, st);
    tc_render_badge_docs(v, s);
    tc_render_embed_docs(&open, s);
    free(few);
    const char *icon_type;
    body = tc_render_favicon(v, &icon_type, &len);
    tc_snapshot_add(s, "/favicon.ico", TC_ROUTE_ASSET, icon_type, body, len);
    if (v->logo) {
        body = tc_malloc(v->logo_len ? v->logo_len : 1);
        memcpy(body, v->logo, v->logo_len);
        tc_snapshot_add(s, v->logo_path, TC_ROUTE_ASSET, v->logo_type, body, v->logo_len);
    }
    body = tc_render_page_js(&len);
    tc_snapshot_add(s, "/page.js", TC_ROUTE_ASSET, "text/javascript; charset=utf-8", body, len);
    body = tc_render_robots_txt(v, &len);
    tc_snapshot_add(s, "/robots.txt", TC_ROUTE_ASSET, "text/plain; charset=utf-8", body, len);
    add_console_assets(s);
    if (!tc_render__eager(st))
        offer_pages(v, s, st);
    tc_snapshot_trim(s, ON_DEMAND_BUDGET);
    tc_snapshot_seal(s);
    if (st) {
        if (st->next != st->filed)
            free(st->filed);
        st->filed = st->next;
        st->filed_cap = st->next_cap;
        st->filed_n = st->next_n;
        st->next = NULL;
        st->next_cap = st->next_n = 0;
        /* Only this render's entries stay. */
        frags_free(&st->frags);
        st->frags = st->next_frags;
        st->next_frags = (fragments_t){0};
        tc_snapshot_release(st->last);
        tc_snapshot_hold(s);
        st->last = s;
    }
    return s;
}

int tc_render_on_demand(const tc_view_t *v, uint64_t generation, tc_render_state_t *st,
                        const char *path, int64_t now, tc_snapshot_t **out)
{
    *out = NULL;
    if (!st->last || !tc_snapshot_offers(st->last, path))
        return TC_ENOENT;
    if (tc_snapshot_find(st->last, path))
        return TC_EEXIST; /* a request before this one had it made */
    uint64_t frame = frame_key(v);
    /* The table of where incidents are filed is good for the frame it was made in only. */
    tc_render_state_t *filed = frame == st->frame ? st : NULL;
    tc_route_t route = TC_ROUTE_INCIDENT;
    char *body = NULL;
    size_t len = 0;
    uint64_t key = 0;
    if (strncmp(path, "/incidents/", 11) == 0) {
        index_pages(st, v);
        const tc_incident_t *inc = page_incident(st, tc_snapshot_path_hash(path), path);
        if (inc) {
            key = inc->version ? mix(frame, inc->version) : 0;
            body = incident_page(v, inc, &len);
        }
    } else if (strncmp(path, "/history/", 9) == 0) {
        route = TC_ROUTE_HISTORY;
        body = tc_render__month_page(v, filed, frame, path + 9, &len, &key);
    }
    if (!body)
        return TC_ENOENT; /* offered by the last render, gone from the view since */
    tc_snapshot_t *s = tc_snapshot_extend(st->last, generation);
    tc_snapshot_add_on_demand(s, path, route, "text/html; charset=utf-8", body, len, key, now);
    tc_snapshot_trim(s, ON_DEMAND_BUDGET);
    tc_snapshot_seal(s);
    tc_snapshot_release(st->last);
    tc_snapshot_hold(s);
    st->last = s;
    *out = s;
    return 0;
}

tc_snapshot_t *tc_render_console_only(uint64_t generation)
{
    tc_snapshot_t *s = tc_snapshot_new(generation);
    add_console_assets(s);
    tc_snapshot_seal(s);
    return s;
}
