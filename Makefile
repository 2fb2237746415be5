# Kitbash: `make` installs what it needs and builds what exists so far (the SDK, every
# package and the core kit today; the sample variant once it exists); `make test` runs unit and
# integration tests against a real buildkitd it starts and stops itself.
SHELL := /bin/bash
GO ?= go
TOOLS_BIN := $(CURDIR)/.tools/bin
KITBASH := $(CURDIR)/bin/kitbash
GOFILES := $(shell find builder testsys -name '*.go' -not -path '*/testdata/*') go.mod go.sum

# Our Go sources (the agents' vendored modules are not ours to format).
FMT_PATHS = builder hack test $(shell find agents -name '*.go' -not -path 'agents/vendor/*')

export PATH := $(TOOLS_BIN):$(PATH)

.PHONY: all tools kitbash sdk packages kits images test unit integration fuzz bench repro update-golden fmt vet clean

all: tools kitbash sdk packages kits images

tools:
	@hack/tools.sh

kitbash: $(KITBASH)
$(KITBASH): $(GOFILES)
	$(GO) build -trimpath -o $@ ./builder/cmd/kitbash

# The SDK for this repository's Kitbash.yaml, recorded in Kitbash.lock (a no-op when the
# lock and the local store already hold it).
sdk: tools $(KITBASH)
	$(KITBASH) sdk build

# Every package spec in specs/, built in BuildKit sandboxes into the package store (a
# no-op when nothing changed).
packages: sdk
	$(KITBASH) validate
	$(KITBASH) build packages

# Every kit in kits/, packed into the local OCI store (kits/NAME:VERSION).
kits: packages
	$(KITBASH) build kit

# The sample variant's disk image and update images, in build/images/dev/<version>/.
images: kits
	$(KITBASH) build variant dev

test: tools $(KITBASH) vet unit integration

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $(FMT_PATHS))" || { echo "gofmt needed:"; gofmt -l $(FMT_PATHS); exit 1; }

unit:
	$(GO) test -count=1 ./...
	cd agents && $(GO) vet ./... && $(GO) test -count=1 ./...

# Every fuzz target for FUZZTIME (default 30s) each; a crash fails the target and
# leaves its input under testdata/fuzz for `go test` to replay.
FUZZTIME ?= 30s
fuzz:
	@set -e; for mod in . agents; do \
	  (cd $$mod && for pkg in $$($(GO) list ./...); do \
	    for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	      echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	      $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	    done; done); done

# Integration tests start their own engine in a temporary state dir and stop it after;
# the SDK build is double-built there to prove its digest is reproducible.
integration: tools $(KITBASH)
	@mkdir -p build
	KITBASH_BIN=$(KITBASH) $(GO) test -count=1 -tags integration -timeout 40m -v ./builder/source/ ./test/integration/ 2>&1 | tee build/integration.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic)|_test.go'; exit $${PIPESTATUS[0]}

bench: tools $(KITBASH) images
	$(GO) run ./hack/bench -kitbash $(KITBASH) -buildkitd $(TOOLS_BIN)/buildkitd -buildctl $(TOOLS_BIN)/buildctl -out build/bench/results.json

# The SDK, every package, every kit and the dev image built twice from empty caches on two
# simulated machines (other directory, host name, umask, time zone and wall clock; the same
# SOURCE_DATE_EPOCH), every digest compared, diffoscope on each pair that differs; non-zero
# on any difference. REPRO_FLAGS=-inject-nondeterminism proves that it notices one.
repro: tools $(KITBASH)
	$(GO) run ./hack/repro -kitbash $(KITBASH) -buildkitd $(TOOLS_BIN)/buildkitd $(REPRO_FLAGS)

# Packages whose tests compare with golden files take -update.
GOLDEN_PKGS = $(shell grep -rl '"rewrite golden files"' --include='*_test.go' builder | xargs -r -n1 dirname | sort -u | sed 's|^|./|')
update-golden:
	$(GO) test $(GOLDEN_PKGS) -run Golden -update
	@git status --short -- '*testdata*'

fmt:
	gofmt -w $(FMT_PATHS)

clean:
	rm -rf bin build
