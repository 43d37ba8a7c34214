# ztsdb: PGXS build of the C++20 extension, plus unit tests, fuzz targets
# and the benchmark driver.  See README.md for the two top-level commands.

EXTENSION = ztsdb
EXTVERSION = 0.1.0
MODULE_big = ztsdb
DATA = $(wildcard sql/ztsdb--*.sql)
PG_CONFIG ?= pg_config

CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
PG_SRCS = src/ztsdb.cpp \
	src/util/util_guc.cpp src/util/util_shmem.cpp src/util/util_crc.cpp \
	src/stats/stats_shmem.cpp src/stats/stats_sql.cpp \
	src/ingest/ingest_ring.cpp src/ingest/ingest_buffer.cpp \
	src/storage/storage_shmem.cpp src/storage/storage_apply.cpp \
	src/storage/storage_tier.cpp src/storage/storage_read.cpp \
	src/wal/wal_io.cpp src/wal/wal_writer.cpp src/wal/wal_generation.cpp src/wal/wal_rmgr.cpp \
	src/tam/tam_handler.cpp src/tam/tam_scan.cpp src/tam/tam_analyze.cpp \
	src/tam/tam_options.cpp src/tam/tam_dict.cpp src/tam/tam_numeric.cpp \
	src/query/query_hooks.cpp src/query/query_range.cpp src/query/query_scan.cpp \
	src/query/query_agg.cpp src/query/query_aggexpr.cpp src/query/query_bucket.cpp \
	src/query/query_ordered.cpp src/query/query_filter.cpp
OBJS = $(PG_SRCS:.cpp=.o) $(CORE_SRCS:.cpp=.o)

PG_CPPFLAGS = -I$(CURDIR)/include
# -Wno-volatile: HOLD_INTERRUPTS() and friends increment volatile globals.
PG_CXXFLAGS = -std=c++20 -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-volatile
SHLIB_LINK += -lstdc++ -luring

# Rebuild objects when a header they include changes (PGXS's dependency
# tracking; "override" because Makefile.global assigns it empty).
override autodepend = yes

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS compiles each .cpp to LLVM bitcode with clang, without PG_CXXFLAGS;
# give it the language level too (keeps JIT inlining; PLATFORM-NOTES.md).
BITCODE_CXXFLAGS += -std=c++20 -I$(CURDIR)/include -Wno-deprecated-register -Wno-register -Wno-deprecated-volatile

PG_INCLUDEDIR_SERVER := $(shell $(PG_CONFIG) --includedir-server)
PG_PKGLIBDIR_STATIC := $(shell $(PG_CONFIG) --libdir)

# ---------------------------------------------------------------------------
# Unit tests (GoogleTest) and fuzz targets for the core zone: no server.
# ---------------------------------------------------------------------------
BUILD_TEST = build/test
TEST_SUPPORT = test/support/crc_support.cpp
TEST_SUPPORT_H = $(wildcard test/support/*.h)
UNIT_SRCS = $(sort $(wildcard test/unit/*_test.cpp))
FUZZ_SRCS = $(sort $(wildcard test/fuzz/fuzz_*.cpp))
PGPORT_A = $(shell $(PG_CONFIG) --pkglibdir)/libpgport.a
TEST_CXXFLAGS = -std=c++20 -g -O1 -Wall -Wextra -Werror -Iinclude -I$(PG_INCLUDEDIR_SERVER)

# One object per source file (compiled once, in parallel under -j): the unit
# tests with g++ and ASan/UBSan, the fuzz targets' core with clang's fuzzer
# instrumentation; each object depends on every core and support header.
TEST_HEADERS = $(TEST_SUPPORT_H) $(wildcard include/ztsdb/core/*.h)
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_OBJS = $(patsubst %.cpp,$(BUILD_TEST)/unit/%.o,$(CORE_SRCS) $(UNIT_SRCS) $(TEST_SUPPORT))
FUZZ_CORE_OBJS = $(patsubst %.cpp,$(BUILD_TEST)/fuzz/%.o,$(CORE_SRCS) $(TEST_SUPPORT))

$(BUILD_TEST)/unit/%.o: %.cpp $(TEST_HEADERS)
	@mkdir -p $(dir $@)
	g++ $(TEST_CXXFLAGS) $(SANITIZE) -c $< -o $@

$(BUILD_TEST)/fuzz/%.o: %.cpp $(TEST_HEADERS)
	@mkdir -p $(dir $@)
	clang++-14 $(TEST_CXXFLAGS) -fsanitize=fuzzer-no-link $(SANITIZE) -c $< -o $@

$(BUILD_TEST)/unit_tests: $(UNIT_OBJS)
	g++ $(TEST_CXXFLAGS) $(SANITIZE) $(UNIT_OBJS) $(PGPORT_A) -lgtest -lgtest_main -pthread -o $@

$(BUILD_TEST)/fuzz_%: $(BUILD_TEST)/fuzz/test/fuzz/fuzz_%.o $(FUZZ_CORE_OBJS)
	clang++-14 $(TEST_CXXFLAGS) -fsanitize=fuzzer $(SANITIZE) $^ $(PGPORT_A) -o $@

# kept (make would delete them as intermediate files of the rule above)
.SECONDARY: $(patsubst %.cpp,$(BUILD_TEST)/fuzz/%.o,$(FUZZ_SRCS))

FUZZERS = $(patsubst test/fuzz/%.cpp,$(BUILD_TEST)/%,$(FUZZ_SRCS))

.PHONY: unittest fuzz-replay fuzz fuzz-short regress isolation tap test bench bench-smoke codec-bench demo format lint check-schedule

unittest: $(BUILD_TEST)/unit_tests
	$(BUILD_TEST)/unit_tests --gtest_brief=1

# Replays every committed corpus file through its fuzz target (no fuzzing).
fuzz-replay: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
		name=$$(basename $$f); corpus=test/fuzz/corpus/$${name#fuzz_}; \
		if [ -d $$corpus ]; then echo "replaying $$corpus through $$name"; \
			$$f -runs=0 $$corpus >/dev/null 2>$(BUILD_TEST)/$$name.log || { cat $(BUILD_TEST)/$$name.log; exit 1; }; \
		else echo "no corpus for $$name" >&2; exit 1; fi; done

# Fuzzes each target for FUZZ_SECONDS (one after the other), starting from a
# copy of its corpus under build/fuzz/<target>/ (new inputs go there too,
# never into test/fuzz/corpus); fails on a crash, leak or timeout and prints
# the reproducer.  fuzz-short is the brief run `make test` includes.
FUZZ_SECONDS ?= 60
FUZZ_SHORT_SECONDS ?= 10

fuzz: $(FUZZERS)
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

fuzz-short: $(FUZZERS)
	@scripts/fuzz.sh $(FUZZ_SHORT_SECONDS) $(FUZZERS)

# ---------------------------------------------------------------------------
# pg_regress on a temporary instance with ztsdb preloaded (after install).
# ---------------------------------------------------------------------------
REGRESS_SCHEDULE = test/schedule
REGRESS_OPTS_ZTS = --temp-instance=$(CURDIR)/build/tmp_check --temp-config=$(CURDIR)/test/ztsdb.conf \
	--inputdir=$(CURDIR) --outputdir=$(CURDIR)/build/regress --schedule=$(CURDIR)/$(REGRESS_SCHEDULE) \
	--load-extension=ztsdb

check-schedule:
	@test/check_schedule.sh

# A test run fails when any server process died of a signal, even if every
# expected output matched.
NO_CRASH = ! grep -H "terminated by signal" 

regress: check-schedule
	@mkdir -p build/regress
	$(pgxsdir)/src/test/regress/pg_regress --bindir=$(bindir) $(REGRESS_OPTS_ZTS)
	@$(NO_CRASH) build/regress/log/postmaster.log

ISOLATION_TESTS = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))

isolation:
	@mkdir -p build/isolation
	$(pgxsdir)/src/test/isolation/pg_isolation_regress --bindir=$(bindir) \
		--temp-instance=$(CURDIR)/build/tmp_check_iso --temp-config=$(CURDIR)/test/ztsdb.conf \
		--inputdir=$(CURDIR)/test/isolation --outputdir=$(CURDIR)/build/isolation \
		--load-extension=ztsdb $(ISOLATION_TESTS)
	@$(NO_CRASH) build/isolation/log/postmaster.log

tap:
	rm -rf tmp_check
	PATH="$(bindir):$$PATH" PG_REGRESS=$(pgxsdir)/src/test/regress/pg_regress \
		prove -I $(pgxsdir)/src/test/perl -I test/tap $(or $(TAP_TESTS),test/tap/*.pl)

# Everything a change must pass.  Expects `make install` to have run.  The
# sanitizer builds of the unit tests and fuzz targets (minutes) compile in
# parallel first; the tests then run one after the other.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

test:
	$(MAKE) -j$(TEST_JOBS) $(BUILD_TEST)/unit_tests $(FUZZERS)
	$(MAKE) unittest fuzz-replay fuzz-short regress isolation tap bench-smoke

# As the PostgreSQL user (scripts/as_pguser.sh); results land in bench/results/.
bench:
	scripts/as_pguser.sh bench/run.sh $(if $(QUICK),--quick,)

build/bench/codec_bench: bench/codec_bench.cpp $(CORE_SRCS) $(wildcard include/ztsdb/core/*.h)
	@mkdir -p build/bench
	g++ -std=c++20 -O2 -Wall -Wextra -Werror -Iinclude -I$(PG_INCLUDEDIR_SERVER) bench/codec_bench.cpp \
		$(CORE_SRCS) $(TEST_SUPPORT) $(PGPORT_A) -o $@

codec-bench: build/bench/codec_bench
	build/bench/codec_bench

bench-smoke:
	@mkdir -p build
	bench/run.sh --smoke >build/bench-smoke.log 2>&1 || { cat build/bench-smoke.log; exit 1; }
	@grep -q "raw figures" build/bench-smoke.log && echo "bench smoke run: ok"

demo:
	./demo.sh

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'include/*.h' 'test/*.cpp' 'bench/*.cpp')

lint:
	clang-tidy $(PG_SRCS) -- $(PG_CXXFLAGS) -I$(CURDIR)/include -I$(PG_INCLUDEDIR_SERVER)

clean: clean-ztsdb
clean-ztsdb:
	rm -rf build .deps
