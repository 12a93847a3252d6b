/* libyaml binding for the config loader. Loading builds libyaml's node graph once; everything
 * else is read-only lookups on it. Errors are accumulated rather than returned one at a time
 * so that a user fixing a config file sees every problem in one run. */
#include "config/config_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"

#define MAX_ERRORS 50     /* after this many, more errors add nothing useful */
#define MAX_FILE (4 << 20) /* a config larger than 4 MiB is a mistake */

struct tc_yaml {
    char *name;            /* owned; file name used in messages */
    yaml_document_t doc;   /* valid when loaded != 0 */
    int loaded;
    char *src;             /* owned copy of the source text, to map offsets to columns */
    size_t srclen;
    tc_buf_t errors;       /* "FILE:LINE:COL: msg\n" lines */
    size_t error_count;
};

static tc_yaml_t *new_doc(const char *name)
{
    tc_yaml_t *y = tc_calloc(1, sizeof *y);
    y->name = tc_strdup(name);
    tc_buf_init(&y->errors, 0);
    return y;
}

/* Every config error goes through here, and most quote the file's own text (keys, values,
 * ids, the file name). That text can hold anything a quoted YAML scalar can spell: "\n"
 * would forge a second error line and "\e[2J" would clear the terminal of whoever runs
 * check-config, so the whole line is escaped once, here, and no caller has to remember. */
static void add_error(tc_yaml_t *y, int line, int col, const char *fmt, va_list ap)
{
    y->error_count++;
    if (y->error_count > MAX_ERRORS)
        return;
    tc_buf_t raw;
    tc_buf_init(&raw, 0);
    tc_buf_printf(&raw, "%s:%d:%d: ", y->name, line, col);
    tc_buf_vprintf(&raw, fmt, ap);
    tc_buf_escape(&y->errors, raw.data, raw.len);
    tc_buf_puts(&y->errors, "\n");
    tc_buf_free(&raw);
}

static void add_error_v(tc_yaml_t *y, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_error(y, line, col, fmt, ap);
    va_end(ap);
}

/* libyaml's reader errors (bytes that are not UTF-8, control characters) carry a byte
 * offset rather than a mark, and its messages speak of octets. Say where and what, in the
 * columns the other errors use (characters, from 1). */
static void reader_error(tc_yaml_t *y, const yaml_parser_t *parser)
{
    size_t off = parser->problem_offset < y->srclen ? parser->problem_offset : y->srclen;
    const char *problem = parser->problem ? parser->problem : "";
    /* For a bad or missing trailing byte libyaml points past the sequence's first byte. */
    if (strstr(problem, "trailing") || strstr(problem, "incomplete"))
        for (int k = 0; k < 3 && off > 0 && ((unsigned char)y->src[off] & 0xc0) != 0xc0; k++)
            off--;
    int line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char c = (unsigned char)y->src[i];
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xc0) != 0x80) {
            col++;
        }
    }
    unsigned char byte = off < y->srclen ? (unsigned char)y->src[off] : 0;
    if (strstr(problem, "UTF-8"))
        add_error_v(y, line, col, "invalid UTF-8 (byte \\x%02x); save the file as UTF-8 "
                    "text", byte);
    else if (strstr(problem, "control characters"))
        add_error_v(y, line, col, "control character U+%04X is not allowed in YAML "
                    "(inside double quotes, write it as an escape such as \\t)",
                    (unsigned)parser->problem_value);
    else
        add_error_v(y, line, col, "invalid YAML: %s", problem[0] ? problem : "unreadable text");
}

tc_yaml_t *tc_yaml_load_string(const char *name, const char *text, size_t len)
{
    tc_yaml_t *y = new_doc(name);
    y->src = tc_strndup(text, len);
    y->srclen = len;
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &y->doc)) {
        const char *what = parser.problem ? parser.problem : "invalid YAML";
        if (parser.error == YAML_READER_ERROR)
            reader_error(y, &parser);
        else if (parser.context)
            add_error_v(y, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
                        "invalid YAML: %s %s", what, parser.context);
        else
            add_error_v(y, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
                        "invalid YAML: %s", what);
    } else {
        y->loaded = 1;
        if (!yaml_document_get_root_node(&y->doc))
            add_error_v(y, 1, 1, "the file is empty");
    }
    yaml_parser_delete(&parser);
    return y;
}

tc_yaml_t *tc_yaml_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_yaml_t *y = new_doc(path);
        add_error_v(y, 1, 1, "cannot read file: %s", strerror(errno));
        return y;
    }
    tc_buf_t text;
    tc_buf_init(&text, MAX_FILE);
    char chunk[8192];
    size_t n;
    int too_big = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (tc_buf_append(&text, chunk, n) != 0) {
            too_big = 1;
            break;
        }
    }
    int read_error = ferror(f);
    fclose(f);
    tc_yaml_t *y;
    if (too_big || read_error) {
        y = new_doc(path);
        add_error_v(y, 1, 1, too_big ? "file is larger than 4 MiB" : "cannot read file");
    } else {
        y = tc_yaml_load_string(path, text.data ? text.data : "", text.len);
    }
    tc_buf_free(&text);
    return y;
}

void tc_yaml_free(tc_yaml_t *y)
{
    if (!y)
        return;
    if (y->loaded)
        yaml_document_delete(&y->doc);
    tc_buf_free(&y->errors);
    free(y->src);
    free(y->name);
    free(y);
}

static yaml_node_t *node(tc_yaml_t *y, tc_ynode_t n)
{
    if (!y->loaded || n <= 0)
        return NULL;
    return yaml_document_get_node(&y->doc, n);
}

tc_ynode_t tc_yaml_root(tc_yaml_t *y)
{
    return y->loaded && yaml_document_get_root_node(&y->doc) ? 1 : 0;
}

tc_ynode_type_t tc_yaml_type(tc_yaml_t *y, tc_ynode_t n)
{
    yaml_node_t *p = node(y, n);
    if (!p)
        return TC_YAML_NONE;
    switch (p->type) {
    case YAML_SCALAR_NODE:
        return TC_YAML_SCALAR;
    case YAML_SEQUENCE_NODE:
        return TC_YAML_SEQUENCE;
    case YAML_MAPPING_NODE:
        return TC_YAML_MAPPING;
    default:
        return TC_YAML_NONE;
    }
}

int tc_yaml_line(tc_yaml_t *y, tc_ynode_t n)
{
    yaml_node_t *p = node(y, n);
    return p ? (int)p->start_mark.line + 1 : 1;
}

int tc_yaml_col(tc_yaml_t *y, tc_ynode_t n)
{
    yaml_node_t *p = node(y, n);
    return p ? (int)p->start_mark.column + 1 : 1;
}

size_t tc_yaml_size(tc_yaml_t *y, tc_ynode_t n)
{
    yaml_node_t *p = node(y, n);
    if (!p)
        return 0;
    if (p->type == YAML_SEQUENCE_NODE)
        return (size_t)(p->data.sequence.items.top - p->data.sequence.items.start);
    if (p->type == YAML_MAPPING_NODE)
        return (size_t)(p->data.mapping.pairs.top - p->data.mapping.pairs.start);
    return 0;
}

tc_ynode_t tc_yaml_item(tc_yaml_t *y, tc_ynode_t seq, size_t i)
{
    yaml_node_t *p = node(y, seq);
    if (!p || p->type != YAML_SEQUENCE_NODE || i >= tc_yaml_size(y, seq))
        return 0;
    return p->data.sequence.items.start[i];
}

tc_ynode_t tc_yaml_key(tc_yaml_t *y, tc_ynode_t map, size_t i)
{
    yaml_node_t *p = node(y, map);
    if (!p || p->type != YAML_MAPPING_NODE || i >= tc_yaml_size(y, map))
        return 0;
    return p->data.mapping.pairs.start[i].key;
}

tc_ynode_t tc_yaml_value(tc_yaml_t *y, tc_ynode_t map, size_t i)
{
    yaml_node_t *p = node(y, map);
    if (!p || p->type != YAML_MAPPING_NODE || i >= tc_yaml_size(y, map))
        return 0;
    return p->data.mapping.pairs.start[i].value;
}

const char *tc_yaml_raw(tc_yaml_t *y, tc_ynode_t n)
{
    yaml_node_t *p = node(y, n);
    if (!p || p->type != YAML_SCALAR_NODE)
        return "";
    return (const char *)p->data.scalar.value;
}

int tc_yaml_quoted(tc_yaml_t *y, tc_ynode_t n)
{
    yaml_node_t *p = node(y, n);
    return p && p->type == YAML_SCALAR_NODE && p->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
}

char *tc_yaml_expand(tc_yaml_t *y, tc_ynode_t n)
{
    const char *s = tc_yaml_raw(y, n);
    tc_buf_t out;
    tc_buf_init(&out, 0);
    while (*s) {
        const char *start = strstr(s, "${");
        if (!start) {
            tc_buf_puts(&out, s);
            break;
        }
        tc_buf_append(&out, s, (size_t)(start - s));
        const char *end = strchr(start, '}');
        if (!end) {
            tc_yaml_error_at(y, n, (int)(start - tc_yaml_raw(y, n)),
                             "unterminated ${ in value");
            tc_buf_free(&out);
            return NULL;
        }
        const char *name = start + 2;
        const char *dflt = NULL;
        size_t name_len = (size_t)(end - name);
        const char *sep = strstr(name, ":-");
        if (sep && sep < end) {
            name_len = (size_t)(sep - name);
            dflt = sep + 2;
        }
        int valid = name_len > 0;
        for (size_t i = 0; i < name_len; i++) {
            char c = name[i];
            if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (i > 0 && c >= '0' && c <= '9')))
                valid = 0;
        }
        int col = (int)(start - tc_yaml_raw(y, n));
        if (!valid) {
            tc_yaml_error_at(y, n, col, "invalid environment variable name in ${...}");
            tc_buf_free(&out);
            return NULL;
        }
        char *var = tc_strndup(name, name_len);
        const char *value = getenv(var);
        if (value && !tc_utf8_valid(value, strlen(value))) {
            /* The file was checked by libyaml; the environment was not. */
            tc_yaml_error_at(y, n, col, "environment variable %s holds bytes that are not "
                             "UTF-8", var);
            free(var);
            tc_buf_free(&out);
            return NULL;
        } else if (value && (value[0] || !dflt)) {
            tc_buf_puts(&out, value);
        } else if (dflt) {
            tc_buf_append(&out, dflt, (size_t)(end - dflt));
        } else {
            tc_yaml_error_at(y, n, col, "environment variable %s is not set", var);
            free(var);
            tc_buf_free(&out);
            return NULL;
        }
        free(var);
        s = end + 1;
    }
    return tc_buf_steal(&out, NULL);
}

void tc_yaml_error(tc_yaml_t *y, tc_ynode_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_error(y, tc_yaml_line(y, n), tc_yaml_col(y, n), fmt, ap);
    va_end(ap);
}

/* Map byte @p offset of a scalar's decoded text back to a line and column of the source:
 * quotes, escapes, doubled single quotes and block indentation take source bytes that the
 * decoded text does not have. */
static void source_position(tc_yaml_t *y, yaml_node_t *p, int offset, int *line, int *col)
{
    size_t i = p->start_mark.index;
    *line = (int)p->start_mark.line + 1;
    *col = (int)p->start_mark.column + 1;
    yaml_scalar_style_t style = p->data.scalar.style;
    int indent = 0;
    if (style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE) {
        /* The text starts on the line after the | or > indicator, at the block's indent. */
        while (i < y->srclen && y->src[i] != '\n')
            i++;
        i++;
        (*line)++;
        while (i + (size_t)indent < y->srclen && y->src[i + (size_t)indent] == ' ')
            indent++;
        i += (size_t)indent;
        *col = indent + 1;
    } else if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
        i++;
        (*col)++;
    }
    for (int k = 0; k < offset && i < y->srclen; k++) {
        char c = y->src[i];
        size_t step = 1;
        if (c == '\n') {
            (*line)++;
            i++;
            *col = 1;
            while (i < y->srclen && y->src[i] == ' ' && (indent == 0 || *col <= indent)) {
                i++;
                (*col)++;
            }
            continue;
        }
        if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE && c == '\'' && i + 1 < y->srclen &&
            y->src[i + 1] == '\'')
            step = 2;
        else if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && c == '\\' && i + 1 < y->srclen)
            step = y->src[i + 1] == 'x' ? 4 : y->src[i + 1] == 'u' ? 6 : y->src[i + 1] == 'U' ? 10 : 2;
        i += step;
        *col += (int)step;
    }
}

void tc_yaml_error_at(tc_yaml_t *y, tc_ynode_t n, int col_offset, const char *fmt, ...)
{
    int line = tc_yaml_line(y, n);
    int col = tc_yaml_col(y, n);
    yaml_node_t *p = node(y, n);
    if (p && p->type == YAML_SCALAR_NODE && y->src)
        source_position(y, p, col_offset, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    add_error(y, line, col, fmt, ap);
    va_end(ap);
}

size_t tc_yaml_error_count(tc_yaml_t *y)
{
    return y->error_count;
}

const char *tc_yaml_errors(tc_yaml_t *y)
{
    return y->errors.data ? y->errors.data : "";
}

/* Typed getters. Each checks its value where it is read, so errors point at the value. */

static int in_list(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(key, *list) == 0)
            return 1;
    return 0;
}

int tc_yaml_check_mapping(tc_yaml_t *y, tc_ynode_t map, const char *what,
                         const char *const *allowed)
{
    if (tc_yaml_type(y, map) != TC_YAML_MAPPING) {
        tc_yaml_error(y, map, "%s must be a mapping of key: value", what);
        return TC_ECONFIG;
    }
    size_t n = tc_yaml_size(y, map);
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t k = tc_yaml_key(y, map, i);
        if (tc_yaml_type(y, k) != TC_YAML_SCALAR) {
            tc_yaml_error(y, k, "%s: keys must be plain names", what);
            continue;
        }
        const char *key = tc_yaml_raw(y, k);
        if (!in_list(key, allowed)) {
            tc_yaml_error(y, k, "%s: unknown key \"%s\"", what, key);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(tc_yaml_raw(y, tc_yaml_key(y, map, j)), key) == 0) {
                tc_yaml_error(y, k, "%s: duplicate key \"%s\" (first at line %d)", what, key,
                              tc_yaml_line(y, tc_yaml_key(y, map, j)));
                break;
            }
        }
    }
    return 0;
}

tc_ynode_t tc_yaml_lookup(tc_yaml_t *y, tc_ynode_t map, const char *key)
{
    size_t n = tc_yaml_size(y, map);
    for (size_t i = 0; i < n; i++)
        if (strcmp(tc_yaml_raw(y, tc_yaml_key(y, map, i)), key) == 0)
            return tc_yaml_value(y, map, i);
    return 0;
}

void tc_yaml_get_string(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key,
                       int required, char **out)
{
    tc_ynode_t v = tc_yaml_lookup(y, map, key);
    if (!v) {
        if (required)
            tc_yaml_error(y, map, "%s: missing required key \"%s\"", what, key);
        return;
    }
    if (tc_yaml_type(y, v) != TC_YAML_SCALAR) {
        tc_yaml_error(y, v, "%s: \"%s\" must be a string", what, key);
        return;
    }
    char *s = tc_yaml_expand(y, v);
    if (!s)
        return;
    if (required && !s[0]) {
        tc_yaml_error(y, v, "%s: \"%s\" must not be empty", what, key);
        free(s);
        return;
    }
    free(*out);
    *out = s;
}

void tc_yaml_get_bool(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key,
                     bool *out)
{
    tc_ynode_t v = tc_yaml_lookup(y, map, key);
    if (!v)
        return;
    char *s = tc_yaml_type(y, v) == TC_YAML_SCALAR ? tc_yaml_expand(y, v) : NULL;
    if (s && !tc_yaml_quoted(y, v) && strcmp(s, "true") == 0)
        *out = true;
    else if (s && !tc_yaml_quoted(y, v) && strcmp(s, "false") == 0)
        *out = false;
    else if (tc_yaml_type(y, v) != TC_YAML_SCALAR || s)
        tc_yaml_error(y, v, "%s: \"%s\" must be true or false", what, key);
    free(s);
}

void tc_yaml_get_int(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key, long min,
                    long max, int *out)
{
    tc_ynode_t v = tc_yaml_lookup(y, map, key);
    if (!v)
        return;
    char *s = tc_yaml_type(y, v) == TC_YAML_SCALAR ? tc_yaml_expand(y, v) : NULL;
    char *end = NULL;
    long n = s ? strtol(s, &end, 10) : 0;
    if (!s || !s[0] || *end) {
        if (tc_yaml_type(y, v) != TC_YAML_SCALAR || s)
            tc_yaml_error(y, v, "%s: \"%s\" must be an integer", what, key);
    } else if (n < min || n > max) {
        tc_yaml_error(y, v, "%s: \"%s\" must be between %ld and %ld", what, key, min, max);
    } else {
        *out = (int)n;
    }
    free(s);
}


void tc_yaml_get_duration(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key,
                          long min_ms, long max_ms, long *out_ms)
{
    tc_ynode_t v = tc_yaml_lookup(y, map, key);
    if (!v)
        return;
    char *s = tc_yaml_type(y, v) == TC_YAML_SCALAR ? tc_yaml_expand(y, v) : NULL;
    if (!s) {
        if (tc_yaml_type(y, v) != TC_YAML_SCALAR)
            tc_yaml_error(y, v, "%s: \"%s\" must be a duration such as 30s or 5m", what, key);
        return;
    }
    char *end = NULL;
    double n = strtod(s, &end);
    double unit = 0;
    if (end == s)
        unit = 0;
    else if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
        unit = 1000;
    else if (strcmp(end, "ms") == 0)
        unit = 1;
    else if (strcmp(end, "m") == 0)
        unit = 60000;
    else if (strcmp(end, "h") == 0)
        unit = 3600000;
    else if (strcmp(end, "d") == 0)
        unit = 86400000;
    double ms = n * unit;
    if (unit == 0 || n < 0)
        tc_yaml_error(y, v, "%s: \"%s\" must be a duration such as 500ms, 30s, 5m or 2h", what,
                      key);
    else if (ms < (double)min_ms || ms > (double)max_ms)
        tc_yaml_error(y, v, "%s: \"%s\" must be between %ldms and %ldms", what, key, min_ms,
                      max_ms);
    else
        *out_ms = (long)ms;
    free(s);
}

static unsigned long long fnv_bytes(unsigned long long h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static unsigned long long fingerprint(tc_yaml_t *y, tc_ynode_t n, unsigned long long h)
{
    char tag = (char)('0' + tc_yaml_type(y, n));
    h = fnv_bytes(h, &tag, 1);
    switch (tc_yaml_type(y, n)) {
    case TC_YAML_SCALAR: {
        const char *raw = tc_yaml_raw(y, n);
        char *value = strstr(raw, "${") ? tc_yaml_expand(y, n) : NULL;
        const char *text = value ? value : raw;
        h = fnv_bytes(h, text, strlen(text) + 1);
        char quoted = tc_yaml_quoted(y, n) ? 'q' : 'p';
        h = fnv_bytes(h, &quoted, 1);
        free(value);
        break;
    }
    case TC_YAML_SEQUENCE:
        for (size_t i = 0; i < tc_yaml_size(y, n); i++)
            h = fingerprint(y, tc_yaml_item(y, n, i), h);
        break;
    case TC_YAML_MAPPING:
        for (size_t i = 0; i < tc_yaml_size(y, n); i++) {
            const char *key = tc_yaml_raw(y, tc_yaml_key(y, n, i));
            h = fnv_bytes(h, key, strlen(key) + 1);
            h = fingerprint(y, tc_yaml_value(y, n, i), h);
        }
        break;
    default:
        break;
    }
    char end = ';';
    return fnv_bytes(h, &end, 1);
}

unsigned long long tc_yaml_fingerprint(tc_yaml_t *y, tc_ynode_t n)
{
    return fingerprint(y, n, 1469598103934665603ULL);
}
