/* Inside the report: what kh_report_add keeps, and the analysis the renderers share.
 * Not for use outside report/: report.c, render.c, report_json.c, email.c, monitor.c and
 * metrics.c. */
#ifndef KH_REPORT_INT_H
#define KH_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "report/diff.h"
#include "report/doc.h"
#include "report/growth.h"
#include "report/report.h"

/* Samples kept per series; beyond it every other one is dropped and the stride doubles,
 * so a series costs at most 16 KiB whatever the period (a year of nightly snapshots fits
 * without thinning). The latest sample is always kept apart. */
#define KH_SERIES_MAX 1024

/* Kept samples of one allocation at ords ord, ord + stride, ...: a volume that does not
 * grow costs one run, not one sample a night. */
struct kh_run {
	uint32_t ord;                   /* index into the host's times */
	uint32_t n;
	int64_t alloc;
};

/* One disk of the host's latest snapshot: who uses which volume. A disk on a backing chain
 * adds one for each backing file below its own volume, `via` naming the volume it backs. */
struct kh_rdisk {
	char *domain, *pool, *volume, *source;
	char *via;                      /* NULL: the disk's own volume (the chain's top) */
	int64_t chain_allocation;       /* the top of a chain of 2 or more: summed over it */
	size_t chain_depth;             /* layers of the chain (1: no backing file) */
};

/* Per domain of the host's latest snapshot that has snapshots or a backing chain. */
struct kh_rdom {
	char *domain;
	size_t n_snaps;
	int64_t oldest;                 /* the oldest snapshot's creation; KH_UNKNOWN if none */
	size_t depth;                   /* the deepest chain of its disks, in layers */
	int64_t overlays;               /* the bytes its disks' layers above the base hold */
};

/* One domain snapshot of the host's latest snapshot. */
struct kh_rsnap {
	char *domain, *name, *kind;
	int64_t created;
	int current;
};

/* Two pools of a host whose numbers have agreed at every snapshot that measured both
 * (kh_pools_agree): one filesystem once its allocation has moved (see report.c). */
struct kh_pair {
	uint32_t a, b;                  /* pool series */
	int64_t alloc0;                 /* a's allocation when the pair was first seen */
	int64_t gap0;                   /* a's less b's then */
	int moved;
};

/* A host's series of one kind, as indexes into the report's array of that kind. */
struct kh_series_ids {
	uint32_t *v;
	size_t n, cap;
};

struct kh_rhost {
	char *uri, *hostname;           /* hostname of the latest snapshot, NULL if unknown */
	const char *label;              /* the config's (kh_report_set_label), borrowed */
	char *display;                  /* kh_rhost_label's answer, kept by relabel() */
	int dup;                        /* another host of the report has its name */
	char *host_uuid;                /* likewise */
	int64_t *times;                 /* taken_at of each snapshot fed, ascending */
	size_t n_times, cap_times;
	struct kh_rdisk *disks;         /* the latest snapshot's */
	size_t n_disks, cap_disks;
	struct kh_rdom *doms;           /* the latest snapshot's, by domain name */
	size_t n_doms, cap_doms;
	struct kh_rsnap *snaps;         /* likewise, each domain's oldest first */
	size_t n_snaps, cap_snaps;
	struct kh_changes pending;      /* the latest snapshot's pending drift (kh_diff_pending) */
	/* The series of each pool and volume of the latest snapshot, by index: reused while
	 * the next snapshots hold the same objects in the same order. */
	uint32_t *pool_map, *vol_map;
	size_t n_pool_map, n_vol_map;
	int mapped;
	struct kh_pair *pairs;          /* pools that may share a filesystem */
	size_t n_pairs, cap_pairs;
	struct kh_series_ids vol_ids;   /* its volume series, by index in r->vols */
	struct kh_series_ids pool_ids;  /* its pool series, in r->pools */
	int done;                       /* kh_report_host_done: its rows are worked out */
};

/* What feeding one series needs: its kept samples and latest numbers. Freed once its host
 * is done (kh_report_host_done), when its row has been worked out. */
struct kh_feed {
	struct kh_run *runs;            /* the kept samples, in order */
	size_t n_runs, cap_runs;
	size_t n;                       /* kept samples, over all runs */
	uint32_t stride, seen;          /* thinning: keep every stride-th sample seen */
	uint32_t last_ord;              /* the latest snapshot the object was in */
	int has_sample;
	uint32_t last_sample_ord;       /* the latest sample, kept even when thinned out */
	int64_t alloc_last, alloc_first;
	int64_t capacity, available;    /* latest known, KH_UNKNOWN if never known */
	int fs_numbers;                 /* pools: a dir, fs or netfs pool, whose capacity,
					 * allocation and available are its filesystem's */
	uint32_t device;                /* pools: as kh_row.device */
	int measured;                   /* pools: capacity, allocation and available known */
	uint32_t measured_first, measured_ord; /* pools: the first and latest snapshot so */
};

/* One volume (pool != NULL) or pool (pool == NULL) on one host: what names it, kept for
 * the whole report, and its feed while its host is fed. */
struct kh_series {
	size_t host;
	const char *pool;               /* volumes: the report's copy (kh_report.pool_names) */
	char *name;                     /* volumes: "name\0path\0", one block */
	const char *path;               /* volumes: the latest path, in name's block */
	struct kh_feed *f;              /* NULL once its host is done */
};

struct kh_index {
	uint32_t *slots;                /* series index + 1; 0 is empty */
	size_t cap, n;
};

/* Strings kept once each (open addressing). */
struct kh_names {
	char **slots;
	size_t cap, n;
};

struct kh_label {
	char *uri, *label;
};

/* Records appended to an unlinked temporary file (or, where none can be written, memory)
 * and read back by offset (report/rows.c). */
struct kh_spill {
	int fd;                         /* -1: none */
	int tried;                      /* the file was asked for */
	uint64_t file_len;              /* bytes in the file; the records after are in mem */
	unsigned char *mem;
	size_t n_mem, cap_mem;
};

/* What the analysis ranks and counts a volume, pool or storage by, without its row: the
 * row itself is a record of a spill. */
enum {
	KH_KEY_OK = 1,                  /* fc.ok */
	KH_KEY_FITTED = 2,
	KH_KEY_BURST = 4,               /* fitted, with a one-off jump left out */
	KH_KEY_ORPHAN = 8,              /* a volume no disk uses */
	KH_KEY_CHAIN = 16,              /* the top of a backing chain of 2 or more */
	KH_KEY_SAMPLES = 32,            /* samples kept: a chart can be drawn */
	KH_KEY_MEM = 64,                /* in the analysis' own spill (an open host's row) */
};

struct kh_key {
	uint64_t at;                    /* its record */
	double days, rate;              /* fc.days, fit.rate */
	int64_t full_at;                /* fc.full_at */
	union {
		int64_t allocation;     /* volumes */
		int64_t committed;      /* storage */
	};
	int64_t capacity;
	uint32_t host;
	uint32_t rank;                  /* among its host's by pool, then name */
	uint32_t n_pools;               /* storage: its pools */
	uint32_t flags;                 /* KH_KEY_* */
};

struct kh_keys {
	struct kh_key *v, *p, *s;       /* volumes, pools, storage */
	size_t n_v, cap_v, n_p, cap_p, n_s, cap_s;
};


struct kh_report {
	int64_t from, to;
	int warn_days;
	int top;                        /* rows per list of md, html, e-mail; 0: all */
	struct kh_label *labels;        /* kh_report_set_label */
	size_t n_labels, cap_labels;
	int snapshot_days;              /* a domain snapshot older than this is forgotten */
	size_t n_snapshots;
	int64_t first_at, last_at;
	struct kh_rhost *hosts;
	size_t n_hosts, cap_hosts;
	struct kh_series *vols, *pools;
	size_t n_vols, cap_vols, n_pools, cap_pools;
	struct kh_index vol_index, pool_index;
	struct kh_names pool_names;     /* the volumes' pool names */
	struct kh_changes changes;      /* drift, in the order found */
	/* The rows of the hosts done so far: in the spill, and a key each here. */
	struct kh_spill spill;
	struct kh_keys keys;
	int sealed;                     /* kh_report_seal: nothing more is fed */
	int once;                       /* kh_report_set_once */
	/* The samples of the rows being worked out (keep_samples's varints): each row's go to
	 * its record with it (kh_row_samples reads them from row->samples). */
	unsigned char *samples;
	size_t n_sample_bytes, cap_sample_bytes;
	struct kh_analysis *analysis;   /* a sealed report's, made once */
};

/* A volume or pool as it stands at its host's latest snapshot, with its numbers. A fleet's
 * report holds 120,000: what only volumes or only pools have shares one place. */
struct kh_row {
	const struct kh_series *s;
	const struct kh_rhost *h;
	struct kh_fit fit;
	struct kh_forecast fc;
	int64_t capacity, allocation, available, alloc_start;
	uint32_t series;                /* s, by index */
	int fitted;                     /* enough samples and days for a rate */
	const unsigned char *samples;   /* n_sample of them, varints (report.c) */
	size_t sample_at, n_sample_bytes; /* while worked out: in the report's kh_report.samples */
	uint32_t n_sample;              /* 0: none kept */
	uint32_t device;                /* pools: 1 + the series of the first pool of its host's
					 * latest snapshot on the same target_device; 0: unknown */
	union {
		struct { /* volumes */
			const char **owners;    /* domain names, borrowed from the host */
			const char **vias;      /* per owner: the volume this one is a backing
						 * file of, or NULL where the owner's disk uses
						 * it itself */
			size_t n_owners;
			int64_t chain_allocation; /* the top of a backing chain: its total */
			size_t chain_depth;     /* its layers; 0 when not the top of a chain */
		};
		struct { /* pools */
			int64_t committed;      /* sum of its volumes' (known) capacities */
			size_t n_volumes;
			int64_t vol_full_at;    /* the earliest volume forecast in it */
			const struct kh_storage *storage; /* the filesystem it is on */
			int has_vol_full;
			int fills_before_volumes;
		};
	};
};

/* One filesystem of a host: a pool alone, or the pools found to share one. Its numbers and
 * forecast are those of its first pool by name (they agree); committed counts the volumes
 * of all its pools. */
struct kh_storage {
	const struct kh_row **pools;    /* by name */
	size_t n_pools;
	const struct kh_row *row;       /* pools[0] */
	int64_t committed;
	size_t n_volumes;
	int has_vol_full;
	int64_t vol_full_at;
	int fills_before_volumes;
};

/* A row read back from its record (kh_load_*); kh_loaded_free frees what it holds. */
struct kh_loaded {
	struct kh_row row;              /* a volume's or pool's, or a storage's first pool's */
	struct kh_series s;             /* row.s: its strings point into rec */
	unsigned char *rec, *st_rec;
	int volume;                     /* row.owners and row.vias are its own */
	const char **mates;             /* a pool: its filesystem's other pools, by name */
	size_t n_mates;
	struct kh_storage st;           /* a storage, row.storage: its pools, row first */
	struct kh_row *names;           /* its other pools, by name only */
	struct kh_series *names_s;
	const struct kh_row **pools;
};

/* Something to act on: a storage or a volume, ranked by days to full. */
struct kh_risk {
	const struct kh_storage *storage; /* NULL for a volume */
	const struct kh_row *row;         /* the volume, or the storage's row */
};

/* One host of the report, as the per-host table shows it. */
struct kh_hostrow {
	const struct kh_rhost *h;
	size_t index;                   /* into kh_report.hosts */
	size_t n_pools, n_volumes, n_storage;
	size_t n_warn;                  /* storages and volumes filling within warn_days */
	size_t first_at;                /* what fills first on it, in kh_analysis.rank;
					 * SIZE_MAX if nothing */
	const struct kh_risk *first;    /* the same, read back where the analysis shows it
					 * (kh_analysis.n_host_risks); else NULL */
	double worst_overcommit;        /* of its storages; 0 when none is known */
	int has_worst;                  /* a storage of known capacity: */
	int64_t worst_committed, worst_capacity; /* the worst one's */
	size_t changes, pending;        /* drift in the period; pending at its latest */
};

/* A storage or volume to act on, by its key (kh_analysis.keys). */
struct kh_rank {
	uint32_t key;
	uint32_t storage;               /* 1: keys.s[key], else keys.v[key] */
};

/* A domain with snapshots or a backing chain, and its host. */
struct kh_snaprow {
	const struct kh_rhost *h;
	const struct kh_rdom *d;
};

/* A domain snapshot older than the report's snapshot_days at its host's latest snapshot. */
struct kh_forgotten {
	const struct kh_rhost *h;
	const struct kh_rsnap *s;
	int64_t age_days;
};

/* Counted over every row, where the arrays of rows hold only those a format shows. */
struct kh_totals {
	size_t vols, pools, storage, risks;
	size_t warn_vols, warn_pools, warn_storage;     /* forecast within warn_days */
	size_t growing, bursts, orphans;
	size_t more_pools, more_pools_filling;  /* the pools of the storage past --top */
	size_t more_risks_filling;              /* of the risks past --top */
	int64_t more_orphans_used, more_orphans_capacity; /* the orphans past --top */
};

/* The analysis ranks every row by its key and reads back the rows its lists show: with
 * kh_analysis_new, those within --top of each list of md, html and e-mail (and what the
 * JSON reads back one at a time, kh_load_*); with kh_analysis_all, every row. */
struct kh_analysis {
	struct kh_keys keys;            /* every row's: the report's, or a copy with the
					 * open hosts' (own_keys) */
	int own_keys;
	struct kh_spill mem;            /* the open hosts' records */
	uint32_t *vorder, *porder, *sorder; /* keys by rank: soonest full first */
	struct kh_rank *rank;           /* every storage and volume with a forecast, soonest
					 * first, a storage before a volume filling as soon */
	struct kh_totals t;
	/* The rows read back, in rank order: */
	struct kh_row *vols, *pools;
	size_t n_vols, n_pools;
	struct kh_storage *storage;
	size_t n_storage;
	struct kh_risk *risks;          /* the first of rank */
	size_t n_risks;
	struct kh_risk *host_risks;     /* the hosts' firsts, for the first hosts */
	size_t n_host_risks;
	struct kh_loaded *held;         /* what they point into */
	size_t n_held;
	struct kh_hostrow *hosts;       /* riskiest first (cmp_hostrow), every host */
	int kept;                       /* the report's own (sealed): not freed by the caller */
	const struct kh_row *first;     /* what fills first, pool or volume; NULL if nothing */
	int first_is_pool;
	const struct kh_change **drift; /* sorted by time, then host */
	size_t n_drift;
	struct kh_snaprow *snapdoms;    /* by host, then domain */
	size_t n_snapdoms;
	struct kh_forgotten *forgotten; /* oldest first */
	size_t n_forgotten;
	int has_chains;                 /* some volume is the top of a backing chain */
};

/* A sealed report's analysis is made once and kept by the report (kh_analysis_free leaves
 * it alone); an open report's is made anew each time. */
struct kh_analysis *kh_analysis_new(const struct kh_report *r);
/* Every row read back (monitor, metrics): never kept by the report. */
struct kh_analysis *kh_analysis_all(const struct kh_report *r);
void kh_analysis_free(struct kh_analysis *a);

/* The spill (report/rows.c). kh_spill_volume and the others write a row's record, with the
 * report's samples of it, through the scratch buffer b, and return where it is. */
uint64_t kh_spill_put(struct kh_spill *sp, const void *data, size_t n);
void kh_spill_free(struct kh_spill *sp);
struct kh_buf;
uint64_t kh_spill_volume(struct kh_spill *sp, struct kh_buf *b, const struct kh_report *r,
			 const struct kh_row *v);
uint64_t kh_spill_pool(struct kh_spill *sp, struct kh_buf *b, const struct kh_report *r,
		       const struct kh_row *p, const struct kh_storage *st);
uint64_t kh_spill_storage(struct kh_spill *sp, struct kh_buf *b, const struct kh_storage *st,
			  uint64_t pool_at);
void kh_load_volume(const struct kh_report *r, const struct kh_spill *sp,
		    const struct kh_key *k, struct kh_loaded *l);
void kh_load_pool(const struct kh_report *r, const struct kh_spill *sp, const struct kh_key *k,
		  struct kh_loaded *l);
/* A storage: l->st, whose row is its first pool's (l->row). */
void kh_load_storage(const struct kh_report *r, const struct kh_spill *sp,
		     const struct kh_key *k, struct kh_loaded *l);
void kh_loaded_free(struct kh_loaded *l);
/* Key i of the analysis' volumes (pools, storage) read back: as above, from the spill the
 * key names. */
void kh_analysis_volume(const struct kh_report *r, const struct kh_analysis *a, size_t i,
			struct kh_loaded *l);
void kh_analysis_pool(const struct kh_report *r, const struct kh_analysis *a, size_t i,
		      struct kh_loaded *l);
void kh_analysis_storage(const struct kh_report *r, const struct kh_analysis *a, size_t i,
			 struct kh_loaded *l);
/* rank[i] as a risk, its row and storage read back into l. */
void kh_analysis_risk(const struct kh_report *r, const struct kh_analysis *a, size_t i,
		      struct kh_loaded *l, struct kh_risk *k);
/* Frees a report's rows, series, samples, drift and disks, its analysis too: what a report
 * rendered once (kh_report_set_once) no longer needs once its document is made. The hosts
 * stay, and kh_report_free still frees the rest. */
void kh_report_shed(struct kh_report *r);

/* Rows a list of md, html and e-mail shows: --top (SIZE_MAX for 0, all); the top growing
 * volumes and one-off jumps at most KH_TOP_GROWING of them. */
#define KH_TOP_GROWING 10
size_t kh_rows_max(const struct kh_report *r);
size_t kh_top_growing(const struct kh_report *r);

/* "kvm1", or the URI when the host never told its name. */
const char *kh_row_host(const struct kh_row *row);
const char *kh_rhost_label(const struct kh_rhost *h);
/* A name unique within the report: the config's label, else the hostname, else the URI;
 * "NAME (URI)" where another host of the report has that name too. */
const char *kh_rhost_display(const struct kh_rhost *h);
/* The config's label, else the hostname, else the URI: not unique (tables show the URI). */
const char *kh_rhost_name(const struct kh_rhost *h);
/* True when hosts i and j (different URIs) reach one machine: same hostname and host UUID. */
int kh_rhost_same(const struct kh_report *r, size_t i, size_t j);
/* The host of a change, by its URI; NULL when unknown. */
const struct kh_rhost *kh_report_host_of(const struct kh_report *r, const char *uri);

/* The period as given to kh_report_new, or the snapshots' own span where the bounds are
 * not dates (before 1970, after 9999). */
void kh_report_period(const struct kh_report *r, int64_t *from, int64_t *to);

/* The report as a document, from its analysis (report/render.c). */
void kh_report_document(const struct kh_report *r, const struct kh_analysis *a,
			struct kh_doc *d);
/* A chart as the PNG part of a mail, referred to from its HTML as cid:chartN@kvmhist. */
struct kh_mail_image {
	unsigned id;            /* N */
	unsigned char *png;
	size_t len;
};

/* A mail is at most this many bytes: the charts it cannot hold are left out (issue 12). */
#define KH_MAIL_MAX 200000

/* What the e-mail is written from: the report's document, made from one analysis, which
 * it frees (kh_analysis_free) once the document is made, and with it a report rendered
 * once (kh_report_shed); then its charts drawn as PNGs (kh_mail_doc_images). */
struct kh_mail_doc;
int kh_mail_doc_new(const struct kh_report *r, struct kh_analysis *a, const char *templates_dir,
		    struct kh_mail_doc **m, struct kh_err *err);
/* The charts' PNGs, in the document's order; images[i].id is i + 1. */
const struct kh_mail_image *kh_mail_doc_images(const struct kh_mail_doc *m, size_t *n);
/* The plain text (the text back end: columns aligned with spaces, no colour) and the HTML
 * page (templates_dir/report.html) with the first `keep` charts, each an <img> of a cid:
 * part; when that is not all of them, both say how many are left out. */
int kh_mail_doc_pages(const struct kh_report *r, struct kh_mail_doc *m, size_t keep,
		      char **text, char **html, struct kh_err *err);
void kh_mail_doc_free(struct kh_mail_doc *m);

/* Shared by the renderers and the e-mail (report/render.c). */
char *kh_report_title(const struct kh_report *r);  /* "Storage report for kvm1, 2026-..." */
char *kh_report_hosts(const struct kh_report *r, size_t max); /* "kvm1, kvm2 and 3 more" */
/* "db.qcow2 on kvm1 full on 2026-01-15 (in 5 days)", "pool thin on ...", or "nothing is
 * forecast to fill". */
char *kh_report_first_to_fill(const struct kh_report *r, const struct kh_analysis *a);

/* The samples a pool's or a growing volume's row was fitted from (t ascending), into new
 * arrays *t and *y the caller frees; 0 for a row whose samples were not kept (a volume that
 * does not grow). */
size_t kh_row_samples(const struct kh_report *r, const struct kh_row *row, int64_t **t,
		      int64_t **y);

/* What a storage or volume to act on is called: "pool default", "pools default, lab",
 * "volume db.qcow2 in pool data" (raw text: the caller escapes it). */
char *kh_risk_what(const struct kh_risk *k);
/* "in 5 days", "in under a day", "already full". */
void kh_days_phrase(struct kh_buf *b, double days);
/* A storage's committed capacity over its capacity; 0 when its capacity is not known. */
double kh_storage_overcommit(const struct kh_storage *st);

/* True for changes that are only growth (allocation, available): the numbers cover them. */
int kh_change_is_growth(const struct kh_change *c);

#endif
