/* Command-line commands. Each takes the arguments after its name and returns the process
 * exit code: 0 ok, 1 runtime failure, 2 usage or config error. */
#ifndef TC_CLI_H
#define TC_CLI_H

/** `tocsin serve [-c FILE] [--listen HOST:PORT] [--data DIR] [--log-level L]` */
int tc_cli_serve(int argc, char **argv);
/** `tocsin check-config -c FILE` */
int tc_cli_check(int argc, char **argv);
/** `tocsin probe [-c FILE] MONITOR_ID`: run one monitor once and explain the verdict.
 *  @return 0 up, 1 down (or the probe could not run), 3 degraded, 2 usage/config error. */
int tc_cli_probe(int argc, char **argv);
/** `tocsin apikey [-c FILE] create --name NAME | list | revoke ID` */
int tc_cli_apikey(int argc, char **argv);
/** `tocsin user [-c FILE] add NAME --role admin|editor | list | remove NAME | passwd NAME` */
int tc_cli_user(int argc, char **argv);
/** `tocsin backup [-c FILE] [--data DIR] FILE`: a consistent copy of the running store. */
int tc_cli_backup(int argc, char **argv);
/** `tocsin restore [-c FILE] [--data DIR] FILE`: a backup into an empty data folder. */
int tc_cli_restore(int argc, char **argv);
/** `tocsin migrate --from DATA_DIR --to DSN`: a SQLite store into an empty PostgreSQL one. */
int tc_cli_migrate(int argc, char **argv);
/** `tocsin export [-c FILE] [--data DIR] FOLDER`: the page as static files. */
int tc_cli_export(int argc, char **argv);
/** `tocsin report coverage [--since 90d]`: what the probes missed. */
int tc_cli_report(int argc, char **argv);
/** `tocsin import [-c FILE] [--data DIR] statuspage FILE`: import a Statuspage history. */
int tc_cli_import(int argc, char **argv);
/** `tocsin help [COMMAND]`: print help for @p command (NULL: the overview) to stdout.
 *  @return 0, or 2 for an unknown command. */
int tc_cli_help(const char *command);
/** Print a usage error and a pointer to help. @return 2. */
int tc_cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct tc_config tc_config_t;
typedef struct tc_store tc_store_t;
typedef struct tc_zone tc_zone_t;

/** Load and validate @p path, printing "FILE:LINE:COL: msg" errors; sets the page's zone.
 *  @return 0, or 2 (the exit code) when the file is invalid. */
int tc_cli__load_config(const char *path, tc_config_t **out);
/** Open the store in @p data, or the config's storage path. @return 0, or 1 after printing
 *  why it failed. */
int tc_cli__open_store(const char *command, const tc_config_t *c, const char *data,
                       tc_store_t **out);
/** What the commands that read and write the store while the daemon runs (apikey, user,
 *  report) open first: the config at @p config, the page's time zone (they print times as
 *  the page does) and the store in @p data (NULL: the config's). On failure nothing stays
 *  open. @return 0, or the exit code after printing why: 2 for an invalid config, 1 when
 *  the zone or the store cannot be opened. */
int tc_cli__open_page(const char *command, const char *config, const char *data,
                      tc_config_t **c, tc_zone_t **zone, tc_store_t **s);

#endif
