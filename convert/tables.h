/*
 * tables.h - the CSV tables of -f csv --table, for loading many runs into one database
 * (DuckDB, pandas, sqlite3): each table's name, schema version and columns.
 *
 * Every table begins with the same key columns, schema_version, host, boot_id and run_id,
 * so that rows from many runs and hosts never collide; pids and tids follow where a row has
 * them.  A table's version changes whenever its columns do, so that a loader can check what
 * it reads.  Times are int64 nanoseconds; an empty field is an absent value.
 */
#ifndef TT_TABLES_H
#define TT_TABLES_H

#include "emit.h"

enum tt_table {
	TT_TABLE_PLAIN = 0, /* -f csv alone: the events, without the key columns */
	TT_TABLE_EVENTS,
	TT_TABLE_PROCESSES,
	TT_TABLE_THREADS,
	TT_TABLE_FILES,
	TT_TABLE_LOCKS,
	TT_TABLE_ALLOCATIONS,
	TT_TABLE_FUNCTIONS,
	TT_TABLE_COUNT
};

struct tt_table_info {
	const char *name;
	unsigned schema;     /* its schema_version */
	const char *columns; /* after the key columns, with the final newline */
};

extern const struct tt_table_info tt_tables[TT_TABLE_COUNT];
/* The key columns' header: "schema_version,host,boot_id,run_id," */
extern const char tt_table_key_columns[];
/* The events' own columns (emit_csv.c): the plain CSV's header */
extern const char tt_csv_columns[];

/* The table named name, or -1; TT_TABLE_NAMES for a message. */
int tt_table_find(const char *name);
#define TT_TABLE_NAMES "events, processes, threads, files, locks, allocations or functions"

/* The key fields of a row of table about process image f, each followed by ','. */
char *tt_table_key(unsigned table, const struct tt_file *f);
void tt_table_header(struct tt_out *o, unsigned table);

/* Every table but the events (emit_csv.c writes those), as opt->table says. */
extern const struct tt_sink tt_sink_table;

/* The allocations table (tables_alloc.c), fed by the heap tracking. */
struct tt_allocs;
struct tt_allocs *tt_allocs_begin(struct tt_run *run, char *const *key, const unsigned *image);
void tt_allocs_end(struct tt_allocs *a);

#endif /* TT_TABLES_H */
