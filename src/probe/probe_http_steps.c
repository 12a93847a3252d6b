/* The http-steps probe (synthetic transaction): an ordered list of HTTP requests sharing one
 * context. A step can store values from its response (`store: {id: "[BODY].id"}`) that later
 * steps use as [CONTEXT].id in their url, headers and body; each step has its own conditions
 * and timeout, and steps marked `always: true` (cleanup) run even after a failure. Steps run
 * one after the other on the loop, one libcurl transfer each on a fresh connection. The run
 * is down when a step fails, and the reason names the step. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "probe/probe_int.h"

#define MAX_STEPS 32
#define MAX_CONTEXT_VALUE 4096 /* bytes of one stored value */
#define STEP_BODY_MAX (1 << 20)
#define STEP_HEADERS_MAX (64 << 10)

typedef struct store_entry {
    char *name;      /* owned; the [CONTEXT] key */
    tc_cond_t *expr; /* owned; a single placeholder */
} store_entry_t;

typedef struct step {
    char *name;                 /* owned; [A-Za-z0-9_-], unique in the monitor */
    char *url;                  /* owned; may hold [CONTEXT].x */
    char *method;               /* owned; NULL: GET, or POST when there is a body */
    char *body;                 /* owned; may hold [CONTEXT].x; NULL: none */
    struct curl_slist *headers; /* owned; "Name: value" lines that may hold [CONTEXT].x */
    long timeout_ms;
    tc_cond_t **conds;          /* owned */
    size_t nconds;
    store_entry_t *store;       /* owned */
    size_t nstore;
    bool always;                /* run even after an earlier step failed (cleanup) */
} step_t;

typedef struct steps_cfg {
    step_t *steps; /* owned */
    size_t nsteps;
    bool verify_tls;
} steps_cfg_t;

/* The shared context: name=value pairs stored by earlier steps. */
typedef struct ctx {
    char *names[MAX_STEPS * 8];
    char *values[MAX_STEPS * 8];
    size_t n;
} ctx_t;

/* What one step's conditions and store: expressions see. */
typedef struct step_view {
    tc_result_t *r; /* the step's own response */
    const ctx_t *ctx;
} step_view_t;

typedef struct steps_run {
    CURL *easy;                 /* owned; the transfer in flight, or NULL */
    struct curl_slist *headers; /* owned; the substituted headers of that transfer */
    char *url, *body;           /* owned; substituted, kept alive while curl uses them */
    size_t next;                /* index of the step to consider next */
    size_t current;             /* index of the step in flight */
    bool failed;                /* a step has failed; only always: steps still run */
    bool all_connected;
    double total_ms;
    tc_result_t step;           /* the current step's response (body, headers, timings) */
    ctx_t ctx;
} steps_run_t;

static const char *const keys[] = {"steps", "verify_tls", NULL};
static const char *const placeholders[] = {"CONNECTED", "STATUS", "RESPONSE_TIME", "BODY",
                                           "HEADER", "STEP_TIME", NULL};
static const char *const step_keys[] = {"name", "url", "method", "headers", "body", "timeout",
                                        "conditions", "store", "always", NULL};
/* What a step's own conditions and store: expressions may use. */
static const char *const step_placeholders[] = {"CONNECTED", "STATUS", "RESPONSE_TIME", "BODY",
                                                "HEADER", "CONTEXT", NULL};

static int valid_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Length of the context name at @p s (the characters valid_name() allows). */
static size_t name_len(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
           (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-')
        n++;
    return n;
}

/* Load-time lookup for step expressions: every value missing, the placeholder known. The
 * context holds the names stored by earlier steps (NULL for the monitor's own list). */
static int check_lookup(void *arg, const char *name, const char *key, tc_value_t *out)
{
    (void)arg;
    (void)key;
    out->type = TC_VALUE_MISSING;
    for (const char *const *p = step_placeholders; *p; p++)
        if (strcmp(*p, name) == 0)
            return 0;
    return TC_ENOENT;
}

static tc_cond_t *parse_expr(tc_yaml_t *y, tc_ynode_t n, const char *what)
{
    if (tc_yaml_type(y, n) != TC_YAML_SCALAR) {
        tc_yaml_error(y, n, "step: %s must be a string", what);
        return NULL;
    }
    tc_cond_t *c = NULL;
    int col = 0;
    char err[256];
    if (tc_cond_parse(tc_yaml_raw(y, n), &c, &col, err, sizeof err) != 0) {
        tc_yaml_error_at(y, n, col, "%s: %s", what, err);
        return NULL;
    }
    if (tc_cond_check(c, check_lookup, NULL, &col, err, sizeof err) != 0) {
        tc_yaml_error_at(y, n, col, "%s: %s (a step offers [STATUS], [BODY], [HEADER], "
                                    "[RESPONSE_TIME], [CONNECTED], [CONTEXT])", what, err);
        tc_cond_free(c);
        return NULL;
    }
    return c;
}

/* Every [CONTEXT].x in @p text must be stored by an earlier step (the first @p nprev). */
static void check_refs(tc_yaml_t *y, tc_ynode_t n, const char *text, const steps_cfg_t *c,
                       size_t nprev)
{
    for (const char *p = text ? strstr(text, "[CONTEXT].") : NULL; p;
         p = strstr(p + 1, "[CONTEXT].")) {
        const char *name = p + 10;
        size_t len = name_len(name);
        int found = 0;
        for (size_t i = 0; i < nprev && !found; i++)
            for (size_t k = 0; k < c->steps[i].nstore; k++)
                if (strlen(c->steps[i].store[k].name) == len &&
                    strncmp(c->steps[i].store[k].name, name, len) == 0)
                    found = 1;
        if (!found)
            tc_yaml_error(y, n, "step: [CONTEXT].%.*s is not stored by an earlier step",
                          (int)len, name);
    }
}

static void parse_store(tc_yaml_t *y, tc_ynode_t map, step_t *s)
{
    if (tc_yaml_type(y, map) != TC_YAML_MAPPING) {
        tc_yaml_error(y, map, "step: store must be a mapping of name: \"[BODY].path\"");
        return;
    }
    s->store = tc_calloc(tc_yaml_size(y, map), sizeof *s->store);
    for (size_t i = 0; i < tc_yaml_size(y, map); i++) {
        tc_ynode_t k = tc_yaml_key(y, map, i);
        tc_ynode_t v = tc_yaml_value(y, map, i);
        if (!valid_name(tc_yaml_raw(y, k))) {
            tc_yaml_error(y, k, "step: a context name may hold only letters, digits, '_' "
                                "and '-'");
            continue;
        }
        tc_cond_t *c = parse_expr(y, v, "store");
        if (!c)
            continue;
        tc_buf_t scratch;
        tc_buf_init(&scratch, 16);
        if (tc_cond_extract(c, check_lookup, NULL, &scratch) == TC_EINVAL) {
            tc_yaml_error(y, v, "store: expected one placeholder such as [BODY].id, "
                                "[HEADER].Location or [STATUS]");
            tc_cond_free(c);
            tc_buf_free(&scratch);
            continue;
        }
        tc_buf_free(&scratch);
        s->store[s->nstore].name = tc_strdup(tc_yaml_raw(y, k));
        s->store[s->nstore].expr = c;
        s->nstore++;
    }
}

static void parse_step(tc_yaml_t *y, tc_ynode_t item, tc_monitor_cfg_t *m, steps_cfg_t *c,
                       step_t *s)
{
    size_t index = (size_t)(s - c->steps);
    s->timeout_ms = m->timeout_ms;
    if (tc_yaml_check_mapping(y, item, "step", step_keys) != 0)
        return;
    tc_yaml_get_string(y, item, "step", "name", 1, &s->name);
    if (s->name && !valid_name(s->name))
        tc_yaml_error(y, tc_yaml_lookup(y, item, "name"),
                      "step: name may hold only letters, digits, '_' and '-' (1-64)");
    for (size_t i = 0; s->name && i < index; i++)
        if (c->steps[i].name && strcmp(c->steps[i].name, s->name) == 0)
            tc_yaml_error(y, tc_yaml_lookup(y, item, "name"), "step: duplicate name \"%s\"",
                          s->name);
    tc_yaml_get_string(y, item, "step", "url", 1, &s->url);
    if (s->url && strncmp(s->url, "http://", 7) != 0 && strncmp(s->url, "https://", 8) != 0 &&
        strncmp(s->url, "[CONTEXT].", 10) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, item, "url"),
                      "step: url must start with http://, https:// or a stored [CONTEXT] URL");
    tc_yaml_get_string(y, item, "step", "method", 0, &s->method);
    tc_yaml_get_string(y, item, "step", "body", 0, &s->body);
    tc_yaml_get_duration(y, item, "step", "timeout", 100, 600000, &s->timeout_ms);
    tc_yaml_get_bool(y, item, "step", "always", &s->always);
    s->headers = tc_probe__parse_headers(y, item);
    check_refs(y, tc_yaml_lookup(y, item, "url"), s->url, c, index);
    check_refs(y, tc_yaml_lookup(y, item, "body"), s->body, c, index);
    for (struct curl_slist *h = s->headers; h; h = h->next)
        check_refs(y, tc_yaml_lookup(y, item, "headers"), h->data, c, index);
    tc_ynode_t conds = tc_yaml_lookup(y, item, "conditions");
    if (conds && tc_yaml_type(y, conds) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, conds, "step: conditions must be a list");
    } else if (conds) {
        s->conds = tc_calloc(tc_yaml_size(y, conds), sizeof *s->conds);
        for (size_t i = 0; i < tc_yaml_size(y, conds); i++) {
            tc_ynode_t n = tc_yaml_item(y, conds, i);
            tc_cond_t *cond = parse_expr(y, n, "condition");
            if (cond) {
                check_refs(y, n, tc_cond_text(cond), c, index);
                s->conds[s->nconds++] = cond;
            }
        }
    }
    tc_ynode_t store = tc_yaml_lookup(y, item, "store");
    if (store)
        parse_store(y, store, s);
}

static void steps_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    steps_cfg_t *c = tc_calloc(1, sizeof *c);
    c->verify_tls = true;
    m->kind_cfg = c;
    tc_yaml_get_bool(y, node, "monitor", "verify_tls", &c->verify_tls);
    tc_ynode_t list = tc_yaml_lookup(y, node, "steps");
    if (!list) {
        tc_yaml_error(y, node, "monitor: missing required key \"steps\"");
        return;
    }
    size_t n = tc_yaml_size(y, list);
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE || n == 0 || n > MAX_STEPS) {
        tc_yaml_error(y, list, "monitor: steps must be a list of 1 to %d requests", MAX_STEPS);
        return;
    }
    c->steps = tc_calloc(n, sizeof *c->steps);
    for (size_t i = 0; i < n; i++) {
        c->nsteps++;
        parse_step(y, tc_yaml_item(y, list, i), m, c, &c->steps[i]);
    }
}

static void steps_free_config(void *p)
{
    steps_cfg_t *c = p;
    for (size_t i = 0; i < c->nsteps; i++) {
        step_t *s = &c->steps[i];
        free(s->name);
        free(s->url);
        free(s->method);
        free(s->body);
        curl_slist_free_all(s->headers);
        for (size_t k = 0; k < s->nconds; k++)
            tc_cond_free(s->conds[k]);
        free(s->conds);
        for (size_t k = 0; k < s->nstore; k++) {
            free(s->store[k].name);
            tc_cond_free(s->store[k].expr);
        }
        free(s->store);
    }
    free(c->steps);
    free(c);
}

static const char *ctx_get(const ctx_t *ctx, const char *name, size_t len)
{
    /* The last value stored under a name wins. */
    for (size_t i = ctx->n; i-- > 0;)
        if (strlen(ctx->names[i]) == len && strncmp(ctx->names[i], name, len) == 0)
            return ctx->values[i];
    return NULL;
}

static void ctx_set(ctx_t *ctx, const char *name, const char *value)
{
    if (ctx->n == sizeof ctx->names / sizeof ctx->names[0])
        return; /* more than any config can store: each step stores a bounded map */
    ctx->names[ctx->n] = tc_strdup(name);
    ctx->values[ctx->n] = tc_strdup(value);
    ctx->n++;
}

static void ctx_clear(ctx_t *ctx)
{
    for (size_t i = 0; i < ctx->n; i++) {
        free(ctx->names[i]);
        free(ctx->values[i]);
    }
    ctx->n = 0;
}

/* Percent-encodes @p v for a URL, keeping RFC 3986's unreserved characters and '/', so a
 * stored path (a Location header) still works as a path while '?', '&', '#', spaces and the
 * like cannot change the URL's structure. */
static void url_encode(tc_buf_t *b, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/') {
            tc_buf_append(b, p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            tc_buf_append(b, enc, 3);
        }
    }
}

/* Replace every [CONTEXT].name in @p text, URL-encoding the value when @p in_url is set,
 * except where it starts the text: a url that is wholly a stored value (an absolute
 * Location) is used as it is. @return a string the caller frees, or NULL with @p err
 * naming the unset key. */
static char *substitute(const char *text, const ctx_t *ctx, bool in_url, char *err,
                        size_t errlen)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    const char *p = text;
    for (const char *at = strstr(p, "[CONTEXT]."); at; at = strstr(p, "[CONTEXT].")) {
        tc_buf_append(&b, p, (size_t)(at - p));
        const char *name = at + 10;
        size_t len = name_len(name);
        const char *v = ctx_get(ctx, name, len);
        if (!v) {
            snprintf(err, errlen, "[CONTEXT].%.*s is not set", (int)len, name);
            tc_buf_free(&b);
            return NULL;
        }
        if (in_url && at != text)
            url_encode(&b, v);
        else
            tc_buf_puts(&b, v);
        p = name + len;
    }
    tc_buf_puts(&b, p);
    return tc_buf_steal(&b, NULL);
}

static int step_lookup(void *arg, const char *name, const char *key, tc_value_t *out)
{
    step_view_t *v = arg;
    if (strcmp(name, "CONTEXT") != 0)
        return tc_probe_lookup(v->r, name, key, out);
    memset(out, 0, sizeof *out);
    const char *value = key ? ctx_get(v->ctx, key, strlen(key)) : NULL;
    if (value) {
        out->type = TC_VALUE_STRING;
        out->str = value;
        out->len = strlen(value);
    }
    return 0;
}

static bool advance(tc_probe_run_t *run);
static void finish_run(tc_probe_run_t *run);

/* Record the first failure: it is the one the reason names. */
static void step_failed(tc_probe_run_t *run, size_t index, const char *what)
{
    steps_run_t *s = run->state;
    const step_t *st = &((const steps_cfg_t *)run->m->kind_cfg)->steps[index];
    tc_buf_printf(&run->result.details, "  FAIL %s\n", what);
    if (s->failed)
        return;
    s->failed = true;
    run->result.failed = true;
    /* Built whole, then cut to the error's size: a long explanation loses its tail only. */
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_printf(&b, "step %zu '%s': %s", index + 1, st->name, what);
    snprintf(run->result.error, sizeof run->result.error, "%s", b.data);
    tc_buf_free(&b);
    /* For the words people read (probe_words.c): which step, without what it answered. */
    tc_probe__set_value(&run->result, "FAILED_STEP", NULL, "%zu '%s'", index + 1, st->name);
}

static void reset_step(steps_run_t *s)
{
    s->step.body.len = 0;
    s->step.headers.len = 0;
    if (s->step.body.data)
        s->step.body.data[0] = '\0';
    if (s->step.headers.data)
        s->step.headers.data[0] = '\0';
    s->step.status_code = 0;
    s->step.connected = false;
    s->step.response_ms = 0;
}

/* The steps before the first failure and the failing step are the run's response: its
 * status, body and headers are those of the last of them. */
static void keep_response(tc_probe_run_t *run, bool was_failed)
{
    steps_run_t *s = run->state;
    tc_result_t *r = &run->result;
    if (was_failed)
        return;
    r->status_code = s->step.status_code;
    r->body.len = 0;
    r->headers.len = 0;
    tc_buf_append(&r->body, s->step.body.data ? s->step.body.data : "", s->step.body.len);
    tc_buf_append(&r->headers, s->step.headers.data ? s->step.headers.data : "",
                  s->step.headers.len);
    r->dns_ms = s->step.dns_ms;
    r->connect_ms = s->step.connect_ms;
    r->tls_ms = s->step.tls_ms;
    r->first_byte_ms = s->step.first_byte_ms;
    if (s->step.ip[0])
        snprintf(r->ip, sizeof r->ip, "%s", s->step.ip);
}

static void judge_step(tc_probe_run_t *run, const step_t *st, CURLcode code)
{
    steps_run_t *s = run->state;
    size_t index = s->current;
    if (code != CURLE_OK) {
        step_failed(run, index, code == CURLE_OPERATION_TIMEDOUT ? "timed out"
                                                                : curl_easy_strerror(code));
        return;
    }
    step_view_t view = {.r = &s->step, .ctx = &s->ctx};
    for (size_t i = 0; i < st->nconds; i++) {
        tc_buf_t why;
        tc_buf_init(&why, 4096);
        bool ok = tc_cond_eval(st->conds[i], step_lookup, &view, &why);
        const char *text = why.data ? why.data : tc_cond_text(st->conds[i]);
        if (ok)
            tc_buf_printf(&run->result.details, "  PASS %s\n", text);
        else
            step_failed(run, index, text);
        tc_buf_free(&why);
        if (!ok)
            return;
    }
    for (size_t i = 0; i < st->nstore; i++) {
        tc_buf_t v;
        tc_buf_init(&v, MAX_CONTEXT_VALUE);
        int rc = tc_cond_extract(st->store[i].expr, step_lookup, &view, &v);
        if (rc == 0) {
            ctx_set(&s->ctx, st->store[i].name, v.data ? v.data : "");
            char shown[81];
            tc_buf_printf(&run->result.details, "  STORE [CONTEXT].%s = %s\n",
                          st->store[i].name, tc_utf8_excerpt(shown, sizeof shown, v.data));
        } else {
            char what[300];
            snprintf(what, sizeof what, "store %s: %s %s", st->store[i].name,
                     tc_cond_text(st->store[i].expr),
                     rc == TC_ETOOBIG ? "is too long" : "is missing");
            step_failed(run, index, what);
        }
        tc_buf_free(&v);
    }
}

static void on_step_done(CURL *e, CURLcode code, void *arg)
{
    tc_probe_run_t *run = arg;
    steps_run_t *s = run->state;
    const step_t *st = &((const steps_cfg_t *)run->m->kind_cfg)->steps[s->current];
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    s->step.status_code = (int)status;
    tc_probe__curl_measure(e, &s->step);
    s->step.connected = s->step.connect_ms > 0 || status > 0;
    s->all_connected = s->all_connected && s->step.connected;
    s->total_ms += s->step.response_ms;
    tc_probe__set_value(&run->result, "STEP_TIME", st->name, "%.3f", s->step.response_ms);
    tc_buf_printf(&run->result.details, "step %zu    '%s' %s %d  %.1f ms%s\n", s->current + 1,
                  st->name, st->method ? st->method : st->body ? "POST" : "GET",
                  s->step.status_code, s->step.response_ms, st->always ? "  (always)" : "");
    curl_easy_cleanup(e);
    s->easy = NULL;
    bool was_failed = s->failed;
    judge_step(run, st, code);
    keep_response(run, was_failed);
    if (!advance(run)) {
        finish_run(run);
        tc_probe__release(run); /* the chain of steps, held since steps_start() */
    }
}

/* Prepare and add the next step that should run, skipping the others (after a failure,
 * every step but the always: ones). @return true when a transfer is in flight, false when
 * no step is left. */
static bool advance(tc_probe_run_t *run)
{
    steps_run_t *s = run->state;
    const steps_cfg_t *c = run->m->kind_cfg;
    while (s->next < c->nsteps) {
        size_t index = s->next++;
        const step_t *st = &c->steps[index];
        if (s->failed && !st->always)
            continue;
        s->current = index;
        curl_slist_free_all(s->headers);
        s->headers = NULL;
        free(s->url);
        free(s->body);
        s->url = s->body = NULL;
        reset_step(s);
        char err[200] = "";
        s->url = substitute(st->url, &s->ctx, true, err, sizeof err);
        if (s->url && st->body)
            s->body = substitute(st->body, &s->ctx, false, err, sizeof err);
        for (struct curl_slist *h = st->headers; h && !err[0]; h = h->next) {
            char *line = substitute(h->data, &s->ctx, false, err, sizeof err);
            /* A stored value must not smuggle a second header into the request. */
            if (line && strpbrk(line, "\r\n"))
                snprintf(err, sizeof err, "a [CONTEXT] value in a header holds a line break");
            if (line && !err[0])
                s->headers = curl_slist_append(s->headers, line);
            free(line);
        }
        if (err[0]) {
            tc_buf_printf(&run->result.details, "step %zu    '%s' not sent\n", index + 1,
                          st->name);
            step_failed(run, index, err);
            continue;
        }
        CURL *e = tc_probe__curl_easy(s->url, st->timeout_ms,
                                      c->verify_tls ? TC_PROBE_CURL_VERIFY : 0,
                                      run->env->user_agent, &s->step.body, &s->step.headers);
        if (!e) {
            step_failed(run, index, "cannot create a transfer");
            continue;
        }
        if (s->headers)
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
        if (s->body)
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body);
        if (st->method && strcmp(st->method, "HEAD") == 0)
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        else if (st->method)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, st->method);
        tc_probe__curl_note_connect(run, e);
        if (tc_curl_add(run->env->curl, e, on_step_done, run) != 0) {
            curl_easy_cleanup(e);
            step_failed(run, index, "cannot start the transfer");
            continue;
        }
        s->easy = e;
        return true;
    }
    return false;
}

static void steps_free_state(void *state)
{
    steps_run_t *s = state;
    curl_slist_free_all(s->headers);
    free(s->url);
    free(s->body);
    tc_buf_free(&s->step.body);
    tc_buf_free(&s->step.headers);
    ctx_clear(&s->ctx);
    free(s);
}

/* Every step has run or was skipped: the total is the sum of the steps' times. */
static void finish_run(tc_probe_run_t *run)
{
    steps_run_t *s = run->state;
    run->result.connected = s->all_connected;
    run->result.response_ms = s->total_ms;
    tc_probe__conclude(run, NULL);
}

static int steps_start(tc_probe_run_t *run)
{
    steps_run_t *s = tc_calloc(1, sizeof *s);
    s->all_connected = true;
    tc_buf_init(&s->step.body, STEP_BODY_MAX);
    tc_buf_init(&s->step.headers, STEP_HEADERS_MAX);
    run->state = s;
    /* The run must not finish inside start: if not even the first step can be sent, the
     * run fails to start instead (probe.c frees the state). */
    if (!advance(run))
        return TC_EIO;
    tc_probe__hold(run);
    return 0;
}

/* A transfer in flight is removed (it gets no callback) and the chain released, without
 * touching run->m. After the last step there is none: on_step_done() releases the chain. */
static void steps_stop(tc_probe_run_t *run)
{
    steps_run_t *s = run->state;
    if (!s->easy)
        return;
    tc_curl_cancel(run->env->curl, s->easy);
    curl_easy_cleanup(s->easy);
    s->easy = NULL;
    tc_probe__release(run);
}

const tc_probe_type_t tc_probe_http_steps = {
    .name = "http-steps",
    .keys = keys,
    .placeholders = placeholders,
    .parse = steps_parse,
    .free_config = steps_free_config,
    .start = steps_start,
    .stop = steps_stop,
    .free_state = steps_free_state,
};
