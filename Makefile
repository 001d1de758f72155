# Two entry points: `make demo` and `make test`. Both install the system packages they need
# (Debian/Ubuntu, via apt-get; sudo when not root) before building.
SWIFT ?= swift
APT_PACKAGES := libzip-dev libdeflate-dev libsqlite3-dev pkg-config zip unzip curl python3 sqlite3 binutils
# The web tests open the report and the web view in headless Chromium; `make web-benchmark`
# loads the web view with wrk. (Target-specific: `make demo` does not install them.)
test: APT_PACKAGES += chromium
web-benchmark: APT_PACKAGES += wrk
PREFIX ?= /usr/local
CONFIGURATION ?= release
BIN = $$($(SWIFT) build -c $(CONFIGURATION) --show-bin-path)
# Release builds link the Swift runtime and Foundation statically: the binary then needs only
# the system libraries, and a command starts in about 10 ms instead of 15 (no symbol lookups
# across a dozen Swift libraries), which is most of what a quick query costs.
# They also keep the executable's symbols out of its dynamic symbol table (SwiftPM exports all
# of them, about 49,000): the runtime's start-up `dladdr` reads that table from end to end.
RELEASE_FLAGS = --static-swift-stdlib -Xlinker --no-export-dynamic
STATIC = $(if $(filter release,$(CONFIGURATION)),$(RELEASE_FLAGS))

.PHONY: demo test build deps benchmark web-benchmark install fuzz

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		echo "installing:$$missing" >&2; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >&2; \
	fi

build: deps
	$(SWIFT) build --product templatetrack
	$(SWIFT) build --product templatetrack-network

demo: build
	@$$($(SWIFT) build --show-bin-path)/templatetrack demo

# The binary in PREFIX/bin, the man page (swift-argument-parser's generate-manual plugin) in
# PREFIX/share/man/man1, completions for bash, zsh and fish under PREFIX/share.
install: deps
	$(SWIFT) build -c $(CONFIGURATION) $(STATIC) --product templatetrack
	$(SWIFT) build -c $(CONFIGURATION) $(STATIC) --product templatetrack-network
	install -d "$(PREFIX)/bin" "$(PREFIX)/libexec/templatetrack" "$(PREFIX)/share/man/man1" "$(PREFIX)/share/bash-completion/completions" \
		"$(PREFIX)/share/zsh/site-functions" "$(PREFIX)/share/fish/vendor_completions.d"
	install -m 755 "$(BIN)/templatetrack" "$(PREFIX)/bin/templatetrack"
	install -m 755 "$(BIN)/templatetrack-network" "$(PREFIX)/libexec/templatetrack/templatetrack-network"
	$(SWIFT) package plugin generate-manual --configuration $(CONFIGURATION) >&2
	install -m 644 .build/plugins/GenerateManual/outputs/templatetrack/templatetrack.1 "$(PREFIX)/share/man/man1/templatetrack.1"
	"$(PREFIX)/bin/templatetrack" --generate-completion-script bash > "$(PREFIX)/share/bash-completion/completions/templatetrack"
	"$(PREFIX)/bin/templatetrack" --generate-completion-script zsh > "$(PREFIX)/share/zsh/site-functions/_templatetrack"
	"$(PREFIX)/bin/templatetrack" --generate-completion-script fish > "$(PREFIX)/share/fish/vendor_completions.d/templatetrack.fish"

# Release build; prints a Markdown report (README's figures come from it).
benchmark: deps
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product templatetrack
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product templatetrack-network
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product TemplateTrackBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/TemplateTrackBenchmark

# The tests also check what `make install` lays out (into .build/test-install, from the debug build).
test: deps
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory install PREFIX="$(CURDIR)/.build/test-install" CONFIGURATION=debug
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=4 $(SWIFT) test --skip-build

# Requests per second of the web view (overview and a change page), with wrk, in release mode.
web-benchmark: deps
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product templatetrack
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product templatetrack-network
	bash scripts/web-benchmark.sh "$$($(SWIFT) build -c release --show-bin-path)/templatetrack"

# libFuzzer targets (Fuzz/): built apart, with -sanitize=fuzzer,address, in .build-fuzz; each
# runs FUZZ_SECONDS from seeds made of samples/ and the hostile zips; fails on any crash.
FUZZ_SECONDS ?= 300
fuzz: deps
	SWIFT=$(SWIFT) Fuzz/run.sh $(FUZZ_SECONDS)
