# bulkhead: one non-recursive Makefile. Sources and tests are found by
# wildcard; adding a file is the only step.
#
#   make deps    install what is missing (Debian packages, musl sysroot, Debian's kernel)
#   make kernel  also build kernel: minimal from Debian's linux-source (minutes)
#   make all     build bulkhead-init, bulkhead-runtime (static, musl) and bulkhead
#   make demo    build and boot examples/hello.yml in QEMU
#   make check   run every test through prove (the README's test command)
#   make check-host  every test that boots no VM: fast feedback while working
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
MUSL_LDFLAGS := -static -s -L$(SYSROOT)/lib
MUSL_LIBS    := -lseccomp -lcap -ljansson

# The host builder links Debian's shared libraries.
HOST_CC     ?= cc
HOST_CFLAGS := $(BASE_CFLAGS) $(CFLAGS)
HOST_LIBS   := -larchive -lnettle -lyaml -ljansson -lcap -lseccomp

RUNTIME_SRC := $(wildcard runtime/*.c)
RUNTIME_LIB := $(BUILD)/lib/libbulkhead-runtime.a
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

.PHONY: all deps demo check check-host clean sysroot kernel bench asan
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
	$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $(1) $(RUNTIME_LIB) $(MUSL_LIBS)
	@if readelf -l $@ | grep -q 'INTERP\|DYNAMIC'; then \
		echo "error: $@ is not statically linked" >&2; rm -f $@; exit 1; fi
endef

$(BUILD)/bin/bulkhead-init: $(call musl_obj,$(INIT_SRC)) $(RUNTIME_LIB)
	$(call link_static,$(call musl_obj,$(INIT_SRC)))

$(BUILD)/bin/bulkhead-runtime: $(call musl_obj,$(CLI_SRC)) $(RUNTIME_LIB)
	$(call link_static,$(call musl_obj,$(CLI_SRC)))

# C tests and the in-container probe are static too: they run inside containers.
$(BUILD)/tests/%: $(BUILD)/musl/tests/%.o $(RUNTIME_LIB)
	$(call link_static,$<)

# ---- host side ----

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
ASAN_TESTS := $(patsubst tests/%.c,$(BUILD)/asan/tests/%,$(CTEST_SRC))

$(BUILD)/asan/%.o: %.c | $(PACKAGES)
	@mkdir -p $(@D)
	$(HOST_CC) $(BASE_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/%.o $(call asan_obj,$(RUNTIME_SRC))
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ -lseccomp -lcap -ljansson

$(BUILD)/asan/bin/bulkhead-runtime-asan: $(call asan_obj,$(CLI_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ -lseccomp -lcap -ljansson

asan: $(ASAN_TESTS) $(HELPERS) $(BUILD)/asan/bin/bulkhead-runtime-asan
	BUILD=$(abspath $(BUILD)) ASAN_OPTIONS=detect_leaks=1 \
	BULKHEAD_RUNTIME=$(abspath $(BUILD))/asan/bin/bulkhead-runtime-asan \
		prove --exec '' $(ASAN_TESTS) tests/runtime-cli.t

# Side by side with the peers, in one run; prints ratios. Never part of check.
bench: all $(HELPERS) $(KERNEL) $(KERNEL_MINIMAL)
	BUILD=$(abspath $(BUILD)) bench/runtime.sh
	BUILD=$(abspath $(BUILD)) bench/boot.sh
	BUILD=$(abspath $(BUILD)) bench/build.sh
	BUILD=$(abspath $(BUILD)) bench/kernel.sh

clean:
	rm -rf $(BUILD) $(OUT)

-include $(shell find $(BUILD)/musl $(BUILD)/host $(BUILD)/asan -name "*.d" 2>/dev/null)

.SECONDARY:
