# kvmhist — see README.md. `make` builds ./kvmhist, `make check` runs every test.
CC ?= cc
CFLAGS ?= -g -O2
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BUILD ?= build
BIN ?= kvmhist

PKGS := libvirt libxml-2.0 sqlite3 libcmark jansson
override CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. \
	$(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CFLAGS)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread -lm
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)

LIB_SRC := $(wildcard util/*.c store/*.c report/*.c) $(filter-out cmd/main.c,$(wildcard cmd/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
DEPS := $(LIB_OBJ:.o=.d) $(BUILD)/cmd/main.d $(TEST_BIN:=.d)

all: $(BIN)

$(BIN): $(BUILD)/cmd/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -DKH_SRCDIR='"$(CURDIR)"' $(LDFLAGS) -o $@ $< $(LIB_OBJ) \
		$(LIBS) $(TEST_LIBS)

tests: $(TEST_BIN)

# One runner for unit and end-to-end tests; it prints "N passed, N failed" last.
check: $(BIN) tests
	KVMHIST=$(abspath $(BIN)) BUILD=$(BUILD) sh tests/run.sh

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
asan:
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

# The embedded default: the demo estate collected over several days, a diff and reports.
demo: $(BIN)
	sh contrib/demo.sh $(abspath $(BIN))

clean:
	rm -rf $(BUILD) build-asan $(BIN)

.PHONY: all tests check asan valgrind demo clean
-include $(DEPS)
