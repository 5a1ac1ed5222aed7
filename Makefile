# Sluice: build, test, benchmark. Tests/README.md describes the test layers.
.POSIX:
.PHONY: all deps test unit golden manlint man-examples shellcheck bench clean

SWIFT = swift
DEBUG_BIN = $(CURDIR)/.build/debug
SCRIPTS = bin/* .ci/run Tests/golden/run Tests/man-examples/run

all: deps
	$(SWIFT) build -c release

deps:
	@sh bin/install-deps

# Everything CI checks. Each step is its own target so a failure names itself.
test: deps
	$(SWIFT) build
	$(MAKE) unit golden manlint man-examples shellcheck

unit:
	SLUICE_BIN=$(DEBUG_BIN) $(SWIFT) test

golden:
	SLUICE_BIN=$(DEBUG_BIN) sh Tests/golden/run

# mandoc -Tlint prints nothing for a clean page; -W style reports style
# messages too, and any output at all fails.
manlint:
	@out=$$(mandoc -Tlint -W style man/man*/*.[1-9] 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "manlint: failed"; exit 1; fi; \
	echo "manlint: ok"

man-examples:
	SLUICE_BIN=$(DEBUG_BIN) sh Tests/man-examples/run

shellcheck:
	shellcheck -s sh $(SCRIPTS) $$(ls pipelines/*.sh 2>/dev/null)

bench: all
	sh bin/sluice-bench

clean:
	rm -rf .build .bench
