#!/usr/bin/env bats
# traceit-convert -f csv --table: the tables for engines, keyed by host, boot and run, loaded
# by real engines (python3's csv and sqlite3; DuckDB when its Node package is installed), and
# the gzip output.

load helpers

PY=/usr/bin/python3
TABLES="events processes threads files locks allocations functions"
KEYS="schema_version,host,boot_id,run_id"
# where .ci/run installs DuckDB's Node package (@duckdb/node-api)
DUCKDB_MODULES="${TT_DUCKDB_MODULES:-/opt/traceit-duckdb/node_modules}"

# tables INPUT DIR: every table of INPUT into DIR/TABLE.csv
tables() {
	mkdir -p "$2"
	for t in $TABLES; do
		"$CONVERT" -f csv --table="$t" -o "$2/$t.csv" "$1"
	done
}

# pyq SCRIPT ARG...: runs a python3 script (stdin) with csv and sqlite3 at hand
pyq() {
	"$PY" - "$@"
}

@test "every table: the key columns, then its own; schema 1; keys never empty" {
	tables "$DATA/golden" "$BATS_TEST_TMPDIR/t"
	for t in $TABLES; do
		head -1 "$BATS_TEST_TMPDIR/t/$t.csv" | grep -q "^$KEYS,"
	done
	# the events table is the plain CSV's rows behind the keys
	expect_eq "events header" "$KEYS,$(head -1 "$DATA/golden.csv")" "$(head -1 "$BATS_TEST_TMPDIR/t/events.csv")"
	diff <(tail -n +2 "$DATA/golden.csv") <(tail -n +2 "$BATS_TEST_TMPDIR/t/events.csv" | cut -d, -f5-)
	pyq "$BATS_TEST_TMPDIR/t" $TABLES <<'EOF'
import csv, sys
d = sys.argv[1]
for t in sys.argv[2:]:
    rows = list(csv.DictReader(open(f"{d}/{t}.csv", newline="")))
    assert rows or t == "locks", t
    for r in rows:
        assert r["schema_version"] == "1", (t, r)
        assert r["host"] and r["boot_id"] and r["run_id"], (t, r)
        # golden was recorded before boot ids and run ids: a derived id per launch
        assert r["boot_id"] == "unknown" and len(r["run_id"]) == 16, (t, r)
EOF
}

@test "the tables agree with the events and the summary" {
	tables "$DATA/golden4" "$BATS_TEST_TMPDIR/t"
	pyq "$BATS_TEST_TMPDIR/t" <<'EOF'
import csv, sys, collections
d = sys.argv[1]
load = lambda t: list(csv.DictReader(open(f"{d}/{t}.csv", newline="")))
ev, procs, thr, fn, files, allocs = (load(t) for t in
    ("events", "processes", "threads", "functions", "files", "allocations"))
# functions: the events per name, every call counted once; self time within the total
calls = collections.Counter(r["name"] for r in ev if r["category"] != "user")
assert {r["name"]: int(r["calls"]) for r in fn if r["kind"] == "call"} == calls
for r in fn:
    assert 0 <= int(r["self_ns"]) <= int(r["total_ns"]), r
    assert int(r["min_ns"]) <= int(r["max_ns"]), r
# processes: one row per image, its events; threads: the summary's six workers and mains
assert sorted(r["name"] for r in procs) == ["t_memory", "t_threads"]
assert sum(int(r["events"]) for r in procs) == len(ev)
assert len(thr) == 8 and sum(int(r["created"]) for r in thr) == 6
assert sum(int(r["events"]) for r in thr) == len(ev)
# allocations: a row per block allocated; those never freed are the leaks
for p in procs:
    mine = [a for a in allocs if a["pid"] == p["pid"]]
    assert len(mine) == int(p["allocs"]), (p["name"], len(mine))
    assert sum(1 for a in mine if not a["free_ns"]) == int(p["leaked_blocks"])
    assert sum(int(a["size"]) for a in mine if not a["free_ns"]) == int(p["leaked_bytes"])
    for a in mine:
        assert not a["free_ns"] or int(a["free_ns"]) >= int(a["alloc_ns"]), a
# files: the bytes of the reads and writes of the events
for f in files:
    rd = sum(int(r["bytes"] or 0) for r in ev if r["path"] == f["path"] and r["name"] in ("read", "pread", "fread", "readv"))
    assert rd <= int(f["bytes_read"]), f
EOF
	# t_memory 60: each size made by one call, freed by free but 1003 (moved by realloc)
	expect_eq "realloc'd blocks" "60 realloc realloc" "$(awk -F, '$10 == 1003 {n++; f = $8; g = $14} END {print n, f, g}' "$BATS_TEST_TMPDIR/t/allocations.csv")"
	expect_eq "reallocarray" "60 reallocarray free" "$(awk -F, '$10 == 3027 {n++; f = $8; g = $14} END {print n, f, g}' "$BATS_TEST_TMPDIR/t/allocations.csv")"
	expect_eq "posix_memalign" "60 posix_memalign" "$(awk -F, '$10 == 1005 {n++; f = $8} END {print n, f}' "$BATS_TEST_TMPDIR/t/allocations.csv")"
}

@test "locks: one row per lock with its waits; functions: self time of nested calls" {
	"$CONVERT" -f csv --table=locks -o "$BATS_TEST_TMPDIR/locks.csv" "$DATA/contend"
	# the summary's lock table, by total wait: acquired, contended, total wait
	expect_eq locks 4 "$(tail -n +2 "$BATS_TEST_TMPDIR/locks.csv" | wc -l)"
	expect_eq "acquisitions" "$(awk '/^Locks/ {m = 1; getline; next} /^  \(/ {m = 0} m && NF {print $1}' "$DATA/contend.summary" | sort -n | tr '\n' ' ')" \
		"$(tail -n +2 "$BATS_TEST_TMPDIR/locks.csv" | cut -d, -f11 | sort -n | tr '\n' ' ')"
	# printf mallocs its buffer: the malloc's time is not printf's own
	"$CONVERT" -f csv --table=functions -o "$BATS_TEST_TMPDIR/fn.csv" "$DATA/golden"
	expect_eq "printf" "1 18097 10005" "$(awk -F, '$7 == "printf" {print $8, $10, $11}' "$BATS_TEST_TMPDIR/fn.csv")"
}

@test "two runs from the launcher: their keys apart, one sqlite3 query over both" {
	for r in 1 2; do
		TRACEIT_RUN_ID= "$TRACEIT" -o "$BATS_TEST_TMPDIR/run$r" -- "$T/t_fork" $((r + 1)) >/dev/null 2>&1
		tables "$BATS_TEST_TMPDIR/run$r" "$BATS_TEST_TMPDIR/tables/run$r"
	done
	TRACEIT_RUN_ID=nightly-7 "$TRACEIT" -o "$BATS_TEST_TMPDIR/run3" -- "$T/t_fork" 1 >/dev/null 2>&1
	tables "$BATS_TEST_TMPDIR/run3" "$BATS_TEST_TMPDIR/tables/run3"
	run pyq "$BATS_TEST_TMPDIR/tables" "$(cat /proc/sys/kernel/random/boot_id)" <<'EOF'
import csv, glob, sqlite3, sys
d, boot = sys.argv[1], sys.argv[2]
db = sqlite3.connect(":memory:")
for t in ("processes", "functions", "events"):
    for i, path in enumerate(sorted(glob.glob(f"{d}/*/{t}.csv"))):
        rows = list(csv.reader(open(path, newline="")))
        if i == 0:
            db.execute(f"create table {t} ({', '.join(rows[0])})")
        db.executemany(f"insert into {t} values ({', '.join('?' * len(rows[0]))})", rows[1:])
assert {b for (b,) in db.execute("select distinct boot_id from processes")} == {boot}
# one query over the runs: per run, its processes, their events and mallocs
for row in db.execute("""
    select p.run_id, count(distinct p.pid), sum(p.events),
           (select sum(calls) from functions f where f.run_id = p.run_id and f.name = 'malloc')
    from processes p group by p.run_id order by 2"""):
    print(*row)
# the events of a run join to their process by the keys
(n,) = db.execute("""select count(*) from events e join processes p
    using (host, boot_id, run_id, pid)""").fetchone()
(m,) = db.execute("select count(*) from events").fetchone()
assert n == m, (n, m)
EOF
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	# t_fork N: the parent and N children, each mallocing once
	expect_eq runs 3 "${#lines[@]}"
	[[ "${lines[0]}" == "nightly-7 2 "*" 2" ]]
	[[ "${lines[1]}" =~ ^[0-9a-f]{16}\ 3\ [0-9]+\ 3$ ]]
	[[ "${lines[2]}" =~ ^[0-9a-f]{16}\ 4\ [0-9]+\ 4$ ]]
	[ "${lines[1]%% *}" != "${lines[2]%% *}" ]
}

@test "DuckDB reads a folder of runs, gzipped, in one query" {
	command -v node >/dev/null || skip "no node"
	[ -d "$DUCKDB_MODULES/@duckdb/node-api" ] || skip "DuckDB's Node package is not in $DUCKDB_MODULES (.ci/run installs it)"
	for set_ in golden golden4 contend; do
		mkdir -p "$BATS_TEST_TMPDIR/runs/$set_"
		for t in processes allocations functions locks; do
			"$CONVERT" -f csv --table="$t" -o "$BATS_TEST_TMPDIR/runs/$set_/$t.csv.gz" "$DATA/$set_"
		done
	done
	cd "$BATS_TEST_TMPDIR/runs"
	run env NODE_PATH="$DUCKDB_MODULES" node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
	const con = await (await DuckDBInstance.create(":memory:")).connect();
	const r = await con.runAndReadAll(process.argv[1]);
	for (const row of r.getRowsJson()) console.log(row.join(" "));
})().catch((e) => { console.error(e.message); process.exit(1); });' "
		select p.name, count(distinct p.run_id), count(a.addr), sum(a.size)
		from read_csv('*/processes.csv.gz') p
		join read_csv('*/allocations.csv.gz') a
			using (host, boot_id, run_id, pid, image)
		where a.free_ns is null
		group by all order by all"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	# the leaks per program over the runs: the summaries' leaked blocks and bytes
	expect_eq leaks "contend 1 3 864 | t_io 1 1 4096 | t_threads 2 20 10556" "$(printf '%s | ' "${lines[@]}" | sed 's/ | $//')"
}

@test "-o NAME.gz: gzip whose content is the plain output's bytes" {
	for f in "csv" "csv --table=allocations" "summary" "json"; do
		# shellcheck disable=SC2086
		"$CONVERT" -f $f -o "$BATS_TEST_TMPDIR/plain" "$DATA/golden4"
		# shellcheck disable=SC2086
		"$CONVERT" -f $f -o "$BATS_TEST_TMPDIR/out.gz" "$DATA/golden4"
		gzip -t "$BATS_TEST_TMPDIR/out.gz"
		gzip -dc "$BATS_TEST_TMPDIR/out.gz" | cmp - "$BATS_TEST_TMPDIR/plain"
	done
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/out.gz")" -lt "$(stat -c %s "$BATS_TEST_TMPDIR/plain")" ]
	run "$CONVERT" --split-mb=1 -o "$BATS_TEST_TMPDIR/t.json.gz" "$DATA/golden4"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"--split-mb"*".gz"* ]]
}

@test "an unknown table, a table of another format, an unwritable output: one line" {
	run "$CONVERT" -f csv --table=calls "$DATA/golden"
	[ "$status" -eq 2 ]
	expect_eq lines 1 "${#lines[@]}"
	[[ "${lines[0]}" == "traceit-convert: --table: 'calls' is not a table: events, processes,"* ]]
	run "$CONVERT" -f summary --table=files "$DATA/golden"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"--table applies to the csv format only"* ]]
	run "$CONVERT" -f csv --table=files -o /nonexistent/dir/files.csv.gz "$DATA/golden"
	[ "$status" -eq 2 ]
	expect_eq lines 1 "${#lines[@]}"
	[[ "${lines[0]}" == *"/nonexistent/dir/files.csv.gz: cannot create"* ]]
	ln -s /dev/full "$BATS_TEST_TMPDIR/full.csv.gz"
	run "$CONVERT" -f csv --table=events -o "$BATS_TEST_TMPDIR/full.csv.gz" "$DATA/golden"
	[ "$status" -eq 2 ]
	expect_eq lines 1 "${#lines[@]}"
	[[ "${lines[0]}" == *"full.csv.gz: cannot write: No space left on device"* ]]
}
