# llmwatt build. `make` builds build/libllmwatt.{a,so} and build/llmwatt.
# `make check` builds an AddressSanitizer+UBSan copy in build/check and runs every test
# (SAN=0 to test the plain build). WERROR=1 turns warnings into errors (CI sets it).
BUILD   ?= build
SAN     ?= 0
WERROR  ?= 0
CC      ?= cc
PKGS    := jansson sqlite3 libmicrohttpd cairo
# -Wsign-conversion (implied by -Wconversion in C) is disabled: size_t/int mixing in loop
# counters and library APIs (jansson, sqlite) would need casts that hide real bugs, not find them.
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
ifeq ($(WERROR),1)
WARN    += -Werror
endif
SANFLAGS := -fsanitize=address,undefined
OPT     ?= -O2
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer $(SANFLAGS) -fno-sanitize-recover=undefined
endif
CFLAGS  := -std=c11 -D_GNU_SOURCE -fPIC $(OPT) $(WARN) -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS))
LDFLAGS := $(if $(filter 1,$(SAN)),$(SANFLAGS))
LIBS    := $(shell pkg-config --libs $(PKGS)) -lpthread -ldl -lm
VERSION := $(shell cat VERSION)
VERSION_MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME  := libllmwatt.so.$(VERSION_MAJOR)

LIB_SRC := $(sort $(wildcard src/*/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
DATA    := $(sort $(shell find data -type f -name '*.json' -o -type f -name '*.csv'))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN:= $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))
FAKE_SRC := $(sort $(wildcard tests/fake/*.c))
FAKE_SO  := $(FAKE_SRC:tests/fake/%.c=$(BUILD)/tests/lib%.so)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all lib cli tests check bench clean
all: $(BUILD)/libllmwatt.a $(BUILD)/libllmwatt.so $(BUILD)/llmwatt

$(BUILD)/obj/%.o: %.c $(wildcard include/llmwatt/*.h) include/llmwatt/version.h $(wildcard src/*/*.h) $(wildcard cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
# ABI (docs/design.md): library objects export only what the public headers mark LW_API.
$(BUILD)/obj/src/%.o: CFLAGS += -fvisibility=hidden
# The VERSION file is the one version source: header macros, SONAME, llmwatt.pc.
include/llmwatt/version.h: VERSION tools/gen_version_h.sh
	tools/gen_version_h.sh VERSION $@

# Catalogues are embedded at build time so the binary works from any directory.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra $< -o $@
$(BUILD)/gen/embedded.c: $(BUILD)/tools/embed $(DATA)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(DATA)
$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -fPIC -fvisibility=hidden -O1 -c $< -o $@

$(BUILD)/libllmwatt.a: $(LIB_OBJ)
	ar rcs $@ $^
$(BUILD)/libllmwatt.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/llmwatt: $(CLI_OBJ) $(BUILD)/libllmwatt.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libllmwatt.a $(LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(TESTLIB_SRC) $(BUILD)/libllmwatt.a tests/lib/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/lib $(LDFLAGS) -o $@ $< $(TESTLIB_SRC) $(BUILD)/libllmwatt.a $(LIBS) -lcmocka
# Fake vendor libraries (fake NVML) are built without sanitizers: they are dlopen'ed.
$(BUILD)/tests/lib%.so: tests/fake/%.c $(wildcard tests/fake/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -fPIC -shared -O1 -g -Wall -Wextra -Iinclude -o $@ $< -lm
# AMD throttle status: the pre-ROCm 6.3 fake amdsmi is fake_amdsmi.c without the violation call
$(BUILD)/tests/libfake_amdsmi_old.so: tests/fake/fake_amdsmi.c

tests: all $(UNIT_BIN) $(FAKE_SO)

check:
	$(MAKE) BUILD=build/check SAN=$(if $(filter command line,$(origin SAN)),$(SAN),1) tests
	BUILD=build/check tests/run_all.sh

$(BUILD)/bench/bench_%: bench/bench_%.c $(BUILD)/libllmwatt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libllmwatt.a $(LIBS)
bench: all $(BENCH_BIN) $(FAKE_SO)
	bench/run.sh $(BUILD)

# ---- Install (issue 12): make install / uninstall with PREFIX, DESTDIR, BINDIR, LIBDIR, INCLUDEDIR,
# MANDIR. Debian layout: libllmwatt.so.MAJOR.MINOR.PATCH (SONAME libllmwatt.so.MAJOR) and its two
# links, libllmwatt.a, include/llmwatt/*.h, pkgconfig/llmwatt.pc, man pages from --help (help2man).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
REALNAME   := libllmwatt.so.$(VERSION)
PUBLIC_H   := $(sort $(wildcard include/llmwatt/*.h))
COMMANDS   := $(sort $(patsubst cli/cmd_%.c,%,$(wildcard cli/cmd_*.c)))
MAN_PAGES  := $(BUILD)/man/llmwatt.1 $(COMMANDS:%=$(BUILD)/man/llmwatt-%.1)
.PHONY: install uninstall man
man: $(BUILD)/man/llmwatt.1
$(BUILD)/man/llmwatt.1: $(BUILD)/llmwatt tools/gen_man.sh
	tools/gen_man.sh $(BUILD)/llmwatt $(BUILD)/man $(VERSION) $(COMMANDS)
install: all man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/llmwatt \
	    $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/llmwatt $(DESTDIR)$(BINDIR)/llmwatt
	install -m 755 $(BUILD)/libllmwatt.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libllmwatt.so
	install -m 644 $(BUILD)/libllmwatt.a $(DESTDIR)$(LIBDIR)/libllmwatt.a
	install -m 644 $(PUBLIC_H) $(DESTDIR)$(INCLUDEDIR)/llmwatt/
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES_PRIVATE@|$(PKGS)|' tools/llmwatt.pc.in \
	    >$(DESTDIR)$(PKGCONFIGDIR)/llmwatt.pc
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/llmwatt $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libllmwatt.so $(DESTDIR)$(LIBDIR)/libllmwatt.a $(DESTDIR)$(PKGCONFIGDIR)/llmwatt.pc \
	    $(PUBLIC_H:include/%=$(DESTDIR)$(INCLUDEDIR)/%) $(patsubst %,$(DESTDIR)$(MANDIR)/man1/%,$(notdir $(MAN_PAGES)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/llmwatt

clean:
	rm -rf build

# ---- Fuzzing (issue 16, docs/limits.md): one libFuzzer harness per parser in tests/fuzz/fuzz_*.c.
# `make fuzz` builds them with clang (-fsanitize=fuzzer,address,undefined, library included) in
# build/fuzz and runs each for FUZZ_TIME seconds from its seed corpus (tests/fuzz/run.sh).
FUZZ_TIME  ?= 30
FUZZ_BUILD := build/fuzz
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OPT   := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LINK  := -fsanitize=fuzzer,address,undefined
.PHONY: fuzz fuzz-build fuzz-bins
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT="$(FUZZ_OPT)" fuzz-bins
fuzz-bins: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)
$(BUILD)/fuzz_http: tests/fuzz/fuzz_http.c tests/fuzz/fuzz_util.h $(BUILD)/obj/cli/serve_http.o $(BUILD)/obj/cli/common.o $(BUILD)/libllmwatt.a
	$(CC) $(CFLAGS) -Icli $(FUZZ_LINK) -o $@ $< $(BUILD)/obj/cli/serve_http.o $(BUILD)/obj/cli/common.o $(BUILD)/libllmwatt.a $(LIBS)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(BUILD)/libllmwatt.a
	$(CC) $(CFLAGS) $(FUZZ_LINK) -o $@ $< $(BUILD)/libllmwatt.a $(LIBS)

# llmwatt ui (issue 14): the page in web/ is embedded in the binary, like the catalogues, as the
# table ui_assets (cli/cmd_ui.c).
WEB := $(sort $(wildcard web/*.html web/*.css web/*.js))
CLI_OBJ += $(BUILD)/obj/gen/web_assets.o
$(BUILD)/gen/web_assets.c: $(BUILD)/tools/embed $(WEB)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed -s ui_asset ui_assets $@ $(WEB)
$(BUILD)/obj/gen/web_assets.o: $(BUILD)/gen/web_assets.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -c $< -o $@
$(BUILD)/llmwatt: $(BUILD)/obj/gen/web_assets.o
