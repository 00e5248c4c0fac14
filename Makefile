# The two set-up commands: `make demo` (analyse a bundled capture) and `make test`.
# Both install what they need (as root, through apt-get) and build.
SWIFT ?= swift
# Five of the lab's captures read as one (ARP left out: each lab run has its own MACs).
DEMO ?= Fixtures/dns-servfail-client.pcap Fixtures/refused-client.pcap Fixtures/pmtud-blackhole-client.pcap \
        Fixtures/tls12-cert-expired-alert-client.pcap Fixtures/zero-window-client.pcap
DEMO_FILTER ?= not arp

.PHONY: deps build demo test test-asan fuzz bench release clean

deps:
	@Scripts/install-deps build

build: deps
	$(SWIFT) build

demo: build
	$(SWIFT) run --skip-build flowdoctor analyze -f '$(DEMO_FILTER)' $(DEMO)

test:
	@Scripts/install-deps test
	$(SWIFT) test
	SWIFT=$(SWIFT) Scripts/release-check

# The whole suite once more under AddressSanitizer (its own build folder). Leak checking is off:
# LeakSanitizer reports XCTest's own allocations (XCTMain) at exit, which fails every run.
test-asan:
	@Scripts/install-deps test
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --sanitize address --build-path .build-asan

# libFuzzer over every entry point for FUZZ_SECONDS (Scripts/fuzz says more).
FUZZ_SECONDS ?= 1800
fuzz: deps
	Scripts/fuzz any $(FUZZ_SECONDS)

release: deps
	$(SWIFT) build -c release

bench:
	@Scripts/install-deps bench
	Scripts/bench

clean:
	rm -rf .build .build-asan .build-fuzz
