# The two set-up commands: `make demo` (analyse a bundled capture) and `make test`.
# Both install what they need (as root, through apt-get) and build.
SWIFT ?= swift
DEMO ?= Fixtures/refused-client.pcap

.PHONY: deps build demo test bench release clean

deps:
	@Scripts/install-deps build

build: deps
	$(SWIFT) build

demo: build
	$(SWIFT) run --skip-build flowdoctor analyze $(DEMO)

test:
	@Scripts/install-deps test
	$(SWIFT) test

release: deps
	$(SWIFT) build -c release

bench:
	@Scripts/install-deps bench
	Scripts/bench

clean:
	rm -rf .build
