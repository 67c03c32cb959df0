# kvd — targets:
#   make run     build and start kvd on port 6379 with default settings
#   make test    the whole suite (unit, differential, protocol, clients) under -race,
#                the black-box part in all four I/O modes (proactor, reactor,
#                reactor with I/O threads, portable);
#                installs redis-server/redis-tools first if missing (scripts/deps.sh)
#   make build   build bin/kvd
#   make vet     gofmt check + go vet
#   make generate  rewrite server/commanddata_gen.go (COMMAND INFO/DOCS) from redis-server 7.0.15;
#                run it after adding or changing commands
#   make fuzz    run the parser fuzzer for FUZZTIME (default 30s)
#   make bench   Go micro-benchmarks (-benchmem)
#   make compare side-by-side redis-benchmark against redis-server (scripts/compare.sh)
#   make memory  memory per key/element against redis-server (scripts/memory-types.sh)
#   make conns   memory per idle connection (10,000) against redis-server, both I/O models
#   make cross   build and vet every package for darwin/amd64, darwin/arm64,
#                freebsd/amd64 and windows/amd64 (the portable backend)
#   make ci      what .ci/run runs after installing dependencies

GO ?= go
FUZZTIME ?= 30s

.PHONY: run build test deps vet cross generate fuzz bench compare memory conns ci

build:
	$(GO) build -o bin/kvd ./cmd/kvd

run: build
	./bin/kvd

# The black-box suite (./tests) runs four times: on the io_uring proactor
# (the default), on the epoll reactor, on the reactor with 4 I/O threads
# doing reads and writes, and on the portable backend (Go's netpoller, the
# one macOS, FreeBSD and Windows run), the four at once (scripts/test-all.sh).
test: deps
	./scripts/test-all.sh

deps:
	./scripts/deps.sh

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

# Cross-compile and vet every package (tests included) for the systems
# without epoll or io_uring, where kvd runs the portable backend.
CROSS_TARGETS ?= darwin/amd64 darwin/arm64 freebsd/amd64 windows/amd64
cross:
	@set -e; for t in $(CROSS_TARGETS); do \
		echo "cross: $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build ./... ; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./... ; \
	done

generate:
	$(GO) generate ./server

fuzz:
	$(GO) test ./resp -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./resp ./store ./server

compare: build
	$(GO) build -o bin/loadgen ./internal/loadgen
	./scripts/compare.sh

memory:
	./scripts/memory-types.sh string hash list set zset

conns: build
	./scripts/idle-conns.sh
	KVD_ARGS="--io-model reactor" ./scripts/idle-conns.sh

ci: vet cross test
