/* `tocsin migrate`'s copy of a SQLite store into PostgreSQL (tc_store_copy()): every table of
 * the schema, rows read from SQLite as text and bytes and written to PostgreSQL many per
 * statement, all in one transaction on PostgreSQL, so a failure leaves it as empty as it was.
 * The table list below is the schema's (both dialects name every table and column alike);
 * a migration that adds a table or a column adds it here too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/store_int.h"

/* Parents before children (console_session refers to console_user). */
static const tc_store_table_t tables[] = {
    {"component",
     "id, name, description, group_id, position, is_group, showcase, only_show_if_degraded,"
     " status, created_at, updated_at, retired_at, manual_status",
     13, 0},
    {"component_status_log", "component_id, at, status, source", 4, 0},
    {"monitor", "id, name", 2, 0},
    {"result", "monitor, at, location, verdict, latency_us, reason", 6, 0},
    {"result_hourly",
     "monitor, start, checks, failures, degraded, lat_min, lat_avg, lat_max, lat_p95", 9, 0},
    {"result_daily",
     "monitor, start, checks, failures, degraded, lat_min, lat_avg, lat_max, lat_p95", 9, 0},
    {"meta", "key, value", 2, 0},
    {"incident", "id, seq, doc, updated_at", 4, 0},
    {"api_key", "id, name, hash, created_at, revoked_at", 5, 1u << 2},
    {"outbox",
     "id, target, kind, url, payload, created_at, next_at, expires_at, attempts, state,"
     " last_error",
     11, 0},
    {"subscriber",
     "id, kind, address, components, confirmed, created_at, confirm_token_hash,"
     " unsubscribed_at",
     8, 0},
    {"setting", "key, value", 2, 0},
    {"console_user", "id, name, role, password_hash, created_at, password_changed_at", 6, 0},
    {"console_session", "token_hash, user_id, csrf, created_at, seen_at", 5, 1u << 0},
    {"audit_log", "id, at, actor, action, target, detail", 6, 0},
    {"maintenance_schedule", "id, doc, from_config, last_start", 4, 0},
    {"monitor_pause", "monitor_id, paused_at, paused_by", 3, 0},
};

/* Rows read but not written yet: their values' bytes one after the other in @bytes (each
 * NUL-terminated, as libpq wants text), found again by offset since @bytes moves as it
 * grows. */
typedef struct batch {
    tc_store_t *to;
    const tc_store_table_t *table;
    tc_buf_t bytes;
    size_t *offsets; /* per value; SIZE_MAX for NULL */
    size_t *lengths;
    size_t rows, cap_rows, max_rows;
    size_t copied;
    char *err;
    size_t errlen;
} batch_t;

static int flush(batch_t *b)
{
    size_t nvalues = b->rows * (size_t)b->table->ncolumns;
    tc_store_value_t *values = tc_malloc((nvalues ? nvalues : 1) * sizeof *values);
    for (size_t i = 0; i < nvalues; i++) {
        values[i].p = b->offsets[i] == SIZE_MAX ? NULL : b->bytes.data + b->offsets[i];
        values[i].len = b->lengths[i];
    }
    int rc = tc_pg__insert_rows(b->to, b->table, values, b->rows, b->err, b->errlen);
    free(values);
    b->copied += b->rows;
    b->rows = 0;
    b->bytes.len = 0;
    return rc;
}

static int add_row(void *ctx, const tc_store_value_t *row)
{
    batch_t *b = ctx;
    size_t ncol = (size_t)b->table->ncolumns;
    if (b->rows == b->cap_rows) {
        b->cap_rows = b->cap_rows ? b->cap_rows * 2 : 64;
        if (b->cap_rows > b->max_rows)
            b->cap_rows = b->max_rows;
        b->offsets = tc_realloc(b->offsets, b->cap_rows * ncol * sizeof *b->offsets);
        b->lengths = tc_realloc(b->lengths, b->cap_rows * ncol * sizeof *b->lengths);
    }
    for (size_t c = 0; c < ncol; c++) {
        size_t k = b->rows * ncol + c;
        b->lengths[k] = row[c].len;
        if (!row[c].p) {
            b->offsets[k] = SIZE_MAX;
            continue;
        }
        b->offsets[k] = b->bytes.len;
        tc_buf_append(&b->bytes, row[c].p, row[c].len);
        tc_buf_append(&b->bytes, "", 1);
    }
    b->rows++;
    /* A statement's parameters are capped at 65535; a few thousand per statement is plenty
     * to make round trips cheap next to the rows' own cost. */
    if (b->rows >= b->max_rows)
        return flush(b);
    return 0;
}

int tc_store_copy(tc_store_t *from, tc_store_t *to,
                  void (*progress)(void *ctx, const char *table, size_t rows), void *ctx,
                  char *err, size_t errlen)
{
    if (strcmp(tc_store_kind(from), "sqlite") != 0 || strcmp(tc_store_kind(to), "postgresql")) {
        snprintf(err, errlen, "a copy goes from a SQLite store into a PostgreSQL one");
        return TC_EINVAL;
    }
    if (tc_store_schema_version(from) != tc_store_schema_version(to)) {
        snprintf(err, errlen,
                 "the SQLite store is at schema version %d and PostgreSQL at %d; copy with "
                 "the tocsin that made them both",
                 tc_store_schema_version(from), tc_store_schema_version(to));
        return TC_EINVAL;
    }
    int rc = tc_store_begin(to, err, errlen);
    if (rc)
        return rc;
    const size_t ntables = sizeof tables / sizeof tables[0];
    for (size_t i = 0; !rc && i < ntables; i++) {
        int has = tc_pg__has_rows(to, &tables[i], err, errlen);
        if (has == 1) {
            snprintf(err, errlen,
                     "the PostgreSQL database already holds a store (table %s has rows); "
                     "migrate into an empty database",
                     tables[i].name);
            rc = TC_EEXIST;
        } else if (has < 0) {
            rc = has;
        }
    }
    batch_t b = {.to = to, .err = err, .errlen = errlen};
    tc_buf_init(&b.bytes, 0);
    for (size_t i = 0; !rc && i < ntables; i++) {
        b.table = &tables[i];
        b.max_rows = 8192 / (size_t)tables[i].ncolumns;
        b.copied = 0;
        b.cap_rows = 0; /* the arrays are sized by the table's columns */
        rc = tc_sqlite__each_row(from, &tables[i], add_row, &b, err, errlen);
        if (!rc && b.rows)
            rc = flush(&b);
        if (!rc && progress)
            progress(ctx, tables[i].name, b.copied);
    }
    tc_buf_free(&b.bytes);
    free(b.offsets);
    free(b.lengths);
    if (!rc)
        rc = tc_pg__after_copy(to, err, errlen);
    if (rc) {
        tc_store_rollback(to);
        return rc;
    }
    return tc_store_commit(to, err, errlen);
}
