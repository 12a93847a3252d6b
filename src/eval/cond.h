/* Conditions: the Gatus-compatible expression language that judges a probe result, e.g.
 * `[STATUS] == 200`, `[BODY].data[0].id == 1`, `len([BODY].items) > 0 && [RESPONSE_TIME] < 500`.
 * Parsing happens once, at config load; evaluation is pure code: no I/O, no clock, no globals.
 * Placeholder values come from the caller through a lookup callback, so every probe kind
 * (http, tcp, dns, postgres, ...) can offer its own placeholders.
 *
 * Ownership: a tc_cond_t owns its parse tree and is freed with tc_cond_free(). Values handed
 * out by the lookup callback are borrowed for the duration of one tc_cond_eval() call. */
#ifndef TC_COND_H
#define TC_COND_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

typedef struct tc_cond tc_cond_t;

typedef enum {
    TC_VALUE_MISSING, /* the placeholder has no value for this result (e.g. no body) */
    TC_VALUE_NUMBER,  /* num is set; durations and times are in milliseconds */
    TC_VALUE_STRING,  /* str/len are set (not necessarily NUL-terminated) */
    TC_VALUE_BOOL,    /* boolean is set */
} tc_value_type_t;

typedef struct tc_value {
    tc_value_type_t type;
    double num;
    const char *str;
    size_t len;
    bool boolean;
} tc_value_t;

/** Supplies a placeholder's value. @p name is the placeholder without brackets, upper case
 *  ("STATUS", "BODY", "HEADER", "RESULT", "CONTEXT", ...); @p key is the text after a dot
 *  for keyed placeholders such as [HEADER].Content-Type, or NULL. For [BODY].a.b[0] the
 *  callback is asked for "BODY" with key NULL and the evaluator applies the JSON path itself.
 *  @return 0 when @p name is known (the value may still be TC_VALUE_MISSING), or TC_ENOENT
 *  when the placeholder does not exist for this kind of probe. */
typedef int (*tc_cond_lookup_fn)(void *ctx, const char *name, const char *key,
                                 tc_value_t *out);

/** Parse @p text (at most 4096 bytes, nesting of '(' and '!' at most 64 deep; the grammar
 *  is in docs/internals/CONDITIONS.md).
 *  @param out receives the condition on success, NULL on failure; free it with tc_cond_free().
 *  @param err_col may be NULL; on failure receives the 0-based byte offset in @p text of the
 *         offending token (text length when the expression ends too early).
 *  @param err may be NULL; on failure receives a message such as "expected ')'".
 *  @return 0, or TC_EINVAL. */
int tc_cond_parse(const char *text, tc_cond_t **out, int *err_col, char *err, size_t errlen);

/** Check that every placeholder used by @p c is known to @p lookup (called with a context in
 *  which all values are missing). @return 0, or TC_EINVAL with *err_col and @p err set. */
int tc_cond_check(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx, int *err_col,
                  char *err, size_t errlen);

/** Evaluate @p c. A missing value makes every comparison false except != (so
 *  `[BODY].x != 1` holds when x is absent). The body is parsed as JSON at most once per call.
 *  @param explain when not NULL, the source text with each placeholder's and len()/has()'s
 *         actual value inserted after it is appended, e.g. "[STATUS] (503) == 200" or
 *         "len([BODY].items) (0) > 0"; string values are cut at 80 bytes. Asking for an
 *         explanation evaluates every operand (no short-circuit) but never changes the result.
 *  @return true when the condition holds. */
bool tc_cond_eval(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx, tc_buf_t *explain);

/** Extract the value of an expression that is a single placeholder ([BODY].a.b[0],
 *  [HEADER].Location, [STATUS], ...), with the same JSON path rules as tc_cond_eval().
 *  Strings are appended to @p out as they are, numbers as "%.15g", booleans as true/false,
 *  JSON objects and arrays as compact JSON. Used by kinds that store values from a response
 *  (http-steps' store:); at config load, a lookup that answers "missing" for everything
 *  tells a usable expression (TC_ENOENT) from one that is not a placeholder (TC_EINVAL).
 *  @return 0, TC_ENOENT when the value is missing, TC_EINVAL when @p c is not a single
 *  placeholder, or TC_ETOOBIG when @p out is full. */
int tc_cond_extract(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx, tc_buf_t *out);

/* The comparison to blame for a failed condition, for words people read instead of the
 * condition's syntax ("HTTP 503 (expected 200)"). Strings point into the condition and live
 * as long as it does. */
typedef struct tc_cond_blame {
    const char *name;       /* the placeholder compared, e.g. "STATUS" (len()/has(): its
                               argument's) */
    const char *key;        /* its key ([HEADER].Content-Type, [STEP_TIME].login), or NULL */
    bool path;              /* it was a [BODY] JSON path, len() or has() */
    const char *op;         /* "==", "!=", "<", "<=", ">" or ">=", as if the placeholder
                               were on the left ("true == [X]" reads "[X] == true") */
    tc_value_t expected;    /* the literal it was compared with (strings borrowed from the
                               condition); MISSING for pat(), any() or another placeholder */
    tc_value_t actual;      /* the placeholder's value when a number or a boolean; MISSING
                               otherwise: text is the target's, never put in such words */
} tc_cond_blame_t;

/** Find the comparison that made @p c false for the values @p lookup gives: the first
 *  false operand of a chain of &&, itself a comparison or a bare placeholder (`[CONNECTED]`,
 *  `![READ_ONLY]`). @return 0 with @p out filled, or TC_ENOENT when @p c holds or no single
 *  comparison is to blame (an || or a negated group). */
int tc_cond_blame(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx,
                  tc_cond_blame_t *out);

/** The text the condition was parsed from; owned by @p c. */
const char *tc_cond_text(const tc_cond_t *c);

/** Free @p c and its parse tree; NULL is allowed. */
void tc_cond_free(tc_cond_t *c);

#endif
