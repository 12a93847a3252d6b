/* Private to the condition module: the parse tree that cond_parse.c builds and cond_eval.c
 * walks. Nothing outside src/eval/ includes this header; other modules see only the opaque
 * tc_cond_t of cond.h.
 *
 * Ownership: a tc_cond_t owns its text and its root node; every node owns its children, its
 * strings and its path. The whole tree is released by tc_cond_free(). */
#ifndef TC_COND_INT_H
#define TC_COND_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "eval/cond.h"

#define TC_COND_MAX_LEN 4096 /* longest expression tc_cond_parse() accepts, in bytes */
#define TC_COND_MAX_DEPTH 64 /* deepest nesting of '(' and '!' tc_cond_parse() accepts */
#define TC_COND_EXPLAIN_MAX 80 /* bytes of a string value shown in an explanation */

typedef enum {
    TC_COND_NODE_OR,  /* kids[0] || kids[1] || ...; n-ary so long chains stay shallow */
    TC_COND_NODE_AND, /* kids[0] && kids[1] && ... */
    TC_COND_NODE_NOT, /* !kids[0] */
    TC_COND_NODE_CMP, /* kids[0] op kids[1]; kids[1] may be a PAT or ANY node */
    TC_COND_NODE_PH,  /* a placeholder: name, key or path */
    TC_COND_NODE_LIT, /* a literal: lit */
    TC_COND_NODE_LEN, /* len(kids[0]); kids[0] is a PH node */
    TC_COND_NODE_HAS, /* has(kids[0]); kids[0] is a PH node */
    TC_COND_NODE_PAT, /* pat(glob); the glob is lit (a string) */
    TC_COND_NODE_ANY, /* any(kids...); every kid is a LIT node */
} tc_cond_kind_t;

typedef enum {
    TC_COND_OP_EQ, /* == */
    TC_COND_OP_NE, /* != */
    TC_COND_OP_LT, /* < */
    TC_COND_OP_LE, /* <= */
    TC_COND_OP_GT, /* > */
    TC_COND_OP_GE, /* >= */
} tc_cond_op_t;

/* One step of a [BODY] JSON path: an object member (key != NULL) or an array index. */
typedef struct tc_cond_seg {
    char *key;    /* owned member name, or NULL for an index step */
    size_t index; /* array index when key is NULL */
} tc_cond_seg_t;

typedef struct tc_cond_node tc_cond_node_t;

struct tc_cond_node {
    tc_cond_kind_t kind;
    int start; /* byte offset in the source where this node begins */
    int end;   /* byte offset just past its last byte; explanations insert values here */

    tc_cond_op_t op;        /* CMP only */
    tc_cond_node_t **kids;  /* owned; OR, AND, NOT, CMP, LEN, HAS, ANY */
    size_t nkids;

    char *name;           /* PH: owned placeholder name without brackets, e.g. "BODY" */
    char *key;            /* PH: owned key of [HEADER].Content-Type, or NULL */
    tc_cond_seg_t *path;  /* PH: owned [BODY] JSON path, or NULL */
    size_t npath;         /* PH: number of path steps; 0 means the raw body */

    tc_value_t lit;       /* LIT and PAT: the value; lit.str points into litbuf */
    char *litbuf;         /* owned bytes of a string literal */
    bool duration;        /* LIT: a number written with a unit (48h, 500ms) */
    bool quoted;          /* LIT: a "quoted" string, always text */
};

struct tc_cond {
    char *text;           /* owned copy of the source expression */
    tc_cond_node_t *root; /* owned parse tree */
};

/** Parse a whole string as a plain decimal number ("-12", "3.5", "1e3"), the rule both
 *  literals and looked-up strings follow to decide whether they compare numerically.
 *  Hex, "inf", "nan", a leading '+' and surrounding blanks are not numbers.
 *  @return true and *out set when @p s (of @p len bytes) is a finite number. */
bool tc_cond__parse_number(const char *s, size_t len, double *out);

#endif
