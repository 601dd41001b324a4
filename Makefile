# coopvm — a plain Makefile.
#
#   make                 build/coopvm, build/libcoopvm.a and build/libcoopvm.so.*
#   make run             the main job: a node with a cooperative, its life sent over
#                        HTTP, the API and explorer served until Ctrl-C (RUN_EXIT=1: stop)
#   make test            build and run every test (unit, CLI, vectors, corpus)
#   make sanitize        every test again under ASan + UBSan (build-san/)
#   make fuzz            each libFuzzer harness for FUZZ_SECONDS (clang; FUZZ_HARNESSES="tx" for some)
#   make bench           coopvm beside Lua 5.4, as ratios; the event history's filtered queries;
#                        the node under load; three etcd-ordered nodes beside one
#   make cluster         three etcd members and three nodes on 127.0.0.1 until Ctrl-C (docs/cluster.md)
#   make cluster-test    the cluster's fault test: kills, a pause, an etcd member lost, checked
#   make cross           build for aarch64 and s390x, play under qemu, compare with native
#   make install PREFIX=/usr/local   binary, both libraries, header, coopvm.pc
#
# Missing Debian packages are installed by scripts/deps.sh (as root).
# With CI set in the environment, warnings are errors.

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
OPT     ?= -O2
FUZZ_SECONDS ?= 30

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ifdef CI
WARN    += -Werror
endif
ifdef WERROR
WARN    += -Werror
endif

CPPFLAGS_ALL = -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS_ALL   = -std=c11 $(OPT) -g $(WARN) $(SAN) $(DEP_CFLAGS) $(NODE_DEP_CFLAGS) $(CFLAGS)
LDFLAGS_ALL  = $(SAN) $(LDFLAGS)
# Library objects serve both the archive and the shared library: position
# independent, and hidden but for what coopvm.h declares (its visibility
# pragma). Calls inside the library stay direct (no interposition), so the
# interpreter runs the same instructions as without -fPIC (docs/bench.md).
LIB_CFLAGS   = -fPIC -fvisibility=hidden -fno-semantic-interposition

# the version and the shared library's names: libcoopvm.so.MAJOR is the soname
VERSION := $(shell sed -n 's/^\#define COOPVM_VERSION "\(.*\)"/\1/p' include/coopvm.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME  := libcoopvm.so.$(SOMAJOR)

# --- dependencies: found by pkg-config, installed when missing -------------
ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
-include $(BUILD)/deps.mk
endif
$(BUILD)/deps.mk: scripts/deps.sh
	@scripts/deps.sh core
	@mkdir -p $(BUILD)
	@{ echo "DEP_CFLAGS := $$(pkg-config --cflags libsodium lmdb jansson)"; \
	   echo "DEP_LIBS := $$(pkg-config --libs libsodium lmdb jansson)"; \
	   echo "CMOCKA_CFLAGS := $$(pkg-config --cflags cmocka)"; \
	   echo "CMOCKA_LIBS := $$(pkg-config --libs cmocka)"; \
	   echo "NODE_DEP_CFLAGS := $$(pkg-config --cflags libmicrohttpd)"; \
	   echo "NODE_DEP_LIBS := $$(pkg-config --libs libmicrohttpd)"; \
	   echo "CURL_CFLAGS := $$(pkg-config --exists libcurl 2>/dev/null && echo -DCOOPVM_HAVE_CURL $$(pkg-config --cflags libcurl))"; \
	   echo "CURL_LIBS := $$(pkg-config --libs libcurl 2>/dev/null)"; } > $@

# --- sources ---------------------------------------------------------------
LIB_SRC  := $(sort $(wildcard src/base/*.c src/crypto/*.c src/codec/*.c src/bytecode/*.c \
                              src/interp/*.c src/state/*.c src/vm/*.c src/native/*.c))
# the node layer (src/node/): its own archive, linked into build/coopvm and
# the tests, so that libcoopvm itself stays free of the node's servers
NODE_SRC := $(sort $(wildcard src/node/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/*/test_*.c))
TEST_SUPPORT := $(sort $(wildcard tests/support/*.c))
# every fuzz harness fuzz/fuzz_<h>.c; each also builds as $(BUILD)/replay_<h>,
# which make test runs over fuzz/corpus/<h>/
FUZZ_ALL := asm load tx scenario event txjson diff vm store http typed

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
NODE_OBJ := $(NODE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/explorer_files.o
# the explorer page's files, embedded into the node (src/node/explorer_files.h)
EXPLORER_FILES := $(sort $(wildcard src/node/explorer/*))
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:%.c=$(BUILD)/%)
LIB      := $(BUILD)/libcoopvm.a
NODE_LIB := $(BUILD)/libcoopvm-node.a
SO       := $(BUILD)/libcoopvm.so.$(VERSION)
BIN      := $(BUILD)/coopvm

.PHONY: cluster cluster-test all run test unit-tests sanitize fuzz bench cross install clean docs check-docs browser-test
.DEFAULT_GOAL := all
# keep test objects: they are intermediate files of the pattern chain
.SECONDARY:

all: $(BIN) $(LIB) $(SO) $(NODE_LIB)

$(BUILD)/obj/%.o: %.c $(BUILD)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# (in a directory of their own: objects built without those flags never mix in)
$(BUILD)/pic/%.o: %.c $(BUILD)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

# test sources also see cmocka's flags
$(BUILD)/obj/tests/%.o: tests/%.c $(BUILD)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests $(CFLAGS_ALL) $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# the shared library, linked against its dependencies so a host needs only
# -lcoopvm; the unversioned names are symlinks, as installed
$(SO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined $(LDFLAGS_ALL) -o $@ $^ $(DEP_LIBS) -lpthread
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libcoopvm.so

$(NODE_LIB): $(NODE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# (the directory too: a file removed from it changes the table)
$(BUILD)/gen/explorer_files.c: scripts/embed-files.sh $(EXPLORER_FILES) src/node/explorer
	@mkdir -p $(dir $@)
	scripts/embed-files.sh $(EXPLORER_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/explorer_files.o: $(BUILD)/gen/explorer_files.c $(BUILD)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

# the command's client side (send, call, ...) speaks HTTP with libcurl; the
# library never does. Without libcurl (make cross's foreign builds) the client
# commands say so and exit 1.
$(CLI_OBJ): CFLAGS_ALL += $(CURL_CFLAGS)
# the etcd-ordered producer talks to etcd and forwards transactions with libcurl
$(NODE_OBJ): CFLAGS_ALL += $(CURL_CFLAGS)

$(BIN): $(CLI_OBJ) $(NODE_LIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(NODE_LIB) $(LIB) $(DEP_LIBS) $(NODE_DEP_LIBS) $(CURL_LIBS) -lpthread

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(SUPPORT_OBJ) $(NODE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(SUPPORT_OBJ) $(NODE_LIB) $(LIB) $(DEP_LIBS) $(CMOCKA_LIBS) -lpthread

# the node's tests talk to a real server with libcurl
$(BUILD)/obj/tests/node/%.o: tests/node/%.c $(BUILD)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests $(CFLAGS_ALL) $(CMOCKA_CFLAGS) $(CURL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/tests/node/%: $(BUILD)/obj/tests/node/%.o $(SUPPORT_OBJ) $(NODE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(SUPPORT_OBJ) $(NODE_LIB) $(LIB) $(DEP_LIBS) $(NODE_DEP_LIBS) $(CURL_LIBS) \
	    $(CMOCKA_LIBS) -lpthread

$(BUILD)/vectors: $(BUILD)/obj/tests/cli/vectors.o $(SUPPORT_OBJ)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DEP_LIBS)

-include $(LIB_OBJ:.o=.d) $(NODE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) $(TEST_SRC:%.c=$(BUILD)/obj/%.d)

# the embedding example: only coopvm.h and the library
$(BUILD)/embed: examples/embed.c $(LIB) include/coopvm.h
	$(CC) -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ examples/embed.c $(LIB) $(DEP_LIBS) -lpthread

# --- the main job ----------------------------------------------------------
# a node on a fresh ./coopvm-data with the example cooperative's genesis, its
# life (examples/cooperative/scenario.json's blocks) submitted through the
# HTTP API with the client commands, each block printed as it commits, then
# the API and the explorer served on http://127.0.0.1:7070/ until Ctrl-C;
# RUN_EXIT=1 stops the node once the life is committed
# (examples/cooperative/live.sh; tests/cli/test_run_node.c runs it)
run: $(BIN)
	@rm -rf ./coopvm-data ./coopvm-data.log
	@examples/cooperative/live.sh --bin $(BIN) --data ./coopvm-data $(if $(RUN_EXIT),--exit)

# the etcd-ordered cluster (docs/cluster.md): CLUSTER_DIR holds its members'
# and nodes' data; cluster-test's CLUSTER_TEST_FLAGS=--soak runs it longer
CLUSTER_DIR ?= ./coopvm-cluster
cluster: $(BIN)
	@scripts/deps.sh etcd
	@scripts/cluster.sh --bin $(BIN) --dir $(CLUSTER_DIR)

cluster-test: $(BIN)
	@scripts/deps.sh etcd
	@scripts/cluster-test.sh --bin $(BIN) $(CLUSTER_TEST_FLAGS)

# --- tests -----------------------------------------------------------------
# Each runner prints its own summary line; scripts/run-tests.sh runs them all
# (so one failure does not hide the rest) and fails if any failed.
test: $(BIN) $(LIB) $(TEST_BIN) $(BUILD)/vectors $(FUZZ_ALL:%=$(BUILD)/replay_%) $(BUILD)/embed \
      $(BUILD)/stage/.installed
	@BUILD=$(BUILD) CC="$(CC)" SAN="$(SAN)" FUZZ_ALL="$(FUZZ_ALL)" scripts/run-tests.sh

# the explorer page in headless chromium against a test node (scripts/browser-test.sh)
browser-test: $(BIN)
	@BUILD=$(BUILD) scripts/browser-test.sh

sanitize:
	@$(MAKE) --no-print-directory BUILD=build-san OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

# --- docs generated from the opcode table ----------------------------------
docs: $(BIN)
	$(BIN) opcodes --markdown > docs/opcodes.md

# --- fuzzing (clang + libFuzzer); corpora in fuzz/corpus/ are replayed by make test;
# fuzz/<h>.dict, when there is one, is the harness's libFuzzer dictionary
FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -Itests \
             -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
FUZZ_HARNESSES ?= $(FUZZ_ALL)
# the sources a harness needs beyond the library: the scenario reader of
# the CLI; the contract generator the VM tests share
FUZZ_CLI_scenario := src/cli/scenario.c src/cli/util.c
FUZZ_CLI_vm := tests/support/progen.c
FUZZ_CLI_http := src/node/request.c src/node/router.c
$(BUILD)/replay_%: fuzz/fuzz_%.c fuzz/replay.c $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ fuzz/fuzz_$*.c fuzz/replay.c $(LIB) $(DEP_LIBS) -lpthread

# the same with the CLI objects build/coopvm is made of, or the test support
$(BUILD)/replay_scenario: fuzz/fuzz_scenario.c fuzz/replay.c $(FUZZ_CLI_scenario:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(filter %.c %.o,$^) $(LIB) $(DEP_LIBS) -lpthread
$(BUILD)/replay_http: fuzz/fuzz_http.c fuzz/replay.c $(NODE_LIB) $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ fuzz/fuzz_http.c fuzz/replay.c $(NODE_LIB) $(LIB) \
	    $(DEP_LIBS) $(NODE_DEP_LIBS) -lpthread
$(BUILD)/replay_vm: fuzz/fuzz_vm.c fuzz/replay.c $(FUZZ_CLI_vm:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(CPPFLAGS_ALL) -Itests $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(filter %.c %.o,$^) $(LIB) $(DEP_LIBS) -lpthread

fuzz:
	@scripts/deps.sh fuzz
	@mkdir -p build-fuzz
	@$(foreach h,$(FUZZ_HARNESSES), \
	    $(FUZZ_CC) $(FUZZ_FLAGS) -o build-fuzz/fuzz_$h fuzz/fuzz_$h.c $(FUZZ_CLI_$h) $(LIB_SRC) \
	        $$(pkg-config --cflags --libs libsodium lmdb jansson libmicrohttpd) -lpthread || exit 1; \
	    mkdir -p build-fuzz/corpus_$h; \
	    build-fuzz/fuzz_$h -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(if $(wildcard fuzz/$h.dict),-dict=fuzz/$h.dict) \
	        build-fuzz/corpus_$h fuzz/corpus/$h || exit 1;)

# --- benchmarks --------------------------------------------------------------
$(BUILD)/bench: bench/bench.c $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ bench/bench.c $(LIB) $(DEP_LIBS) -lpthread

$(BUILD)/bench_events: bench/bench_events.c $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ bench/bench_events.c $(LIB) $(DEP_LIBS) -lpthread

$(BUILD)/bench_tx: bench/bench_tx.c $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ bench/bench_tx.c $(LIB) $(DEP_LIBS) -lpthread

# the node under load: a real node, libcurl connections (docs/bench.md)
$(BUILD)/bench_node: bench/node_load.c $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(CURL_CFLAGS) $(LDFLAGS_ALL) -o $@ bench/node_load.c $(LIB) $(DEP_LIBS) \
	    $(CURL_LIBS) -lpthread

bench: $(BUILD)/bench $(BUILD)/bench_events $(BUILD)/bench_tx $(BUILD)/bench_node $(BIN)
	@scripts/deps.sh bench
	@$(BUILD)/bench
	@$(BUILD)/bench_events
	@$(BUILD)/bench_node --bin $(BIN)
	@scripts/deps.sh etcd
	@scripts/cluster-bench.py --bin $(BIN)

# --- determinism across architectures (docs/cross.md) -------------------------
# native, aarch64 and s390x builds play the same commands (the foreign ones under
# qemu-user); every output must be byte-identical
cross:
	@CC="$(CC)" BUILD=$(BUILD) FUZZ_ALL="$(FUZZ_ALL)" scripts/cross.sh

# --- install -----------------------------------------------------------------
# install_to(DEST, PREFIX[, @ to be quiet]): the binary, both libraries (the shared one with its
# soname and development symlinks), the header and coopvm.pc under DEST
define install_to
	$(3)install -d $(1)/bin $(1)/lib/pkgconfig $(1)/include
	$(3)install -m 755 $(BIN) $(1)/bin/coopvm
	$(3)install -m 644 $(LIB) $(1)/lib/libcoopvm.a
	$(3)install -m 755 $(SO) $(1)/lib/$(notdir $(SO))
	$(3)ln -sf $(notdir $(SO)) $(1)/lib/$(SONAME)
	$(3)ln -sf $(SONAME) $(1)/lib/libcoopvm.so
	$(3)install -m 644 include/coopvm.h $(1)/include/coopvm.h
	$(3)sed -e 's|@PREFIX@|$(2)|g' -e 's|@VERSION@|$(VERSION)|g' coopvm.pc.in > $(1)/lib/pkgconfig/coopvm.pc
endef

install: $(BIN) $(LIB) $(SO)
	$(call install_to,$(DESTDIR)$(PREFIX),$(PREFIX))

# make test installs into a prefix of its own and builds a host against it
# with pkg-config alone (scripts/test-install.sh)
$(BUILD)/stage/.installed: $(BIN) $(LIB) $(SO) coopvm.pc.in include/coopvm.h
	@rm -rf $(BUILD)/stage
	$(call install_to,$(abspath $(BUILD)/stage),$(abspath $(BUILD)/stage),@)
	@touch $@

clean:
	rm -rf build build-san build-fuzz build-aarch64 build-s390x build-cross
