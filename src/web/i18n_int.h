/* One language's catalog (web/i18n.h), for i18n.c and the i18n_<code>.c files only. Every
 * table is indexed as its comment says; a NULL entry falls back to English. */
#ifndef TC_I18N_INT_H
#define TC_I18N_INT_H

#include "web/i18n.h"

#define TC_I18N_ROLLUPS 7 /* the page status descriptions of status/rollup.c */

typedef enum {
    TC_PLURAL_ONE_IS_1,     /* n == 1 is singular (English, German, Spanish, Portuguese) */
    TC_PLURAL_ONE_UP_TO_1,  /* n <= 1 is singular (French) */
    TC_PLURAL_NONE,         /* no plural (Japanese) */
} tc_plural_rule_t;

typedef struct tc_i18n_catalog {
    const char *text[TC_T_COUNT];
    const char *status[5];          /* labels by tc_status_t: "Major Outage" */
    const char *status_words[5];    /* in running text: "major outage" */
    const char *update[10];         /* by tc_incident_status_t, then [9] "Update" */
    const char *rollup[TC_I18N_ROLLUPS]; /* in the order of i18n.c's rollup_english */
    const char *impact[5];          /* history labels by tc_impact_t */
    const char *month[12];          /* short: "Nov" */
    const char *month_full[12];     /* "November" */
    char decimal;                   /* the decimal sign */
    tc_plural_rule_t plural;
} tc_i18n_catalog_t;

extern const tc_i18n_catalog_t tc_i18n__en, tc_i18n__de, tc_i18n__fr, tc_i18n__es,
    tc_i18n__pt, tc_i18n__ja;

#endif
