/* The statuspage probe (vendor watch): fetches a vendor's Statuspage v2 summary.json (any page
 * in that format, another tocsin included) and turns what the vendor says into our verdict,
 * from the page's status.indicator or from the vendor components chosen by name. The
 * vendor's unresolved incident titles become [BODY], one per line, and part of the reason.
 * It does not judge the vendor's API itself: an http monitor does that. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "probe/probe_int.h"

typedef struct sp_cfg {
    char *url;
    char **names;               /* owned; vendor_components, matched by name */
    size_t nnames;
    struct curl_slist *headers; /* owned; e.g. Authorization for a private page */
    bool verify_tls;
} sp_cfg_t;

/* What the vendor says, read from one summary.json. */
typedef struct vendor_view {
    tc_verdict_t verdict;
    char indicator[32];  /* status.indicator as sent */
    char summary[200];   /* "Partially Degraded Service (minor)" or "Streaming: partial_outage" */
    size_t nincidents;   /* unresolved incidents listed in titles */
} vendor_view_t;

static const char *const keys[] = {"url", "vendor_components", "headers", "verify_tls", NULL};
static const char *const placeholders[] = {"CONNECTED", "STATUS", "RESPONSE_TIME", "BODY",
                                           "VENDOR_INDICATOR", NULL};

static void sp_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    sp_cfg_t *c = tc_calloc(1, sizeof *c);
    c->verify_tls = true;
    m->kind_cfg = c;
    tc_yaml_get_string(y, node, "monitor", "url", 1, &c->url);
    if (c->url && strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, node, "url"),
                      "monitor: url must start with http:// or https:// (a vendor's "
                      "/api/v2/summary.json)");
    tc_yaml_get_bool(y, node, "monitor", "verify_tls", &c->verify_tls);
    c->headers = tc_probe__parse_headers(y, node);
    tc_ynode_t list = tc_yaml_lookup(y, node, "vendor_components");
    if (!list)
        return;
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE || tc_yaml_size(y, list) == 0) {
        tc_yaml_error(y, list, "monitor: vendor_components must be a non-empty list of the "
                               "vendor's component names");
        return;
    }
    c->names = tc_calloc(tc_yaml_size(y, list), sizeof *c->names);
    for (size_t i = 0; i < tc_yaml_size(y, list); i++) {
        tc_ynode_t v = tc_yaml_item(y, list, i);
        if (tc_yaml_type(y, v) != TC_YAML_SCALAR || !tc_yaml_raw(y, v)[0]) {
            tc_yaml_error(y, v, "monitor: a vendor component is a name, e.g. \"Streaming API\"");
            continue;
        }
        c->names[c->nnames++] = tc_strdup(tc_yaml_raw(y, v));
    }
}

static void sp_free_config(void *p)
{
    sp_cfg_t *c = p;
    free(c->url);
    for (size_t i = 0; i < c->nnames; i++)
        free(c->names[i]);
    free(c->names);
    curl_slist_free_all(c->headers);
    free(c);
}

/* Maintenance counts as degraded: the vendor's service may not answer, and that is exactly
 * when our users want the fallback advice. Unknown values (a newer Statuspage, a clone) are
 * degraded too rather than an error, so one odd field does not page anyone. */
static tc_verdict_t indicator_verdict(const char *s)
{
    if (strcmp(s, "none") == 0)
        return TC_VERDICT_UP;
    if (strcmp(s, "major") == 0 || strcmp(s, "critical") == 0)
        return TC_VERDICT_DOWN;
    return TC_VERDICT_DEGRADED;
}

static tc_verdict_t component_verdict(const char *s)
{
    if (strcmp(s, "operational") == 0)
        return TC_VERDICT_UP;
    if (strcmp(s, "partial_outage") == 0 || strcmp(s, "major_outage") == 0)
        return TC_VERDICT_DOWN;
    return TC_VERDICT_DEGRADED;
}

static const char *str_member(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The component named @p want: by its name, or as "Group - Child" the way Statuspage names
 * a grouped component in affected_components. A group row matches by its own name and
 * stands for the rollup of its children. */
static const json_t *find_component(const json_t *comps, const char *want)
{
    size_t i;
    const json_t *row;
    json_array_foreach(comps, i, row) {
        const char *name = str_member(row, "name");
        if (name && strcmp(name, want) == 0)
            return row;
    }
    json_array_foreach(comps, i, row) {
        const char *name = str_member(row, "name");
        const char *gid = str_member(row, "group_id");
        if (!name || !gid)
            continue;
        size_t j;
        const json_t *g;
        json_array_foreach(comps, j, g) {
            const char *gname = str_member(g, "name");
            const char *id = str_member(g, "id");
            if (!gname || !id || strcmp(id, gid) != 0)
                continue;
            size_t glen = strlen(gname);
            if (strncmp(want, gname, glen) == 0 && strncmp(want + glen, " - ", 3) == 0 &&
                strcmp(want + glen + 3, name) == 0)
                return row;
        }
    }
    return NULL;
}

/* Appends the titles of the unresolved incidents, one per line (line breaks in a title
 * become spaces). summary.json lists only unresolved ones, but incidents.json-like feeds
 * carry resolved ones too, so the status is checked. */
static size_t incident_titles(const json_t *root, tc_buf_t *titles)
{
    const json_t *list = json_object_get(root, "incidents");
    size_t i;
    size_t n = 0;
    const json_t *inc;
    if (!json_is_array(list))
        return 0;
    json_array_foreach(list, i, inc) {
        const char *name = str_member(inc, "name");
        const char *status = str_member(inc, "status");
        if (!name || (status && (strcmp(status, "resolved") == 0 ||
                                 strcmp(status, "postmortem") == 0 ||
                                 strcmp(status, "completed") == 0)))
            continue;
        for (const char *p = name; *p; p++)
            tc_buf_append(titles, *p == '\n' || *p == '\r' ? " " : p, 1);
        tc_buf_append(titles, "\n", 1);
        n++;
    }
    return n;
}

/* Reads one summary.json. Pure: no I/O. @return 0, or TC_EINVAL with @p err saying why the
 * feed is not usable. */
static int read_summary(const char *body, size_t len, char *const *names, size_t nnames,
                        vendor_view_t *out, tc_buf_t *titles, char *err, size_t errlen)
{
    int rc = TC_EINVAL;
    json_error_t jerr;
    json_t *root = NULL;

    memset(out, 0, sizeof *out);
    if (len == 0) {
        snprintf(err, errlen, "vendor feed is empty");
        goto out;
    }
    root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "vendor feed is not JSON: %s at line %d", jerr.text, jerr.line);
        goto out;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "vendor feed is not Statuspage JSON: not an object");
        goto out;
    }
    const char *indicator = str_member(json_object_get(root, "status"), "indicator");
    if (!indicator) {
        snprintf(err, errlen, "vendor feed is not Statuspage JSON: missing status.indicator");
        goto out;
    }
    snprintf(out->indicator, sizeof out->indicator, "%s", indicator);
    if (nnames == 0) {
        const char *desc = str_member(json_object_get(root, "status"), "description");
        out->verdict = indicator_verdict(indicator);
        snprintf(out->summary, sizeof out->summary, "%s (%s)", desc ? desc : "no description",
                 indicator);
    } else {
        const json_t *comps = json_object_get(root, "components");
        if (!json_is_array(comps)) {
            snprintf(err, errlen, "vendor feed is not Statuspage JSON: missing components");
            goto out;
        }
        out->verdict = TC_VERDICT_UP;
        size_t used = 0;
        for (size_t i = 0; i < nnames; i++) {
            const json_t *row = find_component(comps, names[i]);
            const char *status = str_member(row, "status");
            if (!row || !status) {
                snprintf(err, errlen, "vendor feed has no component \"%s\"", names[i]);
                goto out;
            }
            tc_verdict_t v = component_verdict(status);
            if (v == TC_VERDICT_UP)
                continue;
            if (v > out->verdict)
                out->verdict = v;
            if (used < sizeof out->summary)
                used += (size_t)snprintf(out->summary + used, sizeof out->summary - used,
                                         "%s%s: %s", used ? ", " : "", names[i], status);
        }
        if (!used)
            snprintf(out->summary, sizeof out->summary, "%zu component%s operational", nnames,
                     nnames == 1 ? "" : "s");
    }
    out->nincidents = incident_titles(root, titles);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* "vendor: <summary>; incidents: A; B" within @p outlen bytes. */
static void vendor_reason(const vendor_view_t *v, const tc_buf_t *titles, char *out,
                          size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "vendor: %s", v->summary);
    if (!v->nincidents || n >= outlen)
        return;
    n += (size_t)snprintf(out + n, outlen - n, "; incident%s: ", v->nincidents == 1 ? "" : "s");
    for (size_t i = 0; titles->data && i < titles->len && n + 1 < outlen; i++) {
        char ch = titles->data[i];
        if (ch == '\n' && i + 1 == titles->len)
            break;
        if (ch == '\n') {
            if (n + 3 >= outlen)
                break;
            out[n++] = ';';
            ch = ' ';
        }
        out[n++] = ch;
    }
    out[n < outlen ? n : outlen - 1] = '\0';
}

static void judge_feed(tc_result_t *r, const sp_cfg_t *c)
{
    if (r->status_code < 200 || r->status_code > 299) {
        snprintf(r->error, sizeof r->error, "vendor feed answered HTTP %d", r->status_code);
        r->failed = true;
        return;
    }
    vendor_view_t v;
    tc_buf_t titles;
    tc_buf_init(&titles, r->body.limit);
    char err[256];
    if (read_summary(r->body.data, r->body.len, c->names, c->nnames, &v, &titles, err,
                     sizeof err) != 0) {
        snprintf(r->error, sizeof r->error, "%s", err);
        r->failed = true;
        tc_buf_free(&titles);
        return;
    }
    tc_probe__set_value(r, "VENDOR_INDICATOR", NULL, "%s", v.indicator);
    tc_buf_printf(&r->details, "vendor     %s\n", v.summary);
    if (v.verdict == TC_VERDICT_DOWN) {
        vendor_reason(&v, &titles, r->error, sizeof r->error);
        r->failed = true;
    } else if (v.verdict == TC_VERDICT_DEGRADED) {
        vendor_reason(&v, &titles, r->degraded, sizeof r->degraded);
    }
    /* [BODY] is what people read: the incident titles, not the raw feed. */
    r->body.len = 0;
    if (r->body.data)
        r->body.data[0] = '\0';
    if (titles.len)
        tc_buf_append(&r->body, titles.data, titles.len);
    for (const char *t = titles.data; t && *t;) {
        const char *nl = strchr(t, '\n');
        tc_buf_printf(&r->details, "incident   %.*s\n", (int)(nl - t), t);
        t = nl + 1;
    }
    tc_buf_free(&titles);
}

static void on_done(CURL *e, CURLcode code, void *arg)
{
    tc_probe_run_t *run = arg;
    tc_result_t *r = &run->result;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    r->status_code = (int)status;
    tc_probe__curl_measure(e, r);
    r->connected = r->connect_ms > 0 || status > 0;
    if (code != CURLE_OK) {
        snprintf(r->error, sizeof r->error, "vendor feed unreachable: %s",
                 curl_easy_strerror(code));
        r->failed = true;
    } else {
        judge_feed(r, run->m->kind_cfg);
    }
    tc_probe__transfer_end(run);
}

static int sp_start(tc_probe_run_t *run)
{
    const sp_cfg_t *c = run->m->kind_cfg;
    unsigned flags = TC_PROBE_CURL_FOLLOW | (c->verify_tls ? TC_PROBE_CURL_VERIFY : 0);
    CURL *e = tc_probe__curl_easy(c->url, run->m->timeout_ms, flags, run->env->user_agent,
                                  &run->result.body, &run->result.headers);
    if (!e)
        return TC_EIO;
    if (c->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    return tc_probe__transfer_start(run, e, on_done);
}

const tc_probe_type_t tc_probe_statuspage = {
    .name = "statuspage",
    .keys = keys,
    .placeholders = placeholders,
    .parse = sp_parse,
    .free_config = sp_free_config,
    .start = sp_start,
    .stop = tc_probe__transfer_stop,
    .free_state = tc_probe__transfer_free,
};
