# j1hcl: two commands do everything on a fresh machine: `make demo` and `make test`.
GO      ?= go
BIN     := bin/j1hcl
# VERSION is the semantic version of the nearest v* tag (0.3.0, or 0.3.0-2-gabc1234 past it,
# -dirty for a modified work tree); without a tag the binary reports its built-in default.
VERSION ?= $(patsubst v%,%,$(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null))
LDFLAGS := $(if $(VERSION),-X github.com/j1hcl/j1hcl/internal/command.Version=$(VERSION))

.PHONY: all build test test-deps test-short race fuzz bench bench-rss bench-refresh bench-baseline bench-large lint demo datamodel release image clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

## test: every test, end-to-end ones included (they build the binary and start the emulator,
## PostgreSQL and an S3-compatible server). The fuzzing runs are counted in executions, not
## seconds: Go 1.26's coordinator can fail a run timed by -fuzztime at its deadline with a
## bare "context deadline exceeded" (golang/go#75804, fixed in Go 1.27), and a test must not
## fail for that.
test: lint test-deps
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./internal/emulator/... ./internal/syncapi/... ./internal/refresh/... ./internal/state/... ./internal/backend/... ./internal/apply/... ./internal/model/... ./internal/plan/... ./lang/...
	$(GO) test -count=1 -run '^$$' -fuzz FuzzLoad -fuzztime 300000x ./lang
	$(GO) test -count=1 -run '^$$' -fuzz FuzzConvert -fuzztime 80000x -fuzzminimizetime 50x ./internal/importjson
	$(GO) test -count=1 -run '^$$' -fuzz FuzzRequestBodies -fuzztime 50000x -fuzzminimizetime 50x ./internal/emulator
	$(GO) test -count=1 -run '^$$' -fuzz FuzzDecodePlanFile -fuzztime 150000x -fuzzminimizetime 50x ./internal/plan
	$(GO) test -count=1 -run '^$$' -fuzz FuzzParseArray -fuzztime 50000x -fuzzminimizetime 50x ./internal/model
	$(GO) test -count=1 -run '^$$' -fuzz FuzzValueShared -fuzztime 100000x -fuzzminimizetime 50x ./internal/model
	$(GO) test -count=1 -run '^$$' -fuzz FuzzDirectLoad -fuzztime 50000x -fuzzminimizetime 50x ./lang

## test-deps: install the servers the backend tests start (PostgreSQL, versitygw) if missing.
test-deps:
	./scripts/test-deps.sh

test-short: test-deps
	$(GO) test -count=1 ./...

## lint: formatting, vet and a tidy module, as CI checks them.
lint:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result"; exit 1; }
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 60s ./lang
	$(GO) test -run '^$$' -fuzz FuzzConvert -fuzztime 60s ./internal/importjson
	$(GO) test -run '^$$' -fuzz FuzzScannerMatchesEncodingJSON -fuzztime 60s ./internal/model
	$(GO) test -run '^$$' -fuzz FuzzParseArray -fuzztime 60s ./internal/model
	$(GO) test -run '^$$' -fuzz FuzzValueShared -fuzztime 60s ./internal/model
	$(GO) test -run '^$$' -fuzz FuzzDirectLoad -fuzztime 60s ./lang
	$(GO) test -run '^$$' -fuzz FuzzRequestBodies -fuzztime 60s ./internal/emulator
	$(GO) test -run '^$$' -fuzz FuzzDecodePlanFile -fuzztime 60s ./internal/plan

## bench: the performance targets of the specification, as Go benchmarks, plus the peak RSS
## of whole plan processes.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./lang ./internal/command ./internal/validate ./internal/datamodel ./internal/state ./internal/render ./internal/plan
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./internal/apply ./internal/e2e ./internal/syncapi ./internal/emulator ./internal/refresh
	$(MAKE) bench-rss
	$(MAKE) bench-refresh

## bench-rss: wall time, CPU and peak RSS of whole processes for every row of the README's
## performance table at 1k, 10k and 100k, and the growth from N to 10N.
bench-rss: build
	./scripts/bench-rss.sh $(BIN)

## bench-large: the same at 1,000,000 (needs about 9 GB of memory, for the blocks; not part of make test).
bench-large: build
	J1HCL_BENCH_LARGE=1 $(GO) test -run '^$$' -bench Plan -benchmem -benchtime 1x -timeout 60m ./internal/command
	./scripts/bench-rss.sh $(BIN) "100000 1000000"

## bench-baseline: j1hcl's CSV plan and apply beside a standard-library program doing the same
## work (the machine's floor), at 100k and 1M, and the growth of each (about 6 GB of memory).
bench-baseline: build
	./scripts/bench-baseline.sh $(BIN)

## bench-refresh: wall, CPU and peak RSS of `plan -refresh` reading 100k+100k from `j1hcl serve`.
bench-refresh: build
	./scripts/bench-refresh.sh $(BIN)

demo: build
	./scripts/demo.sh $(BIN)

## release: reproducible archives for linux, darwin and windows on amd64 and arm64, and
## SHA256SUMS, in dist/. RELEASE_VERSION defaults to the commit's vX.Y.Z tag.
RELEASE_VERSION ?=
release:
	$(GO) run ./scripts/release -version "$(RELEASE_VERSION)" -out dist

## image: the container image (Dockerfile), with whichever of docker, podman or buildah exists.
## IMAGE_ARGS passes more flags, e.g. --build-arg GO_IMAGE=mirror.example/golang:1.26.
IMAGE ?= j1hcl:$(or $(RELEASE_VERSION),dev)
IMAGE_ARGS ?=
image:
	@tool=$$(command -v docker || command -v podman || command -v buildah) || { echo "make image needs docker, podman or buildah"; exit 1; }; \
	case "$$tool" in *buildah) set -- bud ;; *) set -- build ;; esac; \
	echo "$$tool $$* --build-arg VERSION=$(or $(RELEASE_VERSION),dev) $(IMAGE_ARGS) -t $(IMAGE) ."; \
	"$$tool" "$$@" --build-arg VERSION=$(or $(RELEASE_VERSION),dev) $(IMAGE_ARGS) -t $(IMAGE) .

## datamodel: regenerate the embedded JupiterOne data model (needs npm and the network).
datamodel:
	$(GO) generate ./internal/datamodel

clean:
	rm -rf bin dist
