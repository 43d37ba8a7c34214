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
