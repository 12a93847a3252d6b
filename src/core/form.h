/* HTML form bodies (application/x-www-form-urlencoded): "a=1&b=x+y&c=%C3%A9". Parsing keeps
 * every field in order, repeated names included (a list of checkboxes), with '+' and %XX
 * decoded; bytes are kept as they came, so callers check UTF-8 where they need text. A
 * malformed escape is kept literally rather than refused, as browsers never send one. */
#ifndef TC_FORM_H
#define TC_FORM_H

#include <stddef.h>

typedef struct tc_form_field {
    char *name;  /* owned, NUL-terminated */
    char *value; /* owned, NUL-terminated (a %00 in it cuts it short for C string readers) */
} tc_form_field_t;

typedef struct tc_form {
    tc_form_field_t *fields; /* owned */
    size_t n;
} tc_form_t;

/** Parse @p len bytes of @p body into @p out (free with tc_form_free()). Pairs without '='
 *  are skipped. At most 1,000 fields are kept: a form has dozens. */
void tc_form_parse(const char *body, size_t len, tc_form_t *out);
/** Append field @p name = @p value (copied), as if it had been sent. */
void tc_form_add(tc_form_t *f, const char *name, const char *value);
/** The first value of field @p name, or NULL when absent. */
const char *tc_form_get(const tc_form_t *f, const char *name);
void tc_form_free(tc_form_t *f);

#endif
