#!/bin/bash
# usage: scripts/fuzz.sh SECONDS FUZZER...
#
# Runs each libFuzzer target for SECONDS, one after the other, starting from
# a copy of its committed corpus (test/fuzz/corpus/<name>): the copy and the
# inputs found on the way live in build/fuzz/<name>/corpus, so the committed
# corpus never changes.  A crash, leak, timeout or out-of-memory stops the
# run: the script prints the reproducer (build/fuzz/<name>/artifacts/...),
# the command that replays it and the end of the fuzzer's output, and exits
# non-zero once every target has run.
set -uo pipefail
seconds=$1
shift
out=build/fuzz
status=0
for f in "$@"; do
	name=$(basename "$f")
	seed=test/fuzz/corpus/${name#fuzz_}
	dir=$out/$name
	if [ ! -d "$seed" ]; then
		echo "no corpus for $name ($seed)" >&2
		status=1
		continue
	fi
	mkdir -p "$dir/corpus"
	rm -rf "$dir/artifacts"
	mkdir -p "$dir/artifacts"
	cp -n "$seed"/* "$dir/corpus"/ 2>/dev/null || true
	# -timeout: seconds one input may take (a hang); -rss_limit_mb: libFuzzer's default, explicit
	"$f" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	artifacts=$(find "$dir/artifacts" -type f | sort)
	if [ $rc -ne 0 ] || [ -n "$artifacts" ]; then
		status=1
		echo "FAIL: $name (exit $rc) after fuzzing from $seed" >&2
		tail -n 40 "$dir/log" >&2
		for a in $artifacts; do
			echo "reproducer: $a" >&2
			echo "  replay with: $f $a" >&2
		done
		[ -z "$artifacts" ] && echo "no reproducer written; full output in $dir/log" >&2
	else
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
		echo "fuzzed $name for ${seconds}s: ${runs:-?} inputs, corpus $(ls "$dir/corpus" | wc -l) files, no failure"
	fi
done
exit $status
