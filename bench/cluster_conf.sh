# bench/cluster_conf.sh: sourced by bench/run.sh and bench/ab_single.sh, so
# that the A/B tool measures on a cluster configured exactly as make bench's.
#   bench_cluster_conf DATADIR PORT SOCKETDIR   (appends to postgresql.conf)
#   bench_ztsdb_tuned DATADIR                   (appends the tuned ztsdb GUCs)
# bench_cluster_conf sets only PostgreSQL's own settings, the same for heap
# and ztsdb: ztsdb runs with its defaults (64MB hot pool, 1MB hot chunks,
# tiering on).  make bench measures every ingestion figure so, then switches
# to the tuned settings below for the tier-by-tier query figures, which need
# the whole data set hot first.
bench_cluster_conf() {
	cat >> "$1/postgresql.conf" <<CONF
shared_preload_libraries = 'ztsdb'
port = $2
listen_addresses = ''
unix_socket_directories = '$3'
shared_buffers = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
max_connections = 50
CONF
}
bench_ztsdb_tuned_lines() {
	printf '%s\n' "ztsdb.hot_pool_size = 512MB" "ztsdb.hot_chunk_size = 4MB" \
		"ztsdb.cold_after = -1" "ztsdb.seal_idle_timeout = 1h"
}
bench_ztsdb_tuned() { bench_ztsdb_tuned_lines >> "$1/postgresql.conf"; }

# bench_median_ms FILE: the median of pgbench -l latencies (microseconds, one
# a line) in milliseconds.
bench_median_ms() {
	sort -n "$1" | awk '{v[NR]=$1} END {printf "%.3f", v[int((NR+1)/2)]/1000}'
}

# bench_median V...: the median of its arguments (the A/B tools' rounds).
bench_median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# bench_wait_merges: after a seal, wait until the tiering has merged the
# new warm files (ztsdb.merge_warm: the count of merged files has not
# moved for five seconds), so the warm figures time the files a user's
# queries meet, not a merge in progress.  Needs psql.
bench_wait_merges() {
	local prev=-1 cur same=0 i
	for i in $(seq 240); do
		cur=$(psql -Atc "SELECT value FROM ztsdb.stats() WHERE metric = 'warm_chunks_merged'")
		if [ "$cur" = "$prev" ]; then
			same=$(( same + 1 ))
			[ $same -ge 5 ] && return 0
		else
			same=0
		fi
		prev=$cur
		sleep 1
	done
}

# bench_standalone NAME PORT: for a make bench step run on its own
# (bench/tsbs.sh, bench/cardinality.sh): a throwaway cluster configured as
# make bench's, with the tuned ztsdb GUCs (the data set stays hot until the
# step seals it), ztsdb created, and what the steps use from bench/run.sh:
# $bindir $work $data $port $raw $out_json and step, record, psql, pgbench.
# The cluster is stopped and $work removed at exit.  Needs $here.
bench_standalone() {
	bindir=$(pg_config --bindir)
	work=$(mktemp -d "/tmp/ztsdb-$1.XXXXXX")
	data=$work/data
	port=${BENCH_PORT:-$2}
	raw="$work/raw.tsv"
	: > "$raw"
	mkdir -p "$here/results"
	out_json="$here/results/$1-$(date -u +%Y%m%dT%H%M%SZ).json"
	cleanup() { "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
	trap cleanup EXIT
	step() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
	record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$raw"; }
	psql() { "$bindir/psql" -X -q -h "$work" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }
	pgbench() { "$bindir/pgbench" -h "$work" -p "$port" -n "$@" postgres; }
	"$bindir/initdb" -D "$data" -A trust >/dev/null
	bench_cluster_conf "$data" "$port" "$work"
	bench_ztsdb_tuned "$data"
	"$bindir/pg_ctl" -D "$data" -l "$work/log" -w start >/dev/null
	psql -c "CREATE EXTENSION ztsdb"
}
