/* The SQLite backend's files define store.h's functions under store.h's own names (they were
 * written before there was a second backend, and are kept as they were); this header, included
 * first by store_sqlite_int.h, renames them to tc_sqlite_* so that store.c can own the public
 * names and dispatch (store_int.h). Every function of TC_STORE_API needs a line here, and so
 * do tc_store_open(), tc_store_rollback() and tc_store_close(). The functions that free rows
 * (store.c) and tc_store_restore() (SQLite only, no open store) keep their names. */
#ifndef TC_STORE_SQLITE_NAMES_H
#define TC_STORE_SQLITE_NAMES_H

#ifdef TC_STORE_H
#error "store_sqlite_names.h must come before store.h (include store_sqlite_int.h first)"
#endif

/* store.h leaves its tc_store_open() out: SQLite's has its own parameters (store_int.h). */
#define TC_STORE_SQLITE_NAMES 1

#define tc_store_open tc_sqlite_open
#define tc_store_rollback tc_sqlite_rollback
#define tc_store_close tc_sqlite_close
#define tc_store_begin tc_sqlite_begin
#define tc_store_commit tc_sqlite_commit
#define tc_store_backup tc_sqlite_backup
#define tc_store_schema_version tc_sqlite_schema_version
#define tc_store_changed_elsewhere tc_sqlite_changed_elsewhere
#define tc_store_defer_checkpoints tc_sqlite_defer_checkpoints
#define tc_store_checkpoint tc_sqlite_checkpoint
#define tc_store_sync_rows tc_sqlite_sync_rows
#define tc_store_set_status tc_sqlite_set_status
#define tc_store_status_log tc_sqlite_status_log
#define tc_store_replace_import_log tc_sqlite_replace_import_log
#define tc_store_rollup tc_sqlite_rollup
#define tc_store_add_results tc_sqlite_add_results
#define tc_store_put_incident tc_sqlite_put_incident
#define tc_store_delete_incident tc_sqlite_delete_incident
#define tc_store_each_incident tc_sqlite_each_incident
#define tc_store_set_manual_status tc_sqlite_set_manual_status
#define tc_store_add_key tc_sqlite_add_key
#define tc_store_revoke_key tc_sqlite_revoke_key
#define tc_store_each_key tc_sqlite_each_key
#define tc_store_key_name tc_sqlite_key_name
#define tc_store_monitor_pause tc_sqlite_monitor_pause
#define tc_store_monitor_paused tc_sqlite_monitor_paused
#define tc_store_last_results tc_sqlite_last_results
#define tc_store_first_failure tc_sqlite_first_failure
#define tc_store_outbox_add tc_sqlite_outbox_add
#define tc_store_outbox_due tc_sqlite_outbox_due
#define tc_store_outbox_mark tc_sqlite_outbox_mark
#define tc_store_outbox_counts tc_sqlite_outbox_counts
#define tc_store_outbox_dead tc_sqlite_outbox_dead
#define tc_store_outbox_pending tc_sqlite_outbox_pending
#define tc_store_outbox_retry tc_sqlite_outbox_retry
#define tc_store_outbox_prune tc_sqlite_outbox_prune
#define tc_store_subscriber_add tc_sqlite_subscriber_add
#define tc_store_subscriber_update tc_sqlite_subscriber_update
#define tc_store_subscriber_get tc_sqlite_subscriber_get
#define tc_store_subscriber_find tc_sqlite_subscriber_find
#define tc_store_subscriber_confirm tc_sqlite_subscriber_confirm
#define tc_store_subscriber_unsubscribe tc_sqlite_subscriber_unsubscribe
#define tc_store_subscribers tc_sqlite_subscribers
#define tc_store_user_add tc_sqlite_user_add
#define tc_store_user_by_name tc_sqlite_user_by_name
#define tc_store_user_by_id tc_sqlite_user_by_id
#define tc_store_users tc_sqlite_users
#define tc_store_user_remove tc_sqlite_user_remove
#define tc_store_user_set_password tc_sqlite_user_set_password
#define tc_store_session_add tc_sqlite_session_add
#define tc_store_session_get tc_sqlite_session_get
#define tc_store_session_touch tc_sqlite_session_touch
#define tc_store_session_delete tc_sqlite_session_delete
#define tc_store_sessions_prune tc_sqlite_sessions_prune
#define tc_store_audit_add tc_sqlite_audit_add
#define tc_store_audit_list tc_sqlite_audit_list
#define tc_store_schedule_put tc_sqlite_schedule_put
#define tc_store_schedule_mark tc_sqlite_schedule_mark
#define tc_store_schedule_delete tc_sqlite_schedule_delete
#define tc_store_each_schedule tc_sqlite_each_schedule
#define tc_store_setting tc_sqlite_setting

#endif
