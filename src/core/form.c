/* Form bodies; see form.h. */
#include "core/form.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define MAX_FIELDS 1000

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char *decode(const char *p, size_t len)
{
    char *out = tc_malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '+') {
            out[n++] = ' ';
        } else if (p[i] == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 &&
                   hexval(p[i + 2]) >= 0) {
            out[n++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else {
            out[n++] = p[i];
        }
    }
    out[n] = '\0';
    return out;
}

void tc_form_parse(const char *body, size_t len, tc_form_t *out)
{
    out->fields = NULL;
    out->n = 0;
    size_t cap = 0;
    const char *p = body, *end = body + len;
    while (p < end && out->n < MAX_FIELDS) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq) {
            if (out->n == cap) {
                cap = cap ? cap * 2 : 16;
                out->fields = tc_realloc(out->fields, cap * sizeof *out->fields);
            }
            out->fields[out->n].name = decode(p, (size_t)(eq - p));
            out->fields[out->n].value = decode(eq + 1, (size_t)(stop - eq - 1));
            out->n++;
        }
        p = stop + 1;
    }
}

void tc_form_add(tc_form_t *f, const char *name, const char *value)
{
    /* Grows one at a time: used for a handful of fields a page fills in itself. */
    f->fields = tc_realloc(f->fields, (f->n + 1) * sizeof *f->fields);
    f->fields[f->n].name = tc_strdup(name);
    f->fields[f->n].value = tc_strdup(value);
    f->n++;
}

const char *tc_form_get(const tc_form_t *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return f->fields[i].value;
    return NULL;
}

void tc_form_free(tc_form_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].name);
        free(f->fields[i].value);
    }
    free(f->fields);
    f->fields = NULL;
    f->n = 0;
}
