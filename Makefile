# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead: one non-recursive Makefile. Sources and tests are found by
# wildcard; adding a file is the only step.
#
#   make deps    install what is missing (Debian packages, musl sysroot, Debian's kernel)
#   make kernel  also build kernel: minimal from Debian's linux-source (minutes)
#   make all     build bulkhead-init, bulkhead-runtime (static, musl) and bulkhead
#   make demo    build and boot examples/hello.yml in QEMU
#   make python-image  build/images/python.tar for examples/python.yml (mmdebstrap; needs the mirror)
#   make check   run every test through prove (the README's test command)
#   make check-host  every test that boots no VM: fast feedback while working
#   make fuzz    run each libFuzzer target (fuzz/) for FUZZ_SECONDS (60) and summarise
#   make clang   compile the whole tree with clang -Werror (CI does)
#   make clean   remove build/ and out/

BUILD   ?= build
OUT     ?= out
SYSROOT := $(BUILD)/sysroot
KERNEL  := $(BUILD)/kernel/vmlinuz
KERNEL_MINIMAL := $(BUILD)/kernel-minimal/vmlinuz

WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wformat=2
CFLAGS  ?= -O2 -g
BASE_CFLAGS := -std=gnu11 $(WARN) -MMD -MP -D_GNU_SOURCE

# Everything that goes into an image is static musl, against the sysroot that
# mk/sysroot.sh builds from Debian's source packages.
MUSL_CC      := musl-gcc
MUSL_CFLAGS  := $(BASE_CFLAGS) $(CFLAGS) -isystem $(SYSROOT)/include
MUSL_LDFLAGS := -static -s -L$(SYSROOT)/lib -Wl,--wrap=memcpy -Wl,--wrap=open
MUSL_LIBS    := -lseccomp -lcap -ljansson

# The host builder links Debian's shared libraries.
HOST_CC     ?= cc
HOST_CFLAGS := $(BASE_CFLAGS) $(CFLAGS)
HOST_LIBS   := -larchive -lnettle -lyaml -ljansson -lcap -lseccomp
# image/signature.c: ECDSA P-256 (nettle's public-key half, on GMP)
HOST_LIBS   += -lhogweed -lgmp

RUNTIME_SRC := $(wildcard runtime/*.c)
RUNTIME_LIB := $(BUILD)/lib/libbulkhead-runtime.a
# In every static binary, outside the library: runtime/musl/memcpy.c and
# open.c say why.
MUSL_WRAPS := $(BUILD)/musl/runtime/musl/memcpy.o $(BUILD)/musl/runtime/musl/open.o
INIT_SRC    := $(wildcard init/*.c)
IMAGE_SRC   := $(wildcard image/*.c)
# The host builder links the runtime library too: the secure default config
# is one definition, and the builder compiles each seccomp filter with the
# code that would otherwise compile it at boot.
HOST_RUNTIME_LIB := $(BUILD)/host/lib/libbulkhead-runtime.a
CLI_SRC     := $(wildcard runtime/cli/*.c)
CTEST_SRC   := $(wildcard tests/*.c)

musl_obj = $(patsubst %.c,$(BUILD)/musl/%.o,$(1))
host_obj = $(patsubst %.c,$(BUILD)/host/%.o,$(1))
asan_obj = $(patsubst %.c,$(BUILD)/asan/%.o,$(1))

BINS   := $(BUILD)/bin/bulkhead-init $(BUILD)/bin/bulkhead-runtime $(BUILD)/bin/bulkhead
CTESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(CTEST_SRC))
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(wildcard tests/helpers/*.c))

.PHONY: python-image all deps demo check check-host clean sysroot kernel bench asan fuzz fuzz-replay clang
.DEFAULT_GOAL := all

all: $(BINS)

# Every target that needs a package depends on this stamp, so that `make
# demo` and `make check` alone set up a fresh machine.
PACKAGES := $(BUILD)/.packages

deps:
	mk/deps.sh && mkdir -p $(BUILD) && touch $(PACKAGES)
	mk/sysroot.sh $(BUILD)
	mk/kernel.sh $(BUILD)

$(PACKAGES): mk/deps.sh
	mk/deps.sh
	@mkdir -p $(@D) && touch $@

sysroot: $(SYSROOT)/.complete
$(SYSROOT)/.complete: mk/sysroot.sh | $(PACKAGES)
	mk/sysroot.sh $(BUILD)

kernel: $(KERNEL) $(KERNEL_MINIMAL)
$(KERNEL): $(BUILD)/kernel/modules/modules.dep
$(BUILD)/kernel/modules/modules.dep: mk/kernel.sh | $(PACKAGES)
	mk/kernel.sh $(BUILD)

# kernel: minimal: tinyconfig plus kernel-config/minimal's fragments. The
# compile is incremental: a changed fragment rebuilds what it touches.
$(KERNEL_MINIMAL): mk/kernel-minimal.sh $(wildcard kernel-config/minimal/*.config) | $(PACKAGES)
	mk/kernel-minimal.sh $(BUILD)

# ---- static (musl) side ----

$(BUILD)/musl/%.o: %.c | $(SYSROOT)/.complete
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) -c -o $@ $<

$(RUNTIME_LIB): $(call musl_obj,$(RUNTIME_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# A binary meant for the image must be static: the build fails otherwise.
define link_static
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $(1) $(MUSL_WRAPS) $(RUNTIME_LIB) $(MUSL_LIBS)
	@if readelf -l $@ | grep -q 'INTERP\|DYNAMIC'; then \
		echo "error: $@ is not statically linked" >&2; rm -f $@; exit 1; fi
endef

$(BUILD)/bin/bulkhead-init: $(call musl_obj,$(INIT_SRC)) $(RUNTIME_LIB) $(MUSL_WRAPS)
	$(call link_static,$(call musl_obj,$(INIT_SRC)))

# Without a PT_GNU_RELRO header, which musl's static start never applies:
# runtime/self-exe.c maps the program again in place only when no
# segment's protection could differ from its header's.
$(BUILD)/bin/bulkhead-runtime: MUSL_LDFLAGS += -Wl,-z,norelro
$(BUILD)/bin/bulkhead-runtime: $(call musl_obj,$(CLI_SRC)) $(RUNTIME_LIB) $(MUSL_WRAPS)
	$(call link_static,$(call musl_obj,$(CLI_SRC)))

# C tests and the in-container probe are static too: they run inside containers.
$(BUILD)/tests/%: $(BUILD)/musl/tests/%.o $(RUNTIME_LIB) $(MUSL_WRAPS)
	$(call link_static,$(filter-out $(MUSL_WRAPS),$(filter %.o,$^)))
# The init's pure decisions are tested in C: that test links their file too.
$(BUILD)/tests/init-decisions: $(call musl_obj,init/decisions.c init/health-decisions.c)
# So are the DHCP messages; tests/init-net.t drives the init's network code
# in a network namespace through a helper that links it.
$(BUILD)/tests/dhcp: $(call musl_obj,init/dhcp.c)
# And the power button's netlink event as the init reads it.
$(BUILD)/tests/init-power: $(call musl_obj,init/power.c init/netlink.c init/log.c)
$(BUILD)/tests/helpers/net-driver: $(call musl_obj,init/net.c init/netlink.c init/dhcp.c init/log.c init/random.c)
# tests/init-images.t: the shared images' mounts, made as the init makes them.
$(BUILD)/tests/helpers/images-driver: $(call musl_obj,init/images.c init/log.c)
# tests/init-networks.t: the containers' networks, made as the init makes them.
$(BUILD)/tests/helpers/networks-driver: $(call musl_obj,init/networks.c init/netlink.c init/nft.c init/appliance.c \
	init/appliance-disks.c init/appliance-net.c init/decisions.c init/userns.c init/secrets-spec.c init/images-spec.c init/log.c)

# ---- host side ----

# tests/appliance-roundtrip.c: the builder's appliance.json writer and the
# init's reader in one host program (the builder writes, the init reads).
ROUNDTRIP_SRC := tests/appliance-roundtrip.c image/appliance.c image/secrets.c init/appliance.c init/appliance-disks.c init/appliance-net.c init/secrets-spec.c \
	init/images-spec.c
$(BUILD)/tests/appliance-roundtrip: $(call host_obj,$(ROUNDTRIP_SRC)) $(HOST_RUNTIME_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $^ $(HOST_LIBS)
$(BUILD)/asan/tests/appliance-roundtrip: $(call asan_obj,$(ROUNDTRIP_SRC) $(RUNTIME_SRC))
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ -lseccomp -lcap -ljansson

# tests/helpers/nft-tool: the builder's rule set encoder and the init's
# loader in one host program, for tests/net-rules.t (nft reads the result).
NFT_TOOL_SRC := tests/helpers/nft-tool.c image/nft.c image/net-rules.c image/util.c init/nft.c init/netlink.c
$(BUILD)/tests/helpers/nft-tool: $(call host_obj,$(NFT_TOOL_SRC)) $(HOST_RUNTIME_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $^ $(HOST_LIBS)

$(BUILD)/host/%.o: %.c | $(PACKAGES)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(HOST_RUNTIME_LIB): $(call host_obj,$(RUNTIME_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# kernel-config/'s fragments, as the table bulkhead check-kernel reads.
KERNEL_CONTRACT := $(BUILD)/host/gen/kernel-contract.c
$(KERNEL_CONTRACT): mk/kernel-contract.sh kernel-config/required.config kernel-config/optional.config
	@mkdir -p $(@D)
	mk/kernel-contract.sh kernel-config/required.config kernel-config/optional.config >$@.tmp && mv $@.tmp $@
$(KERNEL_CONTRACT:.c=.o): $(KERNEL_CONTRACT)
	$(HOST_CC) $(HOST_CFLAGS) -I. -c -o $@ $<

$(BUILD)/bin/bulkhead: $(call host_obj,$(IMAGE_SRC)) $(KERNEL_CONTRACT:.c=.o) $(HOST_RUNTIME_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $^ $(HOST_LIBS)

# ---- running ----

demo: deps all
	$(BUILD)/bin/bulkhead build examples/hello.yml -o $(OUT)/hello
	$(BUILD)/bin/bulkhead run $(OUT)/hello

# examples/python.yml's image: Debian's python3-minimal by mmdebstrap, from
# the package mirror at the time it runs (mk/python-image.sh).
python-image: $(BUILD)/images/python.tar
$(BUILD)/images/python.tar: mk/python-image.sh | $(PACKAGES)
	mk/python-image.sh $@

HOST_TESTS := $(CTESTS) $(sort $(wildcard tests/*.t))
TESTS := $(HOST_TESTS) $(sort $(wildcard qemu-tests/*.t))

check: all $(CTESTS) $(HELPERS) $(KERNEL) $(KERNEL_MINIMAL)
	BUILD=$(abspath $(BUILD)) prove --exec '' $(TESTS)

# Every test but those that boot QEMU. The kernels are still built (once):
# the builder packs Debian's into every appliance, and tests/kernel-config.t
# checks kernel: minimal's config.
check-host: all $(CTESTS) $(HELPERS) $(KERNEL) $(KERNEL_MINIMAL)
	BUILD=$(abspath $(BUILD)) prove --exec '' $(HOST_TESTS)

# The runtime and its C tests built against glibc with AddressSanitizer and
# UBSan (musl has no sanitizer runtime), run through prove. Not part of check:
# it rebuilds everything once more.
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g
ASAN_TESTS := $(patsubst tests/%.c,$(BUILD)/asan/tests/%,$(filter-out tests/musl-memcpy.c,$(CTEST_SRC)))

$(BUILD)/asan/%.o: %.c | $(PACKAGES)
	@mkdir -p $(@D)
	$(HOST_CC) $(BASE_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/%.o $(call asan_obj,$(RUNTIME_SRC))
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ -lseccomp -lcap -ljansson
$(BUILD)/asan/tests/init-decisions: $(call asan_obj,init/decisions.c init/health-decisions.c)
$(BUILD)/asan/tests/dhcp: $(call asan_obj,init/dhcp.c)
$(BUILD)/asan/tests/init-power: $(call asan_obj,init/power.c init/netlink.c init/log.c)

$(BUILD)/asan/bin/bulkhead-runtime-asan: $(call asan_obj,$(CLI_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ -lseccomp -lcap -ljansson

asan: $(ASAN_TESTS) $(HELPERS) $(BUILD)/asan/bin/bulkhead-runtime-asan
	BUILD=$(abspath $(BUILD)) ASAN_OPTIONS=detect_leaks=1 \
	BULKHEAD_RUNTIME=$(abspath $(BUILD))/asan/bin/bulkhead-runtime-asan \
		prove --exec '' $(ASAN_TESTS) tests/runtime-cli.t

# ---- fuzzing (fuzz/) ----
# One libFuzzer target per fuzz/*.c but the shared common.c and replay.c,
# built with clang against glibc with ASan and UBSan (as make asan builds the
# runtime). `make fuzz` runs each for FUZZ_SECONDS on a copy of its corpus
# (fuzz/corpus/NAME, checked in; new inputs land in build/fuzz/corpus/NAME)
# and prints executions, coverage and findings; crashes go to
# build/fuzz/findings/NAME/. `make check` replays every corpus once through
# the same targets built with gcc and a plain main() (fuzz/replay.c).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g
FUZZ_NAMES   := $(filter-out common replay,$(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c)))
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/bin/fuzz-%,$(FUZZ_NAMES))
FUZZ_REPLAY  := $(patsubst %,$(BUILD)/asan/bin/replay-%,$(FUZZ_NAMES))
# What the targets link beside the runtime, through an archive so that each
# takes only what it calls: the builder's parsers and what they call, and
# the init's appliance.json reader.
FUZZ_IMAGE_SRC := $(addprefix image/,util.c manifest.c manifest-yaml.c manifest-container.c manifest-devices.c manifest-interfaces.c manifest-networks.c manifest-secrets.c manifest-lifecycle.c source.c oci.c unpack.c initrd.c context.c limits.c)
# A target for another part of the init adds its file (and what it calls) here.
FUZZ_INIT_SRC  := init/appliance.c init/appliance-disks.c init/appliance-net.c init/secrets-spec.c init/images-spec.c init/protocol.c init/dhcp.c init/nft.c init/netlink.c
FUZZ_LIBS    := $(HOST_LIBS)

# The health checks' keys (image/manifest-health.c) are the manifest parser's too.
FUZZ_IMAGE_SRC += image/manifest-health.c image/manifest-userns.c
# So is a container's signature: key (image/manifest-signature.c).
FUZZ_IMAGE_SRC += image/manifest-signature.c
# A tar: image's digest is taken when the manifest is read (image/source.c).
FUZZ_IMAGE_SRC += image/tar-image.c
# What the SBOM reads of an image (fuzz/sbom.c).
FUZZ_IMAGE_SRC += image/sbom-packages.c

# tests/manifest-networks.c: the manifest parser's network decisions, read
# from the structures it fills; a host program, as the parser is the
# builder's (it links what the manifest fuzz target links).
MANIFEST_TEST_SRC := tests/manifest-networks.c $(FUZZ_IMAGE_SRC)
$(BUILD)/tests/manifest-networks: $(call host_obj,$(MANIFEST_TEST_SRC)) $(HOST_RUNTIME_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $^ $(HOST_LIBS)
$(BUILD)/asan/tests/manifest-networks: $(call asan_obj,$(MANIFEST_TEST_SRC) $(RUNTIME_SRC))
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ $(HOST_LIBS)
fuzz_obj = $(patsubst %.c,$(BUILD)/fuzz/%.o,$(1))

$(BUILD)/fuzz/%.o: %.c | $(PACKAGES)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/lib/lib%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/lib/libruntime.a: $(call fuzz_obj,$(RUNTIME_SRC))
$(BUILD)/fuzz/lib/libimage.a: $(call fuzz_obj,$(FUZZ_IMAGE_SRC) $(FUZZ_INIT_SRC))
$(BUILD)/asan/lib/libruntime.a: $(call asan_obj,$(RUNTIME_SRC))
$(BUILD)/asan/lib/libimage.a: $(call asan_obj,$(FUZZ_IMAGE_SRC) $(FUZZ_INIT_SRC))
$(BUILD)/asan/lib/lib%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/bin/fuzz-%: $(BUILD)/fuzz/fuzz/%.o $(BUILD)/fuzz/fuzz/common.o $(BUILD)/fuzz/lib/libimage.a $(BUILD)/fuzz/lib/libruntime.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

$(BUILD)/asan/bin/replay-%: $(BUILD)/asan/fuzz/%.o $(BUILD)/asan/fuzz/common.o $(BUILD)/asan/fuzz/replay.o $(BUILD)/asan/lib/libimage.a $(BUILD)/asan/lib/libruntime.a
	@mkdir -p $(@D)
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ $(FUZZ_LIBS)

# Each target in turn, for FUZZ_SECONDS, then one summary line each from
# libFuzzer's last report: executions, coverage (cov: edges, ft: features),
# corpus size and what it found.
fuzz: $(FUZZ_BINS)
	@mkdir -p $(BUILD)/fuzz/logs
	@for name in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$name $(BUILD)/fuzz/findings/$$name; \
		touch $(BUILD)/fuzz/logs/$$name.start; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/bin/fuzz-$$name -max_total_time=$(FUZZ_SECONDS) -timeout=10 -max_len=65536 \
			-print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/findings/$$name/ \
			$(BUILD)/fuzz/corpus/$$name $$(ls -d fuzz/corpus/$$name 2>/dev/null) \
			>$(BUILD)/fuzz/logs/$$name.log 2>&1; \
		echo "$$?" >$(BUILD)/fuzz/logs/$$name.status; \
	done
	@fuzz/summary.sh $(BUILD)/fuzz $(FUZZ_NAMES)

# The replays of the checked-in corpora, which check and check-host run
# (tests/fuzz-replay.t).
fuzz-replay: $(FUZZ_REPLAY)
check check-host: $(FUZZ_REPLAY)

# The tree built with clang -Werror: every source compiled (against glibc:
# the musl wrapper is gcc's) and the host builder linked. The fuzz targets
# are clang's too. CI runs it.
CLANG ?= clang
clang_obj = $(patsubst %.c,$(BUILD)/clang/%.o,$(1))
$(BUILD)/clang/%.o: %.c | $(PACKAGES)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/clang/gen/kernel-contract.o: $(KERNEL_CONTRACT)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(CFLAGS) -I. -c -o $@ $<
$(BUILD)/clang/bin/bulkhead: $(call clang_obj,$(IMAGE_SRC) $(RUNTIME_SRC)) $(BUILD)/clang/gen/kernel-contract.o
	@mkdir -p $(@D)
	$(CLANG) -o $@ $(filter %.o,$^) $(HOST_LIBS)
clang: $(BUILD)/clang/bin/bulkhead $(call clang_obj,$(INIT_SRC) $(CLI_SRC) runtime/musl/memcpy.c runtime/musl/open.c $(CTEST_SRC) $(wildcard tests/helpers/*.c) $(wildcard fuzz/*.c))

# Side by side with the peers, in one run; prints ratios. Never part of check.
bench: all $(HELPERS) $(KERNEL) $(KERNEL_MINIMAL)
	BUILD=$(abspath $(BUILD)) bench/runtime.sh
	BUILD=$(abspath $(BUILD)) bench/boot.sh
	BUILD=$(abspath $(BUILD)) bench/build.sh
	BUILD=$(abspath $(BUILD)) bench/kernel.sh
	BUILD=$(abspath $(BUILD)) bench/net.sh

clean:
	rm -rf $(BUILD) $(OUT)

-include $(shell find $(BUILD)/musl $(BUILD)/host $(BUILD)/asan $(BUILD)/fuzz $(BUILD)/clang -name "*.d" 2>/dev/null)

.SECONDARY:
