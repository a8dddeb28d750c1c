#!/bin/sh
# regen.sh BUILDDIR [--streams] - regenerates the golden expectations under tests/data/:
# the CSV, JSON and summary of each checked-in set of streams, with BUILDDIR's converter.
# With --streams, first records the sets again with BUILDDIR's library, as src/README says
# (timing-dependent: the expectations change with them; do it on purpose only).
set -eu
build=$(cd "$1" && pwd)
data=$(cd "$(dirname "$0")" && pwd)
convert="$build/traceit-convert"
lib="$build/.libs/libtraceit.so"
[ -x "$convert" ] || { echo "regen.sh: no traceit-convert in $build (build first)" >&2; exit 2; }

record() { # record SET: records tests/data/SET from /tmp, as src/README says
	set_=$1
	shift
	rm -rf "/tmp/$set_-rec" && mkdir "/tmp/$set_-rec"
	(cd /tmp && TRACEIT_OUTPUT="/tmp/$set_-rec" LD_PRELOAD="$lib" sh -c "$*" \
		</dev/null >/dev/null 2>&1) || true
	mkdir -p "$data/$set_" && rm -f "$data/$set_"/*.trc
	cp "/tmp/$set_-rec"/*.trc "$data/$set_/"
}

if [ "${2:-}" = --streams ]; then
	t="$build/tests/targets"
	cp "$t/t_fork" "$t/t_threads" "$t/t_io" "$t/t_memory" /tmp/
	cc -O1 -g -pthread -fno-builtin -o /tmp/contend "$data/src/contend.c"
	record contend ./contend
	record golden './t_fork 2; ./t_threads 3; ./t_io /tmp/data.bin 5'
	record golden7 './t_threads 6; ./t_memory 60'
	# a program gone once recorded: its functions are named module+offset on every machine
	mkdir -p /tmp/funcs-gone && cp "$t/t_func" /tmp/funcs-gone/
	record funcs 'funcs-gone/t_func marks; funcs-gone/t_func longjmp'
	rm -rf /tmp/funcs-gone "$data"/funcs/dash.*.trc "$data"/funcs/sh.*.trc
	cc -O1 -g -pthread -fno-builtin -I"$data/../../include" -o /tmp/diffwork "$data/src/diffwork.c"
	record diff-base 'TRACEIT_STACKS=lock ./diffwork base /tmp/diffwork.out'
	record diff-new 'TRACEIT_STACKS=lock ./diffwork new /tmp/diffwork.out'
	echo "regen.sh: golden3 and golden4 are format 3 and 4 recordings: kept as they are" >&2
fi

for set_ in golden golden3 golden4 golden7; do
	"$convert" -f csv -o "$data/$set_.csv" "$data/$set_"
	"$convert" -f json -o "$data/$set_.json" "$data/$set_"
	"$convert" -f summary -o "$data/$set_.summary" "$data/$set_"
done
"$convert" -f graph -o "$data/funcs.graph" "$data/funcs" 2>/dev/null
# the runs named as diff.bats names them: from tests/data
(cd "$data" && "$convert" -f summary --diff -o diff.summary diff-base diff-new &&
	"$convert" -f csv --diff -o diff.csv diff-base diff-new)
"$convert" -f json -o "$data/contend.json" "$data/contend"
"$convert" -f summary -o "$data/contend.summary" "$data/contend"
echo "regen.sh: expectations written; review them with git diff tests/data" >&2
