-- bench/data_scraped.sql: scraped metrics, written as CSV.
-- psql variables: nseries, npoints, csv.  The SQL rendering of the "scraped"
-- set of bench/codec_bench.cpp (its header describes the model), simplified
-- where SQL has no running state:
--   * series come in targets of 10 to 50 that share one timestamp vector:
--     15 s at the target's own ms offset; a scrape is late by an exponential
--     delay of mean 0.8 ms, kept only when over 2 ms (Prometheus'
--     timestamp tolerance; the C++ compares with the previous timestamp);
--   * the first 8 series of a target are its process metrics: up = 1,
--     build_info = 1, max_fds, start time, CPU seconds (1/100 s ticks),
--     resident memory (4 KiB pages), open fds, goroutines;
--   * the rest come in slots of 14: a third are latency histograms (12
--     buckets, _sum, _count), the others two HTTP handlers (requests for
--     codes 200, 404, 500 and response bytes each), a temperature (1 or 2
--     decimals), a queue length (mostly 0), free filesystem bytes, network
--     receive and transmit bytes, an info metric;
--   * half the handlers and histograms get no traffic, the others 0.01 to
--     20 requests/s (log-uniform) with a daily cycle; no restarts.
-- u(x) is a deterministic uniform number in [0, 1) made from hashint8.
\set ON_ERROR_STOP on
CREATE FUNCTION pg_temp.u(x int8) RETURNS float8
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$SELECT ((hashint8(x)::int8 + 2147483648) % 1000000)::float8 / 1000000$$;

CREATE TEMP TABLE scraped AS
WITH targets AS (
	SELECT t, first, size
	  FROM (SELECT t, size, (sum(size) OVER (ORDER BY t) - size)::int8 AS first
			  FROM (SELECT t, 10 + (hashint8(t)::int8 + 2147483648) % 41 AS size
					  FROM generate_series(0::int8, :nseries) t) a) b
	 WHERE first < :nseries
),
series AS (
	SELECT s, t, s - first AS j, (s - first - 8) / 14 AS slot, (s - first - 8) % 14 AS q
	  FROM targets, generate_series(first, least(first + size, :nseries) - 1) s
),
kinds AS (
	SELECT s, t, q,
		   CASE WHEN j = 0 OR j = 1 THEN 'const'
				WHEN j = 2 THEN 'max_fds'
				WHEN j = 3 THEN 'start'
				WHEN j = 4 THEN 'cpu'
				WHEN j = 5 THEN 'rss'
				WHEN j = 6 THEN 'fds'
				WHEN j = 7 THEN 'goroutines'
				WHEN pg_temp.u(t * 1000 + slot) < 1.0 / 3 THEN
					CASE WHEN q < 12 THEN 'bucket' WHEN q = 12 THEN 'sum' ELSE 'count' END
				WHEN q IN (0, 1, 2, 4, 5, 6) THEN 'requests'
				WHEN q IN (3, 7) THEN 'bytes'
				WHEN q = 8 THEN 'temp'
				WHEN q = 9 THEN 'queue'
				WHEN q = 10 THEN 'fs'
				WHEN q IN (11, 12) THEN 'net'
				ELSE 'const'
		   END AS kind,
		   -- the handler or histogram a series observes
		   t * 1000 + greatest(slot, 0) * 2 + CASE WHEN q >= 4 AND q < 12 THEN 1 ELSE 0 END AS stream
	  FROM series
),
params AS (
	SELECT s, t, q, kind, stream,
		   CASE WHEN pg_temp.u(stream * 7 + 1) < 0.5 THEN 0
				ELSE 15 * 0.01 * power(2000, pg_temp.u(stream * 7 + 2)) END AS lam,	-- requests a scrape
		   0.004 * power(75, pg_temp.u(stream * 7 + 3)) AS median,					-- latency, s
		   200 * power(250, pg_temp.u(stream * 7 + 4)) AS size,						-- response bytes
		   pg_temp.u(stream * 7 + 5) * 2 * pi() AS phase,
		   pg_temp.u(s * 11 + 1) AS a,												-- per-series draws
		   pg_temp.u(s * 11 + 2) AS b
	  FROM kinds
),
steps AS (
	SELECT s, t, p, kind, a, b, q, lam, median,
		   -- requests of the stream in this scrape (shared by its series)
		   floor(lam * (1 + 0.5 * sin(2 * pi() * p * 15 / 86400 + phase)) * 2 *
				 pg_temp.u(stream * 1000003 + p)) AS n,
		   pg_temp.u(s * 1000003 + p) AS v,
		   pg_temp.u(s * 1000003 + p + 500000) AS w,
		   pg_temp.u(stream * 1000003 + p + 700000) AS r,
		   size
	  FROM params, generate_series(0::int8, :npoints - 1) p
),
incr AS (
	SELECT s, t, p, kind, a, b,
		   CASE kind
				WHEN 'requests' THEN floor(n * (CASE q % 4 WHEN 0 THEN 0.977 WHEN 1 THEN 0.02 ELSE 0.003 END) + v)
				WHEN 'bytes' THEN round(n * size * (0.7 + 0.6 * v))
				-- cumulative share of the requests under le, rounded the same way for every bucket
				WHEN 'bucket' THEN floor(n * CASE WHEN q = 11 THEN 1
												 ELSE 1 / (1 + power(median / ((ARRAY[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]::float8[])[(q + 1)::int]), 1.7)) END + r)
				WHEN 'sum' THEN n * median * (0.5 + v)
				WHEN 'count' THEN n
				WHEN 'cpu' THEN floor(0.002 * power(250, a) * 1500 * 2 * v)
				WHEN 'rss' THEN CASE WHEN v < 0.5 THEN round((w - 0.5) * 0.008 * (2000 * power(250, a))) ELSE 0 END
				WHEN 'fds' THEN CASE WHEN v < 0.05 THEN floor(w * 5) - 2 ELSE 0 END
				WHEN 'goroutines' THEN CASE WHEN v < 0.3 THEN floor(w * 5) - 2 ELSE 0 END
				WHEN 'temp' THEN (v - 0.5) * 0.104
				WHEN 'fs' THEN CASE WHEN v < 0.1 THEN -floor(w * 100) ELSE 0 END
				WHEN 'net' THEN floor(100 * power(10000, a) * 15 * (0.7 + 0.6 * v))
				ELSE 0
		   END AS d
	  FROM steps
),
valued AS (
	SELECT s, t, p, kind, a, b,
		   sum(d) OVER w AS acc,
		   d
	  FROM incr
	WINDOW w AS (PARTITION BY s ORDER BY p)
)
SELECT '2024-01-01 00:00:00+00'::timestamptz
		 + ((hashint8(t)::int8 + 2147483648) % 15000 + p * 15000
			+ CASE WHEN floor(-ln(1 - pg_temp.u(t * 1000003 + p)) * 0.8) > 2
				   THEN floor(-ln(1 - pg_temp.u(t * 1000003 + p)) * 0.8) ELSE 0 END) * interval '1 ms' AS ts,
	   s AS series_id,
	   CASE kind
			WHEN 'const' THEN 1
			WHEN 'max_fds' THEN power(2, 10 + floor(a * 11))
			WHEN 'start' THEN floor(1704067200 - 60 * power(50000, a))
			WHEN 'cpu' THEN acc / 100
			WHEN 'rss' THEN greatest(1, floor(2000 * power(250, a)) + acc) * 4096
			WHEN 'fds' THEN greatest(1, floor(5 * power(40, a)) + acc)
			WHEN 'goroutines' THEN greatest(1, floor(5 * power(100, a)) + acc)
			WHEN 'temp' THEN round((35 + 35 * a + acc)::numeric, CASE WHEN b < 0.3 THEN 2 ELSE 1 END)::float8
			WHEN 'queue' THEN CASE WHEN pg_temp.u(s * 1000003 + p) < 0.03 THEN 1 + floor(b * 8) ELSE 0 END
			WHEN 'fs' THEN greatest(1, floor(100000 * power(1000, a)) + acc) * 4096
			WHEN 'net' THEN floor(1000000 * power(1000000, b)) + acc
			ELSE acc
	   END::float8 AS value
  FROM valued;
COPY (SELECT ts, series_id, value FROM scraped ORDER BY ts, series_id) TO :'csv' CSV;
DROP TABLE scraped;
