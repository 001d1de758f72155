# Two entry points: `make demo` and `make test`. Both install the system packages they need
# (Debian/Ubuntu, via apt-get; sudo when not root) before building.
SWIFT ?= swift
APT_PACKAGES := libzip-dev libsqlite3-dev pkg-config zip unzip curl python3

.PHONY: demo test build deps benchmark fuzz

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

demo: build
	@$$($(SWIFT) build --show-bin-path)/templatetrack demo

# Release build; prints a Markdown report (README's figures come from it).
benchmark: deps
	$(SWIFT) build -c release --product templatetrack
	$(SWIFT) build -c release --product TemplateTrackBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/TemplateTrackBenchmark

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# libFuzzer targets (Fuzz/): built apart, with -sanitize=fuzzer,address, in .build-fuzz; each
# runs FUZZ_SECONDS from seeds made of samples/ and the hostile zips; fails on any crash.
FUZZ_SECONDS ?= 300
fuzz: deps
	SWIFT=$(SWIFT) Fuzz/run.sh $(FUZZ_SECONDS)
