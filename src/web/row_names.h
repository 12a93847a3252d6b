/* Which rows of a view an incident names: a row is named when its component, or its group,
 * is among the components the incident sets now or set in any update. Found through the
 * incident's own codes in a table of the view's rows instead of asking every row, since the
 * page's bars and the uptime report ask it of thousands of incidents per render. */
#ifndef TC_ROW_NAMES_H
#define TC_ROW_NAMES_H

#include <stddef.h>

#include "web/view.h"

typedef struct tc_row_names tc_row_names_t;

/** A table of @p v's rows by the codes that name them; @p v must outlive it. */
tc_row_names_t *tc_row_names_new(const tc_view_t *v);
void tc_row_names_free(tc_row_names_t *t);

/** The rows @p i names, as indexes in v->rows, each once, in @p rows (room for v->nrows).
 *  @return how many. */
size_t tc_row_names_of(tc_row_names_t *t, const tc_incident_t *i, size_t *rows);

#endif
