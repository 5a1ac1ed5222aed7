# Sluice: build, test, benchmark. Tests/README.md describes the test layers.
.PHONY: all deps demo test unit golden manlint man-examples shellcheck bench clean

SWIFT = swift
DEBUG_BIN = $(CURDIR)/.build/debug
PAGES = man/man*/*.[1-9]
SCRIPTS = bin/* .ci/run Tests/golden/run Tests/man-examples/run $(wildcard pipelines/*.sh)

# bin/sluice-build: swift build, recompiling what imports a changed library
# (an incremental build alone can keep its old layouts).
all: deps
	SWIFT=$(SWIFT) sh bin/sluice-build release

deps:
	@sh bin/install-deps

# The README's main job: build, generate traffic, run the pipeline, summarise.
demo: deps
	sh bin/sluice-demo

# Everything CI checks. After the build, every layer runs (-k) even if an
# earlier one failed; each prints "<layer>: N passed, N failed" or the
# Swift test summary.
test: deps
	SWIFT=$(SWIFT) sh bin/sluice-build debug
	@$(MAKE) --no-print-directory -k unit golden manlint man-examples shellcheck

# cascade's tests run against a private PostgreSQL cluster (bin/sluice-pg),
# started before the tests and stopped after them, whatever they did.
TEST_PG_DIR = /tmp/sluice-test-pg-$(shell id -u)

unit:
	@SLUICE_PG_DIR=$(TEST_PG_DIR) sh bin/sluice-pg start >/dev/null
	@SLUICE_TEST_PG_DIR=$(TEST_PG_DIR) SLUICE_BIN=$(DEBUG_BIN) $(SWIFT) test; status=$$?; \
		SLUICE_PG_DIR=$(TEST_PG_DIR) sh bin/sluice-pg destroy; exit $$status

golden:
	SLUICE_BIN=$(DEBUG_BIN) sh Tests/golden/run

# Any mandoc -Tlint output fails, style messages included, except cross
# references to pages the local manual database does not have (sibling
# pages before installation, tcpdump(1) on a machine without it).
manlint:
	@failed=0; for page in $(PAGES); do \
		out=$$(mandoc -Tlint -W style "$$page" 2>&1 | grep -v -e 'referenced manual not found' -e 'outdated mandoc.db'); \
		[ -z "$$out" ] || { echo "$$out"; failed=$$((failed + 1)); }; \
	done; \
	echo "manlint: $$(($$(ls $(PAGES) | wc -l) - failed)) passed, $$failed failed"; [ $$failed -eq 0 ]

man-examples:
	SLUICE_BIN=$(DEBUG_BIN) sh Tests/man-examples/run

shellcheck:
	@failed=0; for script in $(SCRIPTS); do shellcheck "$$script" || failed=$$((failed + 1)); done; \
	echo "shellcheck: $$(($$(echo $(SCRIPTS) | wc -w) - failed)) passed, $$failed failed"; [ $$failed -eq 0 ]

bench: all
	sh bin/sluice-bench

clean:
	rm -rf .build .bench
