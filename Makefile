# Top-level convenience Makefile over CMake (as neovim does): `make run` and `make test` are
# all a new user needs on Debian 12. Everything real happens in CMakeLists.txt.

BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
# make fuzz: seconds per libFuzzer target (make test runs each for 20 s through ctest)
FUZZ_SECONDS ?= 600
CMAKE ?= cmake
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Debian 12 packages vmdeck needs to build, run its demo guest and run its tests.
PACKAGES := build-essential cmake pkg-config \
	libncurses-dev libxml2-dev libvterm-dev libjson-c-dev libcmocka-dev \
	qemu-system-x86 qemu-utils linux-image-amd64 busybox-static cpio kmod \
	tmux procps iproute2 python3 coreutils dnsmasq-base nftables \
	libvirt-clients libvirt-daemon-driver-qemu libxml2-utils clang libclang-rt-14-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test test-quick test-asan test-fuzz fuzz fuzz-build bench bench-tui bench-console guest clean

all: build

# Install only the packages that are missing (dpkg-query tells which).
deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	else echo "all packages present"; fi

$(BUILD_DIR)/Makefile:
	$(CMAKE) -S . -B $(BUILD_DIR)

build: deps $(BUILD_DIR)/Makefile
	$(CMAKE) --build $(BUILD_DIR) -j $(JOBS)

# The demo guest: Debian's kernel + a busybox initramfs, defined as domain 'demo'.
guest: build
	tests/guest/build-guest.sh $(BUILD_DIR)/guest
	@if $(BUILD_DIR)/vmdeck dominfo demo >/dev/null 2>&1; then echo "domain demo already defined"; \
	else $(BUILD_DIR)/vmdeck define $(BUILD_DIR)/guest/demo.xml; fi

run: guest
	$(BUILD_DIR)/vmdeck

# Every test, in the normal build and then again under ASan+UBSan, then short fuzz runs.
test: test-quick test-asan test-fuzz

test-quick: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j 2

test-asan: deps
	$(CMAKE) -S . -B $(ASAN_BUILD_DIR) -DVMDECK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	$(CMAKE) --build $(ASAN_BUILD_DIR) -j $(JOBS)
	cd $(ASAN_BUILD_DIR) && ctest --output-on-failure -j 2

# The libFuzzer targets (tests/fuzz), built with clang + ASan + UBSan in their own dir.
fuzz-build: deps
	$(CMAKE) -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_C_COMPILER=clang -DVMDECK_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=Debug
	$(CMAKE) --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz-targets

# Short fuzz runs (20 s each) as part of make test; any crash, leak or UB fails.
test-fuzz: fuzz-build
	cd $(FUZZ_BUILD_DIR) && ctest --output-on-failure -L fuzz

# Long fuzz runs: each target for FUZZ_SECONDS (default 600), corpus kept in the build dir.
fuzz: fuzz-build
	@for src in tests/fuzz/fuzz-*.c; do \
	  n=$${src#tests/fuzz/}; n=$${n%.c}; t=$${n#fuzz-}; t=$${t%-xml}; t=$${t%-model}; \
	  opts=; [ $$n = fuzz-console-model ] && opts=detect_leaks=1:abort_on_error=0:check_printf=0; \
	  ASAN_OPTIONS=$$opts tests/fuzz/run-fuzz.sh $(FUZZ_BUILD_DIR)/tests/fuzz/$$n $(FUZZ_SECONDS) \
	    tests/fuzz/corpus/$$t tests/fuzz/$$t.dict $(FUZZ_BUILD_DIR)/tests/fuzz/$$n.work \
	    || exit 1; \
	done

bench: build
	@if [ -x tests/bench/run.sh ]; then tests/bench/run.sh $(BUILD_DIR); \
	else echo "no benchmarks yet"; fi

# The TUI's first complete frame and peak RSS on a pty with 1,000 domains (test driver node
# file, and 1,000 defined QEMU domains); see doc/benchmarks.md.
bench-tui: build
	python3 tests/bench/bench-tui.py $(BUILD_DIR)

# A 64 MiB coloured boot log through vmdeck's console vs tmux vs cat (drain time, CPU, bytes
# to the terminal) and keystroke-to-echo latency; see doc/benchmarks.md.
bench-console: build
	python3 tests/bench/bench-console.py $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
