# pftrace — see README.md. `make`, `make check`, `make install prefix=/usr DESTDIR=...`.
VERSION   := 0.2.0
CC        ?= cc
prefix    ?= /usr/local
bindir    ?= $(prefix)/bin
mandir    ?= $(prefix)/share/man
datadir   ?= $(prefix)/share
PKGS      := libtracefs libtraceevent jansson libzstd libdw libelf libbpf
# the tests only: libtracecmd reads the same trace.dat files, as the oracle of pftrace's reader
TEST_PKGS := libtracecmd
PKG_CONFIG ?= pkg-config

MISSING := $(shell for p in $(PKGS) $(TEST_PKGS); do $(PKG_CONFIG) --exists $$p || echo $$p; done)
ifneq ($(MISSING),)
$(error missing libraries: $(MISSING) -- run scripts/install-deps.sh (Debian/Ubuntu) or see README.md)
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
# libiberty (binutils' and GCC's demangler, no pkg-config file): C++ and Rust function names;
# libm: log1p
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS)) -liberty -lm

WARN      := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
CFLAGS    ?= -O2 -g
DEFINES   := -D_GNU_SOURCE -DPFTRACE_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=gnu11 $(DEFINES) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP

# SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer for the whole build and test suite
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif

# a change of flags (SANITIZE=1 and back) rebuilds everything: objects depend on this file
BUILD_FLAGS := $(ALL_CFLAGS) $(LDFLAGS)
ifneq ($(file < .build-flags),$(BUILD_FLAGS))
$(file > .build-flags,$(BUILD_FLAGS))
endif

LIB_SRC   := $(wildcard lib/*.c)
CMD_SRC   := $(wildcard cmd/*.c)
LIB_OBJ   := $(LIB_SRC:.c=.o)
CMD_OBJ   := $(CMD_SRC:.c=.o)
FUZZ_TARGETS := text maps dat report page sinks diff
REPLAY_BINS  := $(patsubst %,tests/fuzz/replay-%,$(FUZZ_TARGETS))
TEST_BINS := tests/unit tests/datoracle tests/workload tests/symwork $(REPLAY_BINS)

all: pftrace $(TEST_BINS)

pftrace: $(CMD_OBJ) lib/libpftrace.a .build-flags
	$(CC) $(LDFLAGS) -o $@ $(filter-out .build-flags,$^) $(PKG_LIBS)

lib/libpftrace.a: $(LIB_OBJ) build/schemas.o
	$(AR) rcs $@ $^

# the report's JSON Schema built in (diff checks baselines with it): no file looked up at run time
build/schemas.c: man/pftrace-report.schema.json
	@mkdir -p build
	{ echo '/* made by make from $< */'; echo 'const char pft_report_schema_text[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0};'; } >$@

# V=1 shows the whole command lines
Q := $(if $(V),,@)

%.o: %.c .build-flags
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

tests/unit: tests/unit.o lib/libpftrace.a .build-flags
	$(CC) $(LDFLAGS) -o $@ $(filter-out .build-flags,$^) $(PKG_LIBS)

# pftrace's trace.dat reader against libtracecmd's on the same files (tests/*.sh)
tests/datoracle.o: ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
tests/datoracle: tests/datoracle.o lib/libpftrace.a .build-flags
	$(CC) $(LDFLAGS) -o $@ $(filter-out .build-flags,$^) $(PKG_LIBS) \
		$(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

# the fuzz targets without libFuzzer: their corpus and past crashes are regression tests
tests/fuzz/replay-%: tests/fuzz/%.o tests/fuzz/replay.o lib/libpftrace.a .build-flags
	$(CC) $(LDFLAGS) -o $@ $(filter-out .build-flags,$^) $(PKG_LIBS)

# libFuzzer (clang): `make fuzz FUZZ_SECONDS=60`, see scripts/fuzz.sh
FUZZ_CC    ?= clang
# (-MMD: an object built before a header changed is rebuilt, not linked with another layout)
FUZZ_FLAGS := -std=gnu11 $(DEFINES) -g -O1 $(PKG_CFLAGS) -fno-omit-frame-pointer \
	      -fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP
FUZZ_OBJ   := $(patsubst lib/%.c,build/fuzz/%.o,$(LIB_SRC)) build/fuzz/schemas.o
FUZZ_BINS  := $(patsubst %,build/fuzz/fuzz-%,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 60

build/fuzz/%.o: lib/%.c
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz/schemas.o: build/schemas.c
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# PFT_LIBFUZZER: a target's custom mutator (it calls libFuzzer's own, absent from the replays)
build/fuzz/fuzz-%: tests/fuzz/%.c $(FUZZ_OBJ) $(wildcard tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DPFT_LIBFUZZER -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) \
		$(PKG_LIBS)

fuzz: $(FUZZ_BINS)
	scripts/fuzz.sh $(FUZZ_SECONDS)

tests/workload: tests/workload.c
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) -O1 -g -pthread -o $@ $<

# known functions along known call chains: -O0, so that every function has its frame (gcc
# leaves it out of leaf functions that need no stack even with -fno-omit-frame-pointer)
SYMWORK_FLAGS := -std=gnu11 $(WARN) -O0 -g -fno-omit-frame-pointer
tests/symwork: tests/symwork.c
	$(CC) $(SYMWORK_FLAGS) -o $@ $<

check: all
	tests/run.sh

# the main job on the bundled default: record tests/workload live (root)
demo: pftrace tests/workload
	@d=$$(mktemp -d ./.demo.XXXXXX) && ./pftrace record -- tests/workload pattern $$d/maps.txt $$d/data; \
	s=$$?; rm -rf $$d; exit $$s

# the same without root: a real capture of it, with its maps
demo-offline: pftrace
	./pftrace report --maps tests/fixtures/workload/maps.txt tests/fixtures/workload/trace.txt

install: pftrace
	install -D -m 0755 pftrace $(DESTDIR)$(bindir)/pftrace
	install -D -m 0644 man/pftrace.1 $(DESTDIR)$(mandir)/man1/pftrace.1
	install -d $(DESTDIR)$(datadir)/pftrace/schema
	install -m 0644 man/*.schema.json $(DESTDIR)$(datadir)/pftrace/schema/

format:
	clang-format -i lib/*.[ch] cmd/*.[ch] tests/*.c

clean:
	rm -f pftrace lib/libpftrace.a lib/*.o lib/*.d cmd/*.o cmd/*.d tests/*.o tests/*.d \
		tests/fuzz/*.o tests/fuzz/*.d $(TEST_BINS)
	rm -rf build .build-flags

.PHONY: all check demo demo-offline install format clean fuzz
# objects made by pattern rules are kept (make would delete them as intermediates)
.SECONDARY:
-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) tests/unit.d tests/datoracle.d $(wildcard tests/fuzz/*.d) \
	$(wildcard build/fuzz/*.d)
