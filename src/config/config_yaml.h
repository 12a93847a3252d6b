/* The YAML layer of the config: loads a file with libyaml (the only file that includes
 * <yaml.h>), hands out nodes with their line and column, expands ${VAR} and ${VAR:-default}
 * in scalars, and collects errors as "FILE:LINE:COL: what is wrong" lines.
 * Nodes are indexes into the loaded document and live as long as it does. */
#ifndef TC_CONFIG_YAML_H
#define TC_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tc_yaml tc_yaml_t;
typedef int tc_ynode_t; /* 0 means "no node" */

typedef enum {
    TC_YAML_NONE,     /* no node */
    TC_YAML_SCALAR,   /* a string, number or boolean */
    TC_YAML_SEQUENCE, /* a list */
    TC_YAML_MAPPING,  /* key: value pairs */
} tc_ynode_type_t;

/** Load @p path. On failure the file:line:col error is recorded in the returned document
 *  (check tc_yaml_error_count()); the root is then 0. Never returns NULL. */
tc_yaml_t *tc_yaml_load(const char *path);
/** Parse YAML held in memory; @p name is used in error messages. */
tc_yaml_t *tc_yaml_load_string(const char *name, const char *text, size_t len);
void tc_yaml_free(tc_yaml_t *y);

tc_ynode_t tc_yaml_root(tc_yaml_t *y);
tc_ynode_type_t tc_yaml_type(tc_yaml_t *y, tc_ynode_t n);
/** 1-based line and column where @p n starts. */
int tc_yaml_line(tc_yaml_t *y, tc_ynode_t n);
int tc_yaml_col(tc_yaml_t *y, tc_ynode_t n);

/** Number of items of a sequence or pairs of a mapping (0 for other nodes). */
size_t tc_yaml_size(tc_yaml_t *y, tc_ynode_t n);
tc_ynode_t tc_yaml_item(tc_yaml_t *y, tc_ynode_t seq, size_t i);
tc_ynode_t tc_yaml_key(tc_yaml_t *y, tc_ynode_t map, size_t i);
tc_ynode_t tc_yaml_value(tc_yaml_t *y, tc_ynode_t map, size_t i);
/** The raw text of a scalar, without ${} expansion (used for keys). "" for non-scalars. */
const char *tc_yaml_raw(tc_yaml_t *y, tc_ynode_t n);
/** Non-zero when the scalar was written in quotes (so "true" is a string, not a bool). */
int tc_yaml_quoted(tc_yaml_t *y, tc_ynode_t n);

/** The scalar's text with ${VAR} and ${VAR:-default} taken from the environment.
 *  @return a string the caller frees, or NULL after recording an error on the node. */
char *tc_yaml_expand(tc_yaml_t *y, tc_ynode_t n);

/** A 64-bit hash of the tree under @p n: node types, keys and scalar values (with ${VAR}
 *  expanded where that succeeds; the parser reports what does not). Equal trees, equal
 *  hashes; whitespace, comments and the position in the file do not count. */
unsigned long long tc_yaml_fingerprint(tc_yaml_t *y, tc_ynode_t n);

/** Record "FILE:LINE:COL: message" for node @p n (or 1:1 when @p n is 0). */
void tc_yaml_error(tc_yaml_t *y, tc_ynode_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Same, at a column offset inside the scalar @p n (for errors inside an expression). */
void tc_yaml_error_at(tc_yaml_t *y, tc_ynode_t n, int col_offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
size_t tc_yaml_error_count(tc_yaml_t *y);
/** All recorded errors, one per line; owned by @p y. */
const char *tc_yaml_errors(tc_yaml_t *y);

/** Check that @p map is a mapping whose keys are all in the NULL-terminated @p allowed list,
 *  each at most once; errors are recorded with @p what as prefix.
 *  @return 0 when @p map is a mapping (even if some keys were wrong), -1 otherwise. */
int tc_yaml_check_mapping(tc_yaml_t *y, tc_ynode_t map, const char *what,
                          const char *const *allowed);
/** @return the value node of @p key in mapping @p map, or 0. */
tc_ynode_t tc_yaml_lookup(tc_yaml_t *y, tc_ynode_t map, const char *key);
/** Read a string (with ${} expansion) into *out, freeing the previous value. A missing
 *  optional key leaves *out unchanged; a missing @p required key or an empty one is an error. */
void tc_yaml_get_string(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key,
                        int required, char **out);
/** Read true/false (unquoted). A missing key leaves *out unchanged. */
void tc_yaml_get_bool(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key,
                      bool *out);
/** Read an integer in [min, max]. A missing key leaves *out unchanged. */
void tc_yaml_get_int(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key, long min,
                     long max, int *out);
/** Read a duration such as 500ms, 30s, 5m, 2h or 1d (a bare number means seconds) in
 *  [min_ms, max_ms], into *out_ms. A missing key leaves *out_ms unchanged. */
void tc_yaml_get_duration(tc_yaml_t *y, tc_ynode_t map, const char *what, const char *key,
                          long min_ms, long max_ms, long *out_ms);

#endif
