#!/bin/sh
# layers.sh BUILDDIR SRCDIR - the preload module's layers, from its objects and sources:
# prints the link graph between its folders (symbols one folder's objects use that another's
# define) and the include graph, and fails if any edge points up: preload/ may use
# collector/, base/ and stream/; collector/ base/ and stream/; base/ and stream/ (the
# format both sides share) nothing of the others.
set -eu
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rank() { case $1 in preload) echo 3 ;; collector) echo 2 ;; base | stream) echo 1 ;; esac; }
for d in stream base collector preload; do
	set -- "$build/$d"/.libs/libtraceit_la-*.o
	[ -e "$1" ] || { echo "layers.sh: no objects in $build/$d/.libs (build first)" >&2; exit 2; }
	nm --defined-only -g "$@" | awk 'NF == 3 {print $3}' | sort -u >"$tmp/$d.def"
	nm -u "$@" | awk 'NF == 2 {print $2}' | sort -u >"$tmp/$d.use"
done
bad=0
echo "link graph (symbols used across folders):"
for from in preload collector base stream; do
	for to in preload collector base stream; do
		[ "$from" = "$to" ] && continue
		n=$(comm -12 "$tmp/$from.use" "$tmp/$to.def" | wc -l)
		[ "$n" -gt 0 ] || continue
		echo "  $from -> $to: $n"
		if [ "$(rank "$from")" -lt "$(rank "$to")" ]; then
			echo "  upward: $from uses $(comm -12 "$tmp/$from.use" "$tmp/$to.def" | tr '\n' ' ')" >&2
			bad=1
		fi
	done
done
echo "include graph (headers included across folders):"
for from in preload collector base stream; do
	for to in preload collector base stream; do
		[ "$from" = "$to" ] && continue
		n=0
		for h in "$src/$to"/*.h; do
			[ -e "$h" ] || continue
			c=$(grep -l "#include \"$(basename "$h")\"" "$src/$from"/*.c "$src/$from"/*.h 2>/dev/null | wc -l)
			n=$((n + c))
		done
		[ "$n" -gt 0 ] || continue
		echo "  $from -> $to: $n"
		if [ "$(rank "$from")" -lt "$(rank "$to")" ]; then
			echo "  upward include: $from -> $to" >&2
			bad=1
		fi
	done
done
exit $bad
