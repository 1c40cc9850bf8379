# The two commands a newcomer needs: `make run` (the whole stack locally) and `make test`.
# Lambda build flags, shared by `make build`, `make sam-build` and the local runner:
# SAM's go1.x build method passes none of its own, so they travel in the environment.
LAMBDA_ENV := CGO_ENABLED=0 GOFLAGS="-tags=lambda.norpc -trimpath -ldflags=-s"
FUNCTIONS  := $(notdir $(wildcard functions/*))
FIXTURES   ?= $(abspath ../shared/fixtures)

.PHONY: run test lint build sam-build deploy-dev deploy-prod bench fuzz smoke clean

# The runner is built with the functions' flags, so that on an empty Go cache the packages
# they share with it (the AWS SDK, shared/...) are compiled once, not twice.
run: ## the local stack: emulator, resources, functions, HTTP API on 127.0.0.1:3000
	$(LAMBDA_ENV) go run ./infra/local -fire chainguard-local-list-refresh

test: ## every test, unit and integration (starts its own emulator)
	go test -race -count=1 ./...

lint:
	cfn-lint template.yaml
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

build: ## arm64 bootstraps as Lambda runs them, with their sizes
	@for f in $(FUNCTIONS); do \
		$(LAMBDA_ENV) GOOS=linux GOARCH=arm64 go build -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
		printf '%-20s %s bytes\n' $$f $$(stat -c %s bin/$$f/bootstrap); \
	done

sam-build:
	$(LAMBDA_ENV) sam build

deploy-dev: sam-build
	sam deploy --config-env dev

deploy-prod: sam-build
	sam deploy --config-env prod

bench: ## benchmarks and the screening quality report (needs ../shared/fixtures)
	CHAINGUARD_FIXTURES=$(FIXTURES) go test -run '^$$' -bench . -benchmem ./shared/...
	CHAINGUARD_FIXTURES=$(FIXTURES) go run ./infra/screenbench

fuzz: ## a short run of every fuzz target
	@for p in $$(go list ./...); do \
		for t in $$(go test -list 'Fuzz.*' $$p 2>/dev/null | grep '^Fuzz'); do \
			go test -run '^$$' -fuzz "^$$t$$" -fuzztime 15s $$p || exit 1; \
		done; \
	done

smoke: ## start the local stack, call /v1/me with and without the demo key, stop
	bash .ci/smoke

clean:
	rm -rf bin .aws-sam .local
