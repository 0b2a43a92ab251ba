# Backpack. `make run` builds and serves on http://localhost:8000; `make test` runs every test.
GO        ?= go
ADDR      ?= localhost:8000
BROTLI_Q  ?= 11
# Brotli outputs by content hash: quality 11 takes minutes on app.wasm, once.
BROTLI_CACHE ?= .cache/brotli
WASM      := web/app.wasm
# The worker module (cmd/worker): import and the other heavy jobs, in a Web Worker.
WORKER    := web/worker.wasm
BIN       := bin/backpack
WEB       ?= web
GOSRC     := $(shell find app cmd internal -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
# The page module is built without inlining (-l) except in the runtime and
# the crypto packages: go-app's element builders inlined into every Render
# make the code larger, not faster where it counts. Measured (brotli q6):
# 3.76 → 3.43 MB (−8.8 %); the vault's 10k unlock in Chromium 222 → 234 ms
# (the vault's AES runs in WebCrypto, argon2 keeps its inlining). The worker
# module keeps inlining: its parsers are CPU-bound (C-CDA −22 % without it).
PAGEFLAGS := -gcflags=all=-l -gcflags=runtime= -gcflags=crypto/...= -gcflags=golang.org/x/crypto/...=
WASMTEST  := GOOS=js GOARCH=wasm $(GO) test -exec="env -u GOOS -u GOARCH $(GO) tool wasmbrowsertest"
# Packages with browser-only code tested in headless Chromium.
WASMPKGS  ?= ./internal/i18n ./internal/jsutil ./internal/fetch ./internal/vault/... ./internal/share ./internal/importer/... ./internal/seipd

.PHONY: all build run test test-host test-wasm e2e e2e-only webdir bench deps vet static clean

all: build

build: $(WASM) $(WORKER) $(BIN)

$(WASM): $(GOSRC)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" $(PAGEFLAGS) -o $(WASM) ./cmd/backpack
	$(GO) run ./cmd/backpack precompress -q $(BROTLI_Q) -cache $(BROTLI_CACHE) $(WASM)

$(WORKER): $(GOSRC)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WORKER) ./cmd/worker
	$(GO) run ./cmd/backpack precompress -q $(BROTLI_Q) -cache $(BROTLI_CACHE) $(WORKER)

$(BIN): $(GOSRC)
	$(GO) build -trimpath -o $(BIN) ./cmd/backpack

run: build
	$(BIN) serve -addr $(ADDR)

static: build
	$(BIN) static out

# deps installs what the tests need: Chromium (browser tests), GnuPG
# (export compatibility), PostgreSQL (the sync store's tests start a
# throwaway server from Debian's binaries) and Node with npm (for axe-core, the e2e suite's
# accessibility checker, pinned in tools/axe/package-lock.json, and
# Lighthouse for make bench, pinned in tools/lighthouse/package-lock.json),
# with apt-get when run as root; then axe-core and Lighthouse themselves
# with npm ci when they are missing.
AXE := tools/axe/node_modules/axe-core/axe.min.js
LIGHTHOUSE := tools/lighthouse/node_modules/lighthouse/cli/index.js
deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v gpg >/dev/null 2>&1 || missing="$$missing gnupg"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "please install:$$missing   (Debian: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi
	@$(MAKE) -s --no-print-directory $(AXE) $(LIGHTHOUSE)

$(AXE): tools/axe/package-lock.json
	cd tools/axe && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(LIGHTHOUSE): tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/... ./cmd/... ./internal/...
	@test -z "$$(gofmt -l app cmd internal)" || { echo "gofmt needed:"; gofmt -l app cmd internal; exit 1; }

test: deps vet test-host test-wasm e2e

# The sync store's tests fail, not skip, without PostgreSQL here.
test-host:
	BACKPACK_REQUIRE_POSTGRES=1 $(GO) test -race -count=1 -timeout 30m ./...

test-wasm:
	$(WASMTEST) -count=1 $(WASMPKGS)
	$(WASMTEST) -count=1 -run 'WebHash|WebIterHash|SKESK|RoundTrip|ReadErrors|SinkAndFileChecks' ./internal/export

e2e: build $(AXE)
	BACKPACK_REQUIRE_POSTGRES=1 $(GO) test -tags e2e -count=1 -timeout 40m ./internal/e2e

# bench prints the performance budget rows (see README).
bench: deps build
	BACKPACK_REQUIRE_POSTGRES=1 $(GO) test -run '^$$' -bench . -benchmem -count=1 ./internal/...
	$(WASMTEST) -run '^$$' -bench . -benchtime 3x -count=1 ./internal/vault/idbstore
	$(WASMTEST) -run '^$$' -bench Convert/fixtures -benchtime 100x -count=1 ./internal/importer/ccda
	$(WASMTEST) -run '^$$' -bench Convert/ips -benchtime 100x -count=1 ./internal/importer/fhirxml
	PAGEFLAGS='$(PAGEFLAGS)' BACKPACK_REQUIRE_POSTGRES=1 $(GO) test -tags e2e -run '^$$' -bench . -benchtime 3x -count=1 -timeout 60m ./internal/e2e

clean:
	rm -rf bin out .e2e .cache web/app.wasm web/app.wasm.br web/app.wasm.gz web/worker.wasm web/worker.wasm.br web/worker.wasm.gz tools/axe/node_modules tools/lighthouse/node_modules

# webdir builds the app into another directory (WEB=/tmp/x): lets several
# people build and run browser tests side by side (BACKPACK_WEB=/tmp/x make e2e-only).
webdir:
	@test "$(WEB)" != "web" || { echo "set WEB=/some/dir"; exit 1; }
	mkdir -p $(WEB) && cp web/*.css web/*.svg web/*.png web/*.dat $(WEB)/
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" $(PAGEFLAGS) -o $(WEB)/app.wasm ./cmd/backpack
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WEB)/worker.wasm ./cmd/worker
	$(GO) run ./cmd/backpack precompress -q 5 $(WEB)/app.wasm $(WEB)/worker.wasm

e2e-only: $(AXE)
	$(GO) test -tags e2e -count=1 -timeout 40m $(if $(RUN),-run '$(RUN)') ./internal/e2e
