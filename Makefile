# kvmhist — see README.md. `make` builds ./kvmhist, `make check` runs every test.
CC ?= cc
CFLAGS ?= -g -O2
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/kvmhist
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
TEMPLATEDIR := $(DATADIR)/kvmhist/templates
BUILD ?= build
BIN ?= kvmhist

PKGS := libvirt libxml-2.0 sqlite3 libcmark jansson cairo librsvg-2.0 libpng
# -Werror for development and CI; a package build passes WERROR= (a newer compiler's new
# warning must not break a distribution's build). CPPFLAGS (a distribution's
# -D_FORTIFY_SOURCE=2) reach every compile.
WERROR ?= -Werror
override CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wmissing-prototypes \
	-Wformat=2 $(WERROR) -I. \
	$(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CFLAGS)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread -lm
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)

LIB_SRC := $(wildcard util/*.c store/*.c report/*.c virt/*.c) $(filter-out cmd/main.c,$(wildcard cmd/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
DEPS := $(LIB_OBJ:.o=.d) $(BUILD)/cmd/main.d $(TEST_BIN:=.d) $(BUILD)/bench/gen-estate.d \
	$(BUILD)/bench/ref-collect.d $(BUILD)/bench/delay-relay.d $(wildcard $(BUILD)/fuzz_*.d)

all: $(BIN)

$(BIN): $(BUILD)/cmd/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The installed paths are compiled in; $(BUILD)/paths changes with them, so
# `make install PREFIX=/usr` after a plain `make` rebuilds what holds them.
PATH_FLAGS := -DKH_TEMPLATEDIR='"$(TEMPLATEDIR)"' -DKH_SYSCONFDIR='"$(SYSCONFDIR)"'
$(BUILD)/cmd/cli.o $(BUILD)/cmd/main.o: override CFLAGS += $(PATH_FLAGS)
$(BUILD)/cmd/cli.o $(BUILD)/cmd/main.o: $(BUILD)/paths
$(BUILD)/paths: FORCE
	@mkdir -p $(BUILD)
	@echo '$(TEMPLATEDIR) $(SYSCONFDIR)' | cmp -s - $@ || echo '$(TEMPLATEDIR) $(SYSCONFDIR)' >$@

$(BUILD)/tests/%: tests/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -DKH_SRCDIR='"$(CURDIR)"' $(LDFLAGS) -o $@ $< $(LIB_OBJ) \
		$(LIBS) $(TEST_LIBS)

tests: $(TEST_BIN)

# One runner for unit and end-to-end tests; it prints "N passed, N failed" last.
# The delaying relay (bench/delay-relay.c) stands in for a WAN link in tests/e2e/remote.sh.
check: $(BIN) tests $(BUILD)/bench/delay-relay
	KVMHIST=$(abspath $(BIN)) BUILD=$(BUILD) sh tests/run.sh

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		$(MAKE) BUILD=build-asan BIN=build-asan/kvmhist CFLAGS="$(SAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" check

# The whole suite under valgrind's memcheck: any error or definite/indirect leak fails the
# program with status 99. No suppressions are needed today (libvirt's test driver, glib,
# libxml2 and SQLite run clean); add any to tests/valgrind.supp with a reason per entry.
# Fewer kill -9 rounds: each collect is some 20 times slower here.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--suppressions=$(CURDIR)/tests/valgrind.supp
valgrind: $(BIN) tests
	KVMHIST=$(abspath $(BIN)) BUILD=$(BUILD) KVMHIST_WRAP="$(VALGRIND)" KH_KILLS=5 \
		sh tests/run.sh

# libFuzzer targets (fuzz/fuzz_NAME.c, seeds in fuzz/corpus/NAME/), built with clang and
# ASan+UBSan, each run for FUZZ_SECONDS. New inputs go to $(BUILD)/NAME/, crashes to
# $(BUILD)/; the seed corpus in the repository is only read. They link every layer but cmd/
# (the collector's target: virt/xml.c, the readers virt/collector.c uses).
# Targets: times, SNAP/SPEC, the XML diff, the collector's XML, the config file, --uri-file.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all
fuzz:
	$(MAKE) CC=clang BUILD=build-fuzz CFLAGS="$(FUZZ_FLAGS)" fuzz-run

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/%)

$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(filter-out $(BUILD)/cmd/%,$(LIB_OBJ))
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(filter %.o,$^) $(LIBS)

fuzz-run: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		name=$${t#fuzz_}; mkdir -p $(BUILD)/$$name; \
		echo "== $$t ($(FUZZ_SECONDS) s)"; \
		$(BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/$$t- $(BUILD)/$$name fuzz/corpus/$$name \
			2>$(BUILD)/$$t.log || { tail -40 $(BUILD)/$$t.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^stat::new_units_added' $(BUILD)/$$t.log; \
	done

# The embedded default: the demo estate collected over several days, a diff and reports.
demo: $(BIN)
	sh contrib/demo.sh $(abspath $(BIN))

# The chart README.md shows: the demo's growing volume, the PNG its e-mail carries.
readme-chart: demo
	python3 -c 'import email, email.policy, sys; \
		m = email.message_from_binary_file(open("demo/report.eml", "rb"), policy=email.policy.default); \
		p = [p for p in m.walk() if p.get_content_type() == "image/png"][-1]; \
		sys.stdout.buffer.write(p.get_content())' >doc/report-chart.png

UNITS := kvmhist-collect.service kvmhist-collect.timer kvmhist-report.service kvmhist-report.timer \
	kvmhist-metrics.service
# Examples with the binary's path in them, installed beside the annotated config.
EXAMPLES := cron.d-kvmhist:kvmhist.cron icinga2-kvmhist.conf nagios-kvmhist.cfg

# Units go where systemd looks for them (inactive until `systemctl enable --now ...timer`);
# the cron file and a commented config are examples to copy. /etc is never written.
install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(TEMPLATEDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/kvmhist
	install -m 0644 templates/* $(DESTDIR)$(TEMPLATEDIR)
	install -m 0644 doc/kvmhist.1 $(DESTDIR)$(MANDIR)/man1/kvmhist.1
	install -m 0644 contrib/kvmhist.bash-completion $(DESTDIR)$(COMPLETIONDIR)/kvmhist
	for u in $(UNITS); do \
		sed 's|@BINDIR@|$(BINDIR)|g' contrib/$$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	for e in $(EXAMPLES); do \
		sed 's|@BINDIR@|$(BINDIR)|g' contrib/$${e#*:} >$(DESTDIR)$(DOCDIR)/examples/$${e%:*} && \
		chmod 0644 $(DESTDIR)$(DOCDIR)/examples/$${e%:*} || exit 1; \
	done
	install -m 0644 contrib/kvmhist.conf $(DESTDIR)$(DOCDIR)/examples/kvmhist.conf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

# Leaves /etc/kvmhist.conf and the database alone: they are the admin's.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kvmhist $(DESTDIR)$(MANDIR)/man1/kvmhist.1 \
		$(DESTDIR)$(COMPLETIONDIR)/kvmhist $(UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%)
	rm -rf $(DESTDIR)$(DATADIR)/kvmhist $(DESTDIR)$(DOCDIR)

# The Debian package (debian/): dpkg-buildpackage on a copy of the checkout's files in
# $(DEB_DIR), so that nothing lands beside the checkout; kvmhist_*.deb ends up there.
# deb-check lints it, installs it and runs the demo against the installed binary (root).
DEB_DIR ?= $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	git ls-files -z --cached --others --exclude-standard | \
		tar -cf - --null -T - --ignore-failed-read 2>/dev/null | tar -xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS dpkg-buildpackage -us -uc -b
	ls $(DEB_DIR)/kvmhist_*.deb

deb-check: deb
	sh tests/deb-check.sh $(DEB_DIR)

# Fleet-scale figures (README.md, "Performance at fleet scale"); not part of check or CI. BENCH_JSON=FILE also
# writes them as JSON. The generated history is cached in bench/out/.
BENCH_BIN := $(BUILD)/bench/gen-estate $(BUILD)/bench/ref-collect $(BUILD)/bench/delay-relay
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(LIBS)

bench: $(BIN) $(BENCH_BIN)
	KVMHIST=$(abspath $(BIN)) BENCH_BUILD=$(abspath $(BUILD)/bench) BENCH_JSON=$(BENCH_JSON) \
		sh bench/bench.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz $(BIN)

FORCE:
.PHONY: all tests check asan valgrind fuzz fuzz-build fuzz-run demo readme-chart bench clean install \
	uninstall deb deb-check FORCE
-include $(DEPS)
