# groupbuy — community group-buy service. `make help` lists the targets.

SHELL          := /bin/bash
GOBIN          ?= $(shell go env GOPATH)/bin
export PATH    := $(GOBIN):$(PATH)
VERSION        ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS        := -X main.Version=$(VERSION)
API_PROTOS     := $(wildcard api/groupbuy/v1/*.proto)
CONF_PROTOS    := $(wildcard internal/conf/*.proto)
PROTO_INCLUDES := -I api -I third_party
TEST_FLAGS     ?= -race -count=1 -timeout 20m
# DEV_TAGS links the development stand-ins (in-process Redis, SQLite, the WeChat simulator) that
# `make run` and the tests use; a plain `go build ./app/groupbuy` (or `make build DEV_TAGS=`) is
# the production binary, without them.
DEV_TAGS       ?= dev
FUZZTIME       ?= 10s
CONSOLE_STATIC := internal/server/console/static
# make test fuzzes each target for a fixed number of inputs, not seconds: a time limit that runs
# out while the fuzzing workers still start up is reported as a failure on a loaded machine.
TEST_FUZZTIME  ?= 500x
RUN_CONFIG     ?= configs/groupbuy.yaml
# `make run QUICK=1`: the whole life cycle in minutes, on a fresh database of its own each time:
# the demo batch takes orders for QUICK_WINDOW, after-sales close QUICK_AFTER_SALES after pickup.
QUICK             ?=
QUICK_DB          ?= $(HOME)/.cache/groupbuy/quick.db
QUICK_WINDOW      ?= 180s
QUICK_AFTER_SALES ?= 60s
ifeq ($(QUICK),1)
RUN_ENV := GROUPBUY_DB_SOURCE=$(QUICK_DB) GROUPBUY_DEMO_BATCH_WINDOW=$(QUICK_WINDOW) \
	GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW=$(QUICK_AFTER_SALES)
endif

export GROUPBUY_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export GROUPBUY_TEST_REDIS    ?= 127.0.0.1:6379
export GROUPBUY_TEST_REDIS_CLUSTER ?= 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003

.DEFAULT_GOAL := help

.PHONY: init
# install the pinned generators (third_party/tools/go.mod), protoc and golangci-lint
init: generators
	@command -v golangci-lint >/dev/null || GOBIN=$(GOBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

.PHONY: generators
# install protoc (apt) when missing and the pinned generators of third_party/tools/go.mod
generators:
	@command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; }
	cd third_party/tools && GOBIN=$(GOBIN) go install tool

.PHONY: generate
# regenerate protos, ent, migrations and wire (needs `make init` once)
generate: api config ent wire

.PHONY: api
# generate Go, kratos HTTP, gRPC, errors, validation and the OpenAPI document from api/
api:
	protoc $(PROTO_INCLUDES) \
		--go_out=paths=source_relative:api \
		--go-grpc_out=paths=source_relative:api \
		--go-http_out=paths=source_relative:api \
		--go-errors_out=paths=source_relative:api \
		--validate_out=paths=source_relative,lang=go:api \
		--openapi_out=fq_schema_naming=true,default_response=false,title=groupbuy,version=v1:api/groupbuy/v1 \
		$(API_PROTOS)

.PHONY: config
# generate internal/conf from conf.proto
config:
	protoc -I internal/conf -I third_party --go_out=paths=source_relative:internal/conf $(CONF_PROTOS)

.PHONY: ent
# generate the ent client and, when the schema changed, a new migration (NAME=what_changed)
ent:
	go generate ./ent
	go run -mod=mod ./ent/migrate/main.go $(or $(NAME),change)

.PHONY: wire
# generate the dependency graphs of app/groupbuy and of the data-layer tests (internal/data/datatest)
wire:
	cd app/groupbuy && wire gen . >/dev/null
	cd internal/data/datatest && wire gen . >/dev/null

.PHONY: build
# build and install groupbuy (with the development stand-ins; DEV_TAGS= for production), wxsim and loadgen into $(GOBIN)
build:
	go install -tags "$(DEV_TAGS)" -ldflags "$(LDFLAGS)" ./app/...

.PHONY: run
# run the whole service on the embedded default: SQLite file, in-process Redis and WeChat (QUICK=1: a life cycle in minutes)
run: build
ifeq ($(QUICK),1)
	rm -f $(QUICK_DB) $(QUICK_DB)-wal $(QUICK_DB)-shm
endif
	$(RUN_ENV) groupbuy migrate -conf $(RUN_CONFIG)
	$(RUN_ENV) groupbuy serve -conf $(RUN_CONFIG)

.PHONY: services
# make sure the test PostgreSQL, Redis and Redis Cluster are up (start or install them when not)
services:
	@bash internal/testenv/services.sh

.PHONY: test
# run every test with -race against real PostgreSQL and Redis, then each fuzz target briefly
test: services
	@$(MAKE) --no-print-directory check-generated
	go test -tags "$(DEV_TAGS)" $(TEST_FLAGS) ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

.PHONY: check-generated
# ent diffs its migrations on the test PostgreSQL (`make services` first); outside a git
# checkout only go.mod is checked.
# fail when go.mod/go.sum are not tidy or when `make generate` changes the tree
check-generated: generators
	@go mod tidy -diff >/dev/null || { go mod tidy -diff; echo "check-generated: go.mod/go.sum are not tidy: run go mod tidy" >&2; exit 1; }
	@if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		echo "check-generated: not a git checkout, skipped the check of make generate"; exit 0; fi; \
	state() { { git diff HEAD --name-only; git ls-files -o --exclude-standard; } | sort -u | \
		while IFS= read -r f; do h=$$(sha256sum 2>/dev/null <"$$f") || h=deleted; echo "$$f $${h%% *}"; done; }; \
	before=$$(state); log=$$(mktemp); \
	if ! GROUPBUY_DEV_POSTGRES=$${GROUPBUY_DEV_POSTGRES:-$(GROUPBUY_TEST_POSTGRES)} \
		$(MAKE) --no-print-directory generate >"$$log" 2>&1; then \
		cat "$$log" >&2; rm -f "$$log"; echo "check-generated: make generate failed" >&2; exit 1; fi; \
	rm -f "$$log"; \
	changed=$$(diff <(echo "$$before") <(state) | sed -n 's/^[<>] \(.*\) [^ ]*$$/\1/p' | sort -u); \
	if [[ -n $$changed ]]; then echo "$$changed" >&2; \
		echo "check-generated: make generate changed the files above: regenerate and commit them" >&2; exit 1; fi; \
	echo "check-generated: go.mod tidy, make generate changes nothing"

.PHONY: fuzz
# run each fuzz target (func FuzzXxx) for FUZZTIME; a crash is saved under its testdata/fuzz
fuzz:
	@set -e; for file in $$(grep -rl --include='*_test.go' '^func Fuzz' app internal | sort); do \
		pkg=./$$(dirname "$$file"); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
			echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
			go test -tags "$(DEV_TAGS)" -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) "$$pkg"; \
		done; \
	done

.PHONY: bench
# run the benchmarks (no -race)
bench: services
	go test -tags "$(DEV_TAGS)" -run '^$$' -bench . -benchmem ./...

.PHONY: lint
# vet and golangci-lint
lint:
	go vet ./...
	go vet -tags "$(DEV_TAGS)" ./...
	golangci-lint run ./...
	golangci-lint run --build-tags "$(DEV_TAGS)" ./...

.PHONY: console-assets
# replace the console's htmx and ECharts with the npm packages' HTMX_VERSION and ECHARTS_VERSION (needs npm)
console-assets:
	@test -n "$(HTMX_VERSION)" -a -n "$(ECHARTS_VERSION)" || { echo "console-assets: set HTMX_VERSION and ECHARTS_VERSION" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; static=$(CURDIR)/$(CONSOLE_STATIC); \
	cd "$$tmp"; \
	npm pack --silent htmx.org@$(HTMX_VERSION) echarts@$(ECHARTS_VERSION) >/dev/null; \
	mkdir htmx echarts; \
	tar -xzf htmx.org-$(HTMX_VERSION).tgz -C htmx package/dist/htmx.min.js package/LICENSE; \
	tar -xzf echarts-$(ECHARTS_VERSION).tgz -C echarts package/dist/echarts.min.js package/LICENSE package/NOTICE; \
	cp htmx/package/dist/htmx.min.js "$$static/htmx.min.js"; cp htmx/package/LICENSE "$$static/htmx.LICENSE"; \
	cp echarts/package/dist/echarts.min.js "$$static/echarts.min.js"; \
	cp echarts/package/LICENSE "$$static/echarts.LICENSE"; cp echarts/package/NOTICE "$$static/echarts.NOTICE"; \
	echo "console-assets: htmx.org $(HTMX_VERSION) and echarts $(ECHARTS_VERSION) in $(CONSOLE_STATIC)"

.PHONY: help
# show this help
help:
	@awk '/^# /{c=substr($$0,3)} /^[a-z-]+:/{if(c){split($$0,t,":");printf "  \033[36m%-13s\033[0m %s\n",t[1],c};c=""}' $(MAKEFILE_LIST)

.PHONY: bench-nearby
# measure nearby on 100k pickup points (GROUPBUY_NEARBY_N): benchmarks, then HTTP load end to end
bench-nearby: services
	go test -tags "$(DEV_TAGS)" -run '^$$' -bench Nearby -benchmem -timeout 30m ./internal/data
	bash app/loadgen/bench_nearby.sh

.PHONY: bench-flash
# flash presale, 1,000 shoppers on one item: orders/s, latency, oversell; Redis vs SQL stock
bench-flash: services
	bash app/loadgen/bench_flash.sh

.PHONY: bench-coupons
# coupons: a claim burst of 20,000 shoppers for 2,000 coupons over HTTP, Redis vs SQL counter;
# checkout with a coupon vs without on the flash sale
bench-coupons: services
	bash app/loadgen/bench_coupons.sh

.PHONY: bench-ledger
# ledger: commissions of 100,000 paid orders into PostgreSQL in Post calls of 500: postings/s,
# the ratio to one INSERT per posting, and the full check over what was posted
bench-ledger: services
	go test -tags "$(DEV_TAGS)" -run '^$$' -bench '^BenchmarkLedger$$' -benchtime 1x -count 1 -timeout 30m ./internal/data

.PHONY: bench-settle
# settlement: a run over 100,000 transactions (GROUPBUY_SETTLE_N) against app/wxsim in its own
# process: transactions/s, CPU by process and category, heap, ratio to the RSA signatures alone
bench-settle: services
	GROUPBUY_SETTLE_N=$${GROUPBUY_SETTLE_N:-100000} go test -tags "$(DEV_TAGS)" -run '^$$' -bench '^BenchmarkSettlementRun$$' -benchtime 1x -count 1 -timeout 120m ./internal/data

.PHONY: bench-console
# console: every GET page on 1,000,000 orders of 10,000 leaders (GROUPBUY_CONSOLE_ORDERS,
# GROUPBUY_CONSOLE_LEADERS): server time per page, median and p99, against the 100 ms budget
bench-console: services
	go test -tags "$(DEV_TAGS)" -run '^$$' -bench '^BenchmarkConsolePages$$' -benchtime $${GROUPBUY_CONSOLE_REQUESTS:-30}x -count 1 -timeout 60m ./internal/server/console

.PHONY: bench-metrics
# shopper metrics: events ingest over HTTP at saturation and at 20,000 events/s offered on a
# fixed schedule (events/s, p50/p99 per request, every acknowledged event checked in PostgreSQL),
# each on a fresh database, BENCH_METRICS_* knobs in
# app/loadgen/bench_metrics.sh; then the rollup of a day of 1,000,000 orders and 200,000 shoppers
# and a city's 90-day dashboard read against the same figures by live queries (BenchmarkMetrics)
bench-metrics: services
	bash app/loadgen/bench_metrics.sh
	go test -tags "$(DEV_TAGS)" -run '^$$' -bench '^BenchmarkMetrics$$' -benchtime 1x -count 1 -timeout 60m ./internal/data
