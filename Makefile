# ddbd build.  `make` builds build/ddbd; see README.md for the other targets.

CC      ?= cc
CLANG   ?= clang
PKGS    := lmdb zlib libzstd libssl libcrypto raft libuv
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -llmdb -lz -lzstd -lssl -lcrypto -lraft -luv)
# Every LMDB write passes through changeset.c first (cluster mode records the
# changes of each write transaction there; see src/changeset.h).
WRAP    := $(foreach f,mdb_put mdb_cursor_put mdb_del mdb_cursor_del mdb_drop mdb_dbi_open \
                            mdb_txn_begin mdb_txn_commit mdb_txn_abort,-Wl,--wrap=$(f))

WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASE    := -std=gnu11 -D_GNU_SOURCE -pthread -Isrc $(WARN) $(PKG_CFLAGS) -MMD -MP
RELEASE_CFLAGS := $(BASE) -O2 -g -DNDEBUG
ASAN_CFLAGS    := $(BASE) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=undefined
LDLIBS  := $(WRAP) $(PKG_LIBS) -pthread

SRC      := $(sort $(wildcard src/*.c src/ops/*.c))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

rel_obj  = $(patsubst %.c,build/release/%.o,$(1))
asan_obj = $(patsubst %.c,build/asan/%.o,$(1))

UNIT_REL  := $(patsubst tests/unit/%.c,build/release/unit/%,$(UNIT_SRC))
UNIT_ASAN := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))
FUZZERS   := $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))

.PHONY: all deps run test unit api bench fuzz fuzzers asan clean format
all: build/ddbd

deps:
	@scripts/install-deps.sh

build/release/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE_CFLAGS) -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@

build/ddbd: $(call rel_obj,$(SRC))
	$(CC) $(RELEASE_CFLAGS) $^ -o $@ $(LDLIBS)

build/ddbd-asan: $(call asan_obj,$(SRC))
	$(CC) $(ASAN_CFLAGS) $^ -o $@ $(LDLIBS)

asan: build/ddbd-asan

build/release/unit/%: tests/unit/%.c $(call rel_obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE_CFLAGS) -Itests/unit $^ -o $@ $(LDLIBS)

build/asan/unit/%: tests/unit/%.c $(call asan_obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -Itests/unit $^ -o $@ $(LDLIBS)

# libFuzzer targets: the library is compiled once with clang (coverage and
# sanitizers, no fuzzer main) and linked into every target.  Undefined
# behaviour stops a target as a crash does (recovered, it is only printed).
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) -O1 -g -MMD -MP \
               -fno-sanitize-recover=undefined
fuzz_obj = $(patsubst %.c,build/fuzz/obj/%.o,$(1))
# kept between builds (make would delete them as intermediates)
.SECONDARY: $(call fuzz_obj,$(LIB_SRC) $(FUZZ_SRC))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build/fuzz/%: $(call fuzz_obj,fuzz/%.c $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $^ -o $@ $(LDLIBS)

fuzzers: $(FUZZERS)

run: deps build/ddbd
	build/ddbd --port 8000 --data-dir ./data

unit: $(UNIT_REL) $(UNIT_ASAN)
	@scripts/run-unit.sh $(UNIT_REL) $(UNIT_ASAN)

test: deps build/ddbd build/ddbd-asan $(UNIT_REL) $(UNIT_ASAN) fuzzers
	@scripts/test.sh

bench: deps build/ddbd
	@scripts/bench.sh

FUZZ_SECONDS ?= 30
fuzz: deps fuzzers
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

format:
	clang-format -i src/*.c src/*.h src/ops/*.c tests/unit/*.c tests/unit/*.h fuzz/*.c

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
