/* One snapshot, and the list of snapshots, as text (like virsh) and as JSON. */
#ifndef KH_SHOW_H
#define KH_SHOW_H

#include <jansson.h>
#include <stddef.h>

#include "store/model.h"

/* {"id", "taken_at", "host", "uri", "host_uuid"}: how diff and show name a snapshot. */
json_t *kh_snapshot_ref_json(const struct kh_snapshot *s);

char *kh_show_text(const struct kh_snapshot *s);
char *kh_show_json(const struct kh_snapshot *s);

char *kh_snapshots_text(const struct kh_snapshot_info *v, size_t n);
char *kh_snapshots_json(const struct kh_snapshot_info *v, size_t n);

/* `kvmhist domains`: a table of lives, then their renames, removals and re-additions. */
char *kh_domains_text(const struct kh_domain_life *v, size_t n);
/* {"domains": [{"name", "uuid", "uri", "first_seen", "first_snapshot", "last_seen",
 * "last_snapshot", "present", "events": [{"event", "at", "snapshot", "name", "old_name"}]}]} */
char *kh_domains_json(const struct kh_domain_life *v, size_t n);

/* JSON helpers shared by the renderers: KH_UNKNOWN and NULL become null. */
json_t *kh_json_num(int64_t v);
json_t *kh_json_flag(int v);
json_t *kh_json_str(const char *s);
json_t *kh_json_time(int64_t t);
/* Serialises with two-space indent and a final newline; consumes `j`. */
char *kh_json_dump(json_t *j);

#endif
