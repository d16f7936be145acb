# MessageStack: one entry point for people and CI.
#   make up     bring the whole stack up on a local kind cluster and print where to open it
#   make test   run every test tier (what .ci/run runs)
#   make help   list every target with a line on what it does
# Component targets live in hack/make/*.mk, one file per concern.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

include hack/versions.env
export K8S_VERSION KIND_VERSION DEBIAN_SUITE
# Everything heavy is cached here, outside the repo, keyed by version.
export MS_CACHE ?= $(HOME)/.cache/messagestack
export KUBE_API_TEST_DIR ?= $(MS_CACHE)/kube-api-test
export KUBE_API_TEST_OFFLINE_MODE := true

include $(sort $(wildcard hack/make/*.mk))

# The phases of `make test`, in order: tests that need no cluster first (fast failure),
# then the kind lab and everything on it. Each is a target in hack/make/*.mk;
# hack/phases.sh runs them one by one and prints how long each took.
TEST_PHASES ?= docker toolchain kube-api-test-bins \
	test-galera-agent test-dataplane test-connection-limit test-backup test-pitr \
	test-api test-frontend \
	test-operator test-alert-rules test-chaos-client test-kubectl-plugin test-helm \
	base-image node-image cluster test-lab objectstore test-objectstore \
	api-image dataplane-images test-dataplane-images operator-image \
	deploy-operator test-e2e test-vip deploy-sample test-monitoring chaos-ci test-backup-kind test-helm-lab

# The phases of `make up`: build what is missing (cached), create the lab, install the
# operator, apply the sample and print where the page is.
UP_PHASES ?= docker toolchain base-image node-image cluster objectstore monitoring \
	api-image dataplane-images operator-image kubectl-plugin \
	deploy-operator deploy-sample

.PHONY: help up test
help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort -u | \
	  awk 'BEGIN{FS=":.*## "}{printf "  %-22s %s\n", $$1, $$2}'

up: ## bring the whole stack up on a local kind cluster and print the page URL
	@hack/phases.sh $(UP_PHASES)

test: ## run every test tier, printing how long each phase took
	@hack/phases.sh $(TEST_PHASES)
