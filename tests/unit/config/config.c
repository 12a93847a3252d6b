/* Unit tests for src/config/config.c (and the YAML layer under it): every error kind with its
 * exact "NAME:LINE:COL: message" text, ${VAR} expansion, defaults and storage-path
 * resolution. Configs are inline YAML parsed with tc_config_parse(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "core/err.h"

#define NAME "t.yaml"
#define PAGE "page:\n  name: Acme\n"
/* A monitor whose next line (7) is the key under test. */
#define MONITOR PAGE "monitors:\n  - id: m\n    kind: tcp\n    address: 127.0.0.1:1\n"

/* Variables the tests set and unset; none should exist in a normal environment. */
#define VAR_UNSET "TOCSIN_TEST_UNSET_VAR"
#define VAR_EMPTY "TOCSIN_TEST_EMPTY_VAR"
#define VAR_SET "TOCSIN_TEST_SET_VAR"
#define VAR_BAD_UTF8 "TOCSIN_TEST_BAD_UTF8_VAR"

static int setup_env(void **state)
{
    (void)state;
    unsetenv(VAR_UNSET);
    setenv(VAR_EMPTY, "", 1);
    setenv(VAR_SET, "from-env", 1);
    setenv(VAR_BAD_UTF8, "Acme \xff", 1);
    return 0;
}

static int teardown_env(void **state)
{
    (void)state;
    unsetenv(VAR_EMPTY);
    unsetenv(VAR_SET);
    unsetenv(VAR_BAD_UTF8);
    return 0;
}

/* Parse @p text; on success free the config and return NULL, else return the errors. */
static char *errors_of(const char *text)
{
    tc_config_t *cfg = NULL;
    char *errors = NULL;
    int rc = tc_config_parse(NAME, text, strlen(text), &cfg, &errors);
    if (rc == 0) {
        assert_null(errors);
        tc_config_free(cfg);
        return NULL;
    }
    assert_int_equal(rc, TC_ECONFIG);
    assert_null(cfg);
    assert_non_null(errors);
    return errors;
}

static tc_config_t *parse_ok(const char *name, const char *text)
{
    tc_config_t *cfg = NULL;
    char *errors = NULL;
    int rc = tc_config_parse(name, text, strlen(text), &cfg, &errors);
    if (rc != 0) {
        print_message("unexpected errors:\n%s", errors ? errors : "(none)\n");
        free(errors);
    }
    assert_int_equal(rc, 0);
    assert_null(errors);
    assert_non_null(cfg);
    return cfg;
}

/* ---- one error per row ---------------------------------------------------------------- */

static const struct error_case {
    const char *name;
    const char *yaml;
    const char *want; /* the whole error text: exactly one line */
} error_cases[] = {
    /* unknown keys */
    {"unknown top-level key", PAGE "bogus: 1\n",
     NAME ":3:1: the file: unknown key \"bogus\""},
    {"unknown key in page", "page:\n  name: Acme\n  colour: red\n",
     NAME ":3:3: page: unknown key \"colour\""},
    {"unknown key in server", PAGE "server:\n  port: 80\n",
     NAME ":4:3: server: unknown key \"port\""},
    {"unknown key in a group", PAGE "groups:\n  - id: g\n    name: G\n    colour: red\n",
     NAME ":6:5: group: unknown key \"colour\""},
    {"unknown key in a component",
     PAGE "components:\n  - id: api\n    name: API\n    colour: red\n",
     NAME ":6:5: component: unknown key \"colour\""},
    {"unknown key in the second component",
     PAGE "components:\n  - id: a\n    name: A\n  - id: b\n    name: B\n    sh0wcase: true\n",
     NAME ":8:5: component: unknown key \"sh0wcase\""},
    /* wrong types */
    {"page is a list", "page:\n  - name: Acme\n",
     NAME ":2:3: page must be a mapping of key: value"},
    {"page is a string", "page: Acme\n", NAME ":1:7: page must be a mapping of key: value"},
    {"the file is a list", "- page\n", NAME ":1:1: the file must be a mapping of key: value"},
    {"page.name is a list", "page:\n  name: [a, b]\n",
     NAME ":2:9: page: \"name\" must be a string"},
    {"showcase is a quoted yes",
     PAGE "components:\n  - id: api\n    name: API\n    showcase: \"yes\"\n",
     NAME ":6:15: component: \"showcase\" must be true or false"},
    {"showcase is a plain yes",
     PAGE "components:\n  - id: api\n    name: API\n    showcase: yes\n",
     NAME ":6:15: component: \"showcase\" must be true or false"},
    {"showcase is a quoted true",
     PAGE "components:\n  - id: api\n    name: API\n    showcase: 'true'\n",
     NAME ":6:15: component: \"showcase\" must be true or false"},
    {"only_show_if_degraded is 1",
     PAGE "components:\n  - id: api\n    name: API\n    only_show_if_degraded: 1\n",
     NAME ":6:28: component: \"only_show_if_degraded\" must be true or false"},
    {"position is abc",
     PAGE "components:\n  - id: api\n    name: API\n    position: abc\n",
     NAME ":6:15: component: \"position\" must be an integer"},
    {"position is 2x", PAGE "groups:\n  - id: g\n    name: G\n    position: 2x\n",
     NAME ":6:15: group: \"position\" must be an integer"},
    {"position is 0", PAGE "components:\n  - id: api\n    name: API\n    position: 0\n",
     NAME ":6:15: component: \"position\" must be between 1 and 1000000"},
    {"connection_limit too small", PAGE "server:\n  connection_limit: 15\n",
     NAME ":4:21: server: \"connection_limit\" must be between 16 and 1000000"},
    {"components is not a list", PAGE "components: api\n",
     NAME ":3:13: \"components\" must be a list"},
    {"components is a mapping", PAGE "components:\n  api: {}\n",
     NAME ":4:3: \"components\" must be a list"},
    {"groups is not a list", PAGE "groups: core\n", NAME ":3:9: \"groups\" must be a list"},
    {"a component is a string", PAGE "components:\n  - api\n",
     NAME ":4:5: component must be a mapping of key: value"},
    /* missing and empty values */
    {"missing page.name", "page:\n  id: acme\n",
     NAME ":2:3: page: missing required key \"name\""},
    {"empty page.name", "page:\n  name: \"\"\n", NAME ":2:9: page: \"name\" must not be empty"},
    {"missing page section", "server:\n  listen: :80\n",
     NAME ":1:1: missing required section \"page\""},
    {"missing component name", PAGE "components:\n  - id: api\n",
     NAME ":4:5: component: missing required key \"name\""},
    {"missing component id", PAGE "components:\n  - name: API\n",
     NAME ":4:5: component: missing required key \"id\""},
    {"bad component id", PAGE "components:\n  - id: a b\n    name: API\n",
     NAME ":4:9: component: id \"a b\" may hold only letters, digits, '-', '_' and '.' (1-64)"},
    {"bad page id", "page:\n  name: Acme\n  id: a/b\n",
     NAME ":3:7: page: id may hold only letters, digits, '-', '_' and '.' (1-64)"},
    /* duplicates */
    {"duplicate component id",
     PAGE "components:\n  - id: api\n    name: API\n  - id: api\n    name: API 2\n",
     NAME ":6:9: component: duplicate id \"api\" (already used by a component)"},
    {"duplicate group id", PAGE "groups:\n  - id: g\n    name: G\n  - id: g\n    name: H\n",
     NAME ":6:9: group: duplicate id \"g\" (already used by a group)"},
    {"component id equal to a group id",
     PAGE "groups:\n  - id: core\n    name: Core\ncomponents:\n  - id: core\n    name: API\n",
     NAME ":7:9: component: duplicate id \"core\" (already used by a group)"},
    {"duplicate key in page", "page:\n  name: Acme\n  name: Other\n",
     NAME ":3:3: page: duplicate key \"name\" (first at line 2)"},
    {"duplicate top-level key", PAGE "page:\n  name: Again\n",
     NAME ":3:1: the file: duplicate key \"page\" (first at line 1)"},
    {"duplicate key in a component",
     PAGE "components:\n  - id: api\n    name: API\n    id: api2\n",
     NAME ":6:5: component: duplicate key \"id\" (first at line 4)"},
    /* references */
    {"unknown group", PAGE "components:\n  - id: api\n    name: API\n    group: nope\n",
     NAME ":6:12: component: unknown group \"nope\" (declare it under groups:)"},
    {"group declared only as a component",
     PAGE "components:\n  - id: a\n    name: A\n  - id: b\n    name: B\n    group: a\n",
     NAME ":8:12: component: unknown group \"a\" (declare it under groups:)"},
    /* time zone */
    {"unknown time zone", "page:\n  name: Acme\n  time_zone: Mars/Olympus\n",
     NAME ":3:14: page: unknown time zone \"Mars/Olympus\" (use an IANA name such as "
          "America/Los_Angeles or Etc/UTC)"},
    {"time zone that walks out of zoneinfo", "page:\n  name: Acme\n  time_zone: ../../etc/passwd\n",
     NAME ":3:14: page: unknown time zone \"../../etc/passwd\" (use an IANA name such as "
          "America/Los_Angeles or Etc/UTC)"},
    {"time zone that is a folder", "page:\n  name: Acme\n  time_zone: America\n",
     NAME ":3:14: page: unknown time zone \"America\" (use an IANA name such as "
          "America/Los_Angeles or Etc/UTC)"},
    /* listen */
    {"listen without a port", PAGE "server:\n  listen: localhost\n",
     NAME ":4:11: server: listen must be HOST:PORT, e.g. 127.0.0.1:8080"},
    {"listen port out of range", PAGE "server:\n  listen: 127.0.0.1:70000\n",
     NAME ":4:11: server: listen must be HOST:PORT, e.g. 127.0.0.1:8080"},
    {"listen port not a number", PAGE "server:\n  listen: \"127.0.0.1:http\"\n",
     NAME ":4:11: server: listen must be HOST:PORT, e.g. 127.0.0.1:8080"},
    {"listen with an empty port", PAGE "server:\n  listen: \"[::1]:\"\n",
     NAME ":4:11: server: listen must be HOST:PORT, e.g. 127.0.0.1:8080"},
    /* YAML syntax */
    {"tab indentation", "page:\n\tname: Acme\n",
     NAME ":2:1: invalid YAML: found character that cannot start any token while scanning "
          "for the next token"},
    {"empty file", "", NAME ":1:1: the file is empty"},
    /* ${VAR}: the column points at the "${" */
    {"unset variable, plain scalar", "page:\n  name: Acme ${" VAR_UNSET "}\n",
     NAME ":2:14: environment variable " VAR_UNSET " is not set"},
    {"unset variable, double-quoted scalar", "page:\n  name: \"Acme ${" VAR_UNSET "}\"\n",
     NAME ":2:15: environment variable " VAR_UNSET " is not set"},
    {"unset variable, single-quoted scalar", "page:\n  name: '${" VAR_UNSET "}'\n",
     NAME ":2:10: environment variable " VAR_UNSET " is not set"},
    {"unset variable after a set one",
     "page:\n  name: ${" VAR_SET "}-${" VAR_UNSET "}\n",
     NAME ":2:32: environment variable " VAR_UNSET " is not set"},
    {"unset variable in a component", PAGE "components:\n  - id: ${" VAR_UNSET "}\n    name: A\n",
     NAME ":4:9: environment variable " VAR_UNSET " is not set"},
    {"unterminated ${", "page:\n  name: Acme ${HOME\n", NAME ":2:14: unterminated ${ in value"},
    {"invalid variable name", "page:\n  name: x${1ABC}\n",
     NAME ":2:10: invalid environment variable name in ${...}"},
    {"empty variable name", "page:\n  name: ${}\n",
     NAME ":2:9: invalid environment variable name in ${...}"},
    /* detection keys (PROBES.md "Detection") */
    {"window of 1", MONITOR "    window: 1\n",
     NAME ":7:13: monitor: \"window\" must be between 2 and 1000"},
    {"window over the maximum", MONITOR "    window: 1001\n",
     NAME ":7:13: monitor: \"window\" must be between 2 and 1000"},
    {"degraded_ratio of 0", MONITOR "    degraded_ratio: 0\n",
     NAME ":7:21: monitor: \"degraded_ratio\" must be a number above 0 and at most 1"},
    {"down_ratio as a percentage", MONITOR "    down_ratio: 50\n",
     NAME ":7:17: monitor: \"down_ratio\" must be a number above 0 and at most 1"},
    {"down_ratio quoted", MONITOR "    down_ratio: \"0.5\"\n",
     NAME ":7:17: monitor: \"down_ratio\" must be a number above 0 and at most 1"},
    {"degraded_ratio above down_ratio", MONITOR "    degraded_ratio: 0.6\n    down_ratio: 0.5\n",
     NAME ":7:21: monitor: degraded_ratio must not be above down_ratio"},
    {"flap_stop at flap_start", MONITOR "    flap_start: 10\n    flap_stop: 10\n",
     NAME ":8:16: monitor: flap_stop must be below flap_start"},
    {"flap_start under the default flap_stop", MONITOR "    flap_start: 4\n",
     NAME ":7:17: monitor: flap_stop must be below flap_start"},
    {"flap_detection yes", MONITOR "    flap_detection: yes\n",
     NAME ":7:21: monitor: \"flap_detection\" must be true or false"},
    {"retries over 10", MONITOR "    retries: 11\n",
     NAME ":7:14: monitor: \"retries\" must be between 0 and 10"},
    {"retry_interval under 100ms", MONITOR "    retry_interval: 10ms\n",
     NAME ":7:21: monitor: \"retry_interval\" must be between 100ms and 3600000ms"},
    {"a placeholder name starting with a digit",
     MONITOR "    conditions: [\"[RESPONSE_TIME_P95] < 800\", \"[9X] == 1\"]\n",
     NAME ":7:49: monitor \"m\": condition \"[9X] == 1\": unexpected character in placeholder "
          "name"},
    {"quorum 0", MONITOR "    quorum: 0\n",
     NAME ":7:13: monitor: \"quorum\" must be between 1 and 64"},
    {"quorum in words other than majority", MONITOR "    quorum: most\n",
     NAME ":7:13: monitor: quorum must be majority or a number of locations"},
    {"confirm in words", MONITOR "    confirm: yes please\n",
     NAME ":7:14: monitor: \"confirm\" must be true or false"},
    {"confirm as a mapping", MONITOR "    confirm: {from: all}\n",
     NAME ":7:14: monitor: \"confirm\" must be true or false"},
    {"regional_status operational", MONITOR "    regional_status: operational\n",
     NAME ":7:22: monitor: regional_status must be degraded_performance, partial_outage or "
          "major_outage"},
    {"a node location with a space", PAGE "node:\n  location: eu west\n",
     NAME ":4:13: node: location must be 1 to 64 letters, digits, '-', '_' or '.'"},
    {"a node role of its own", PAGE "node:\n  role: leader\n",
     NAME ":4:9: node: role must be full or probe"},
    {"a probe without PostgreSQL", PAGE "node:\n  role: probe\n",
     NAME ":4:9: node: a probe writes its results to a shared store: role probe needs "
          "storage.postgres"},
    {"a percentile the kind cannot offer", PAGE "monitors:\n  - id: m\n    kind: push\n"
     "    token: abcdefghijklmnopqrstuvwxyz\n    conditions: [\"[RESPONSE_TIME_P90] < 1\"]\n",
     NAME ":7:19: monitor \"m\": condition \"[RESPONSE_TIME_P90] < 1\": unknown placeholder "
          "[RESPONSE_TIME_P90] (a push monitor offers [CONNECTED], [RESPONSE_TIME], [BODY], "
          "[RESPONSE_TIME_P50], [RESPONSE_TIME_P95], [RESPONSE_TIME_P99])"},
};

/* The "${" column must be right also when the scalar's text differs from its source: after
 * an escape in a double-quoted scalar, after '' in a single-quoted one, and in a block
 * scalar, whose text starts on the next line. tc_yaml_error_at() adds the offset in the
 * decoded text to the scalar's start (+1 for a quote), so these fail (see the report). */
static const struct error_case env_column_cases[] = {
    {"unset variable after an escape", "page:\n  name: \"\\tx ${" VAR_UNSET "}\"\n",
     NAME ":2:14: environment variable " VAR_UNSET " is not set"},
    {"unset variable after ''", "page:\n  name: 'it''s ${" VAR_UNSET "}'\n",
     NAME ":2:16: environment variable " VAR_UNSET " is not set"},
    {"unset variable in a block scalar", "page:\n  name: |\n    ab ${" VAR_UNSET "}\n",
     NAME ":3:8: environment variable " VAR_UNSET " is not set"},
};

/* Text from the file is escaped in every error (control bytes, DEL, C1 controls, bytes
 * that are not UTF-8), so a key cannot forge an error line or drive the terminal; bytes
 * that are not UTF-8 in the file itself are an error at their own line and column. */
static const struct error_case untrusted_text_cases[] = {
    {"key with a newline and ANSI escapes",
     "page:\n  name: Acme\n  \"x\\n" NAME ":1:1: forged\\e[2J\\e]0;pwned\\a\": 1\n",
     NAME ":3:3: page: unknown key \"x\\n" NAME ":1:1: forged\\x1b[2J\\x1b]0;pwned\\x07\""},
    {"key with DEL, C1 CSI and a bidi override",
     "page:\n  name: Acme\n  \"a\\x7f\\x9b2J\\u202eb\": 1\n",
     NAME ":3:3: page: unknown key \"a\\x7f\\u009b2J\\u202eb\""},
    {"value with escapes in an unknown group",
     PAGE "components:\n  - id: api\n    name: API\n    group: \"\\e[31mred\\r\"\n",
     NAME ":6:12: component: unknown group \"\\x1b[31mred\\r\" (declare it under groups:)"},
    {"non-ASCII key kept as written",
     "page:\n  name: Acme\n  \"Zahlungs-API \xc3\xbc \xe6\xb1\xba\xe6\xb8\x88\": 1\n",
     NAME ":3:3: page: unknown key \"Zahlungs-API \xc3\xbc \xe6\xb1\xba\xe6\xb8\x88\""},
    {"invalid UTF-8 in a quoted value", "page:\n  name: \"Acme \xff\"\n",
     NAME ":2:15: invalid UTF-8 (byte \\xff); save the file as UTF-8 text"},
    {"invalid UTF-8 in a plain value after non-ASCII text",
     "page:\n  name: \xc3\xbc\xc3\xbc \xc3(\n",
     NAME ":2:12: invalid UTF-8 (byte \\xc3); save the file as UTF-8 text"},
    {"invalid UTF-8 in a key", "page:\n  name: Acme\n  k\xe6\xb1: 1\n",
     NAME ":3:4: invalid UTF-8 (byte \\xe6); save the file as UTF-8 text"},
    {"Latin-1 file", "page:\n  name: Zahlungs-API \xfc\n",
     NAME ":2:22: invalid UTF-8 (byte \\xfc); save the file as UTF-8 text"},
    {"a UTF-8 sequence cut at the end of the file", "page:\n  name: Acme \xe6\xb1",
     NAME ":2:14: invalid UTF-8 (byte \\xe6); save the file as UTF-8 text"},
    {"raw control character", "page:\n  name: Ac\x01me\n",
     NAME ":2:11: control character U+0001 is not allowed in YAML (inside double quotes, "
          "write it as an escape such as \\t)"},
    {"variable holding bytes that are not UTF-8", "page:\n  name: x ${" VAR_BAD_UTF8 "}\n",
     NAME ":2:11: environment variable " VAR_BAD_UTF8 " holds bytes that are not UTF-8"},
};

static void run_error_cases(const struct error_case *cases, size_t n)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        const struct error_case *c = &cases[i];
        char *errors = errors_of(c->yaml);
        char want[512];
        snprintf(want, sizeof want, "%s\n", c->want);
        int ok = errors && strcmp(errors, want) == 0;
        if (!ok)
            print_message("case \"%s\":\n  got:  %s  want: %s", c->name,
                          errors ? errors : "(no error)\n", want);
        free(errors);
        failed += !ok;
    }
    assert_int_equal(failed, 0);
}

static void test_errors(void **state)
{
    (void)state;
    run_error_cases(error_cases, sizeof error_cases / sizeof error_cases[0]);
}

static void test_env_error_column_in_non_plain_scalars(void **state)
{
    (void)state;
    run_error_cases(env_column_cases, sizeof env_column_cases / sizeof env_column_cases[0]);
}

static void test_untrusted_text(void **state)
{
    (void)state;
    run_error_cases(untrusted_text_cases,
                    sizeof untrusted_text_cases / sizeof untrusted_text_cases[0]);

    /* The file name is quoted in every line too. */
    tc_config_t *cfg = NULL;
    char *errors = NULL;
    static const char text[] = "page:\n  colour: red\n";
    assert_int_equal(tc_config_parse("evil\n\x1b[2J.yaml", text, strlen(text), &cfg, &errors),
                     TC_ECONFIG);
    assert_string_equal(errors, "evil\\n\\x1b[2J.yaml:2:3: page: unknown key \"colour\"\n"
                                "evil\\n\\x1b[2J.yaml:2:3: page: missing required key "
                                "\"name\"\n");
    free(errors);
}

/* Names in other scripts load as written. */
static void test_non_ascii_names(void **state)
{
    (void)state;
    static const char text[] =
        "page:\n  name: \"Zahlungs-API \xc3\xbc\"\n"
        "components:\n"
        "  - id: pay\n    name: Zahlungs-API \xc3\xbc\n"
        "  - id: kessai\n    name: \xe6\xb1\xba\xe6\xb8\x88 API\n"
        "    description: \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88 \xf0\x9f\x9a\xa8\n";
    tc_config_t *cfg = parse_ok(NAME, text);
    assert_string_equal(cfg->page.name, "Zahlungs-API \xc3\xbc");
    assert_int_equal(cfg->ncomponents, 2);
    assert_string_equal(cfg->components[0].name, "Zahlungs-API \xc3\xbc");
    assert_string_equal(cfg->components[1].name, "\xe6\xb1\xba\xe6\xb8\x88 API");
    tc_config_free(cfg);
}

/* Several errors in one file are all reported, in file order. */
static void test_many_errors(void **state)
{
    (void)state;
    static const char yaml[] =
        "page:\n"                              /* 1 */
        "  name: Acme\n"                       /* 2 */
        "  time_zone: Mars/Olympus\n"          /* 3 */
        "  colour: red\n"                      /* 4 */
        "server:\n"                            /* 5 */
        "  listen: nowhere\n"                  /* 6 */
        "groups:\n"                            /* 7 */
        "  - id: core\n"                       /* 8 */
        "    name: Core\n"                     /* 9 */
        "components:\n"                        /* 10 */
        "  - id: core\n"                       /* 11 */
        "    name: API\n"                      /* 12 */
        "    showcase: \"yes\"\n"              /* 13 */
        "  - id: db\n"                         /* 14 */
        "    name: ${" VAR_UNSET "}\n"         /* 15 */
        "    group: nope\n"                    /* 16 */
        "    position: abc\n";                 /* 17 */
    static const char *const want[] = {
        NAME ":4:3: page: unknown key \"colour\"",
        NAME ":3:14: page: unknown time zone \"Mars/Olympus\" (use an IANA name such as "
             "America/Los_Angeles or Etc/UTC)",
        NAME ":6:11: server: listen must be HOST:PORT, e.g. 127.0.0.1:8080",
        NAME ":11:9: component: duplicate id \"core\" (already used by a group)",
        NAME ":13:15: component: \"showcase\" must be true or false",
        NAME ":15:11: environment variable " VAR_UNSET " is not set",
        NAME ":17:15: component: \"position\" must be an integer",
        NAME ":16:12: component: unknown group \"nope\" (declare it under groups:)",
    };
    char *errors = errors_of(yaml);
    assert_non_null(errors);
    char expected[2048] = "";
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        strcat(expected, want[i]);
        strcat(expected, "\n");
    }
    int ok = strcmp(errors, expected) == 0;
    if (!ok)
        print_message("got:\n%swant:\n%s", errors, expected);
    free(errors);
    assert_true(ok);
}

/* Past 50 errors, more add nothing, but the file is still refused. */
static void test_error_cap(void **state)
{
    (void)state;
    char yaml[4096] = "page:\n  name: Acme\n";
    for (int i = 0; i < 60; i++) {
        char line[32];
        snprintf(line, sizeof line, "k%d: 1\n", i);
        strcat(yaml, line);
    }
    char *errors = errors_of(yaml);
    assert_non_null(errors);
    size_t lines = 0;
    for (const char *p = errors; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 50);
    assert_non_null(strstr(errors, NAME ":3:1: the file: unknown key \"k0\"\n"));
    free(errors);
}

/* ---- ${VAR} expansion on valid files ----------------------------------------------------- */

static void test_env_expansion(void **state)
{
    (void)state;
    static const struct {
        const char *value; /* YAML text of page.name */
        const char *want;
    } cases[] = {
        {"${" VAR_SET "}", "from-env"},
        {"\"${" VAR_SET "}\"", "from-env"},
        {"x-${" VAR_SET "}-y", "x-from-env-y"},
        {"${" VAR_SET "}${" VAR_SET "}", "from-envfrom-env"},
        {"${" VAR_SET ":-fallback}", "from-env"},
        {"${" VAR_UNSET ":-fallback}", "fallback"},
        {"${" VAR_UNSET ":-two words}", "two words"},
        {"Acme ${" VAR_UNSET ":-}!", "Acme !"},
        {"${" VAR_EMPTY ":-fallback}", "fallback"},   /* set but empty: the default */
        {"x${" VAR_EMPTY "}y", "xy"},                 /* set but empty, no default: "" */
        {"no variables", "no variables"},
        {"dollar $ alone", "dollar $ alone"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, "page:\n  name: %s\n", cases[i].value);
        tc_config_t *cfg = parse_ok(NAME, yaml);
        assert_string_equal(cfg->page.name, cases[i].want);
        tc_config_free(cfg);
    }

    /* Expansion applies to every string value, e.g. the listen address. */
    tc_config_t *cfg = parse_ok(NAME, PAGE "server:\n  listen: ${" VAR_UNSET ":-0.0.0.0}:9000\n");
    assert_string_equal(cfg->server.host, "0.0.0.0");
    assert_int_equal(cfg->server.port, 9000);
    tc_config_free(cfg);

    /* A variable set to the empty string still fails a required value that ends up empty. */
    char *errors = errors_of("page:\n  name: ${" VAR_EMPTY "}\n");
    assert_non_null(errors);
    assert_string_equal(errors, NAME ":2:9: page: \"name\" must not be empty\n");
    free(errors);
}

/* A monitor's fingerprint is its YAML as written: layout and comments do not count, a value
 * (or an expanded variable) does. A reload keeps the schedule of monitors whose fingerprint
 * did not change. */
static void test_monitor_fingerprint(void **state)
{
    (void)state;
    static const char *const texts[] = {
        PAGE "components:\n  - id: api\n    name: API\nmonitors:\n  - id: m\n    kind: http\n"
             "    url: http://127.0.0.1/\n    components: [api]\n",
        PAGE "components:\n  - id: api\n    name: API\nmonitors:\n  - id: m   # the same\n"
             "    kind: http\n    url: \"http://127.0.0.1/\"\n    components:\n      - api\n",
        PAGE "components:\n  - id: api\n    name: API\nmonitors:\n  - id: m\n    kind: http\n"
             "    url: http://127.0.0.1/x\n    components: [api]\n",
        PAGE "components:\n  - id: api\n    name: API\nmonitors:\n  - id: m\n    kind: http\n"
             "    url: http://${" VAR_SET ":-127.0.0.1}/\n    components: [api]\n",
    };
    uint64_t f[4];
    for (size_t i = 0; i < 4; i++) {
        tc_config_t *cfg = parse_ok(NAME, texts[i]);
        assert_int_equal(cfg->nmonitors, 1);
        f[i] = cfg->monitors[0].fingerprint;
        assert_true(f[i] != 0);
        tc_config_free(cfg);
    }
    assert_true(f[0] != f[2]); /* another URL */
    assert_true(f[0] != f[3]); /* the variable expands to another host */
    /* Quoting a scalar counts (it can turn a number into a string); flow or block style and
     * comments do not. */
    tc_config_t *a = parse_ok(NAME, texts[0]);
    tc_config_t *b = parse_ok(NAME, PAGE "components:\n  - id: api\n    name: API\nmonitors:\n"
                                         "  - id: m   # the same\n    kind: http\n"
                                         "    url: http://127.0.0.1/\n"
                                         "    components:\n      - api\n");
    assert_true(a->monitors[0].fingerprint == b->monitors[0].fingerprint);
    assert_true(f[1] != f[0]);
    tc_config_free(a);
    tc_config_free(b);
}

/* ---- valid configs ---------------------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    tc_config_t *cfg = parse_ok(NAME, PAGE);
    assert_string_equal(cfg->path, NAME);
    assert_string_equal(cfg->page.id, "tocsin");
    assert_string_equal(cfg->page.name, "Acme");
    assert_string_equal(cfg->page.url, "");
    assert_string_equal(cfg->page.time_zone, "Etc/UTC");
    assert_null(cfg->page.description);
    assert_string_equal(cfg->server.host, "127.0.0.1");
    assert_int_equal(cfg->server.port, 8080);
    assert_int_equal(cfg->server.connection_limit, 10000);
    assert_int_equal(cfg->server.per_ip_limit, 64);
    assert_int_equal(cfg->server.connection_timeout, 15);
    assert_int_equal(cfg->server.header_timeout, 10);
    assert_int_equal(cfg->server.body_timeout, 30);
    assert_null(cfg->server.trusted_proxies);
    assert_null(cfg->server.trusted_proxy_header);
    assert_string_equal(cfg->storage_path, "./data");
    assert_int_equal(cfg->ngroups, 0);
    assert_int_equal(cfg->ncomponents, 0);
    tc_config_free(cfg);
}

/* The detection keys' defaults: window 20, no ratios, flap detection at 20% / 5%, no
 * retries (2 s apart when asked for), and flapping among the alerts a rule hears. */
static void test_detection_defaults(void **state)
{
    (void)state;
    tc_config_t *cfg = parse_ok(NAME, PAGE "channels:\n  - {id: c, kind: webhook, url: "
                                           "\"http://127.0.0.1:1/\"}\n"
                                           "monitors:\n  - id: m\n    kind: tcp\n"
                                           "    address: 127.0.0.1:1\n    alerts: [c]\n"
                                           "  - id: n\n    kind: tcp\n    address: 127.0.0.1:1\n"
                                           "    window: 50\n    degraded_ratio: 0.1\n"
                                           "    down_ratio: 0.4\n    flap_detection: false\n"
                                           "    flap_start: 30\n    flap_stop: 10.5\n"
                                           "    retries: 2\n    retry_interval: 500ms\n");
    const tc_monitor_cfg_t *m = &cfg->monitors[0], *n = &cfg->monitors[1];
    assert_int_equal(m->window, 20);
    assert_true(m->degraded_ratio == 0 && m->down_ratio == 0);
    assert_true(m->flap_detection);
    assert_true(m->flap_start == 20 && m->flap_stop == 5);
    assert_int_equal(m->retries, 0);
    assert_int_equal(m->retry_interval_ms, 2000);
    assert_int_equal(cfg->monitor_rules[0].alerts[0].on,
                     TC_ON_DOWN | TC_ON_RECOVERED | TC_ON_FLAPPING | TC_ON_REGIONAL);
    assert_int_equal(n->window, 50);
    assert_true(n->degraded_ratio == 0.1 && n->down_ratio == 0.4);
    assert_false(n->flap_detection);
    assert_true(n->flap_start == 30 && n->flap_stop == 10.5);
    assert_int_equal(n->retries, 2);
    assert_int_equal(n->retry_interval_ms, 500);
    tc_config_free(cfg);
}

static void test_full_config(void **state)
{
    (void)state;
    static const char yaml[] =
        "page:\n"
        "  id: acme-1\n"
        "  name: Acme\n"
        "  url: https://status.example.com\n"
        "  time_zone: America/Los_Angeles\n"
        "  description: Our services\n"
        "server:\n"
        "  listen: \"[::1]:9090\"\n"
        "  connection_limit: 64\n"
        "  per_ip_limit: 8\n"
        "  connection_timeout: 30\n"
        "groups:\n"
        "  - id: core\n"
        "    name: Core\n"
        "    description: Core services\n"
        "  - id: edge\n"
        "    name: Edge\n"
        "components:\n"
        "  - id: web\n"          /* top level, 1st: after the two groups -> 3 */
        "    name: Website\n"
        "  - id: api\n"          /* core, 1st -> 1 */
        "    name: API\n"
        "    group: core\n"
        "    description: Public API\n"
        "    showcase: false\n"
        "  - id: docs\n"         /* top level, 2nd -> 4 */
        "    name: Docs\n"
        "    only_show_if_degraded: true\n"
        "  - id: db\n"           /* core, 2nd -> 2 */
        "    name: Database\n"
        "    group: core\n"
        "  - id: cdn\n"          /* edge, 1st -> 1 */
        "    name: CDN\n"
        "    group: edge\n"
        "  - id: blog\n"         /* explicit position */
        "    name: Blog\n"
        "    position: 9\n";
    tc_config_t *cfg = parse_ok(NAME, yaml);
    assert_string_equal(cfg->page.id, "acme-1");
    assert_string_equal(cfg->page.url, "https://status.example.com");
    assert_string_equal(cfg->page.time_zone, "America/Los_Angeles");
    assert_string_equal(cfg->page.description, "Our services");
    assert_string_equal(cfg->server.host, "::1");
    assert_int_equal(cfg->server.port, 9090);
    assert_int_equal(cfg->server.connection_limit, 64);
    assert_int_equal(cfg->server.per_ip_limit, 8);
    assert_int_equal(cfg->server.connection_timeout, 30);

    assert_int_equal(cfg->ngroups, 2);
    assert_string_equal(cfg->groups[0].id, "core");
    assert_string_equal(cfg->groups[0].name, "Core");
    assert_string_equal(cfg->groups[0].description, "Core services");
    assert_int_equal(cfg->groups[0].position, 1);
    assert_string_equal(cfg->groups[1].id, "edge");
    assert_null(cfg->groups[1].description);
    assert_int_equal(cfg->groups[1].position, 2);

    static const struct {
        const char *id, *group;
        int position;
        bool showcase, only_if_degraded;
        const char *description;
    } want[] = {
        {"web", NULL, 3, true, false, NULL},
        {"api", "core", 1, false, false, "Public API"},
        {"docs", NULL, 4, true, true, NULL},
        {"db", "core", 2, true, false, NULL},
        {"cdn", "edge", 1, true, false, NULL},
        {"blog", NULL, 9, true, false, NULL},
    };
    assert_int_equal(cfg->ncomponents, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < cfg->ncomponents; i++) {
        const tc_component_cfg_t *c = &cfg->components[i];
        print_message("component %s\n", want[i].id);
        assert_string_equal(c->id, want[i].id);
        if (want[i].group)
            assert_string_equal(c->group, want[i].group);
        else
            assert_null(c->group);
        assert_int_equal(c->position, want[i].position);
        assert_int_equal(c->showcase, want[i].showcase);
        assert_int_equal(c->only_show_if_degraded, want[i].only_if_degraded);
        if (want[i].description)
            assert_string_equal(c->description, want[i].description);
        else
            assert_null(c->description);
    }
    tc_config_free(cfg);
}

static void test_listen(void **state)
{
    (void)state;
    static const struct {
        const char *listen;
        const char *host;
        int port;
    } cases[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080},
        {"0.0.0.0:1", "0.0.0.0", 1},
        {":80", "0.0.0.0", 80},
        {"\"[::]:65535\"", "::", 65535},
        {"localhost:3000", "localhost", 3000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[128];
        snprintf(yaml, sizeof yaml, PAGE "server:\n  listen: %s\n", cases[i].listen);
        tc_config_t *cfg = parse_ok(NAME, yaml);
        assert_string_equal(cfg->server.host, cases[i].host);
        assert_int_equal(cfg->server.port, cases[i].port);
        tc_config_free(cfg);
    }
}

static void test_storage_path(void **state)
{
    (void)state;
    static const struct {
        const char *name;    /* the config file */
        const char *storage; /* storage.path, or NULL for the default */
        const char *want;
    } cases[] = {
        {"/etc/tocsin/tocsin.yaml", NULL, "/etc/tocsin/data"},
        {"/etc/tocsin/tocsin.yaml", "state", "/etc/tocsin/state"},
        {"/etc/tocsin/tocsin.yaml", "var/db", "/etc/tocsin/var/db"},
        {"/etc/tocsin/tocsin.yaml", "../shared", "/etc/tocsin/../shared"},
        {"/etc/tocsin/tocsin.yaml", "/var/lib/tocsin", "/var/lib/tocsin"},
        {"conf/tocsin.yaml", "state", "conf/state"},
        {"tocsin.yaml", NULL, "./data"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[128];
        if (cases[i].storage)
            snprintf(yaml, sizeof yaml, PAGE "storage:\n  path: %s\n", cases[i].storage);
        else
            snprintf(yaml, sizeof yaml, PAGE);
        tc_config_t *cfg = parse_ok(cases[i].name, yaml);
        assert_string_equal(cfg->path, cases[i].name);
        assert_string_equal(cfg->storage_path, cases[i].want);
        tc_config_free(cfg);
    }
}

/* ---- tc_config_load --------------------------------------------------------------------- */

static void test_load_missing_file(void **state)
{
    (void)state;
    static const char *const paths[] = {"/nonexistent-tocsin-dir/tocsin.yaml",
                                        "no-such-file-here.yaml"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        tc_config_t *cfg = (tc_config_t *)1;
        char *errors = NULL;
        assert_int_equal(tc_config_load(paths[i], &cfg, &errors), TC_ECONFIG);
        assert_null(cfg);
        assert_non_null(errors);
        char want[256];
        snprintf(want, sizeof want, "%s:1:1: cannot read file: No such file or directory\n",
                 paths[i]);
        assert_string_equal(errors, want);
        free(errors);
    }
}

static void test_load_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/tocsin-config-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/tocsin.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("page:\n  name: From file\n  bogus: 1\n", f);
    fclose(f);

    tc_config_t *cfg = NULL;
    char *errors = NULL;
    int rc = tc_config_load(path, &cfg, &errors);
    char want[256];
    snprintf(want, sizeof want, "%s:3:3: page: unknown key \"bogus\"\n", path);
    int ok = rc == TC_ECONFIG && !cfg && errors && strcmp(errors, want) == 0;
    free(errors);

    f = fopen(path, "w");
    fputs("page:\n  name: From file\n", f);
    fclose(f);
    errors = NULL;
    int rc2 = tc_config_load(path, &cfg, &errors);
    char want_storage[160];
    snprintf(want_storage, sizeof want_storage, "%s/data", dir);
    int ok2 = rc2 == 0 && cfg && !errors && strcmp(cfg->storage_path, want_storage) == 0 &&
              strcmp(cfg->page.name, "From file") == 0;
    tc_config_free(cfg);
    free(errors);
    remove(path);
    rmdir(dir);
    assert_true(ok);
    assert_true(ok2);
}

/* ---- tc_config_parse_listen directly ---------------------------------------------------- */

static void test_parse_listen_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "localhost", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:80x", "[::1]", "[::1]80", "[::1:80", "[::1]:",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *host = NULL;
        int port = -7;
        assert_int_equal(tc_config_parse_listen(bad[i], &host, &port), TC_EINVAL);
        assert_null(host);
        assert_int_equal(port, -7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_env_error_column_in_non_plain_scalars),
        cmocka_unit_test(test_untrusted_text),
        cmocka_unit_test(test_non_ascii_names),
        cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_env_expansion),
        cmocka_unit_test(test_monitor_fingerprint),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_detection_defaults),
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_storage_path),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_parse_listen_rejects),
    };
    return cmocka_run_group_tests_name("config/config", tests, setup_env, teardown_env);
}
