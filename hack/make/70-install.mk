# Install paths (issue 13): the Helm chart deploy/helm/messagestack-operator, the one-file release bundle
# deploy/release/messagestack-operator.yaml rendered from it, Helm itself (built from the Go module proxy),
# and the kubectl plugin kubectl-messagestack. Scripts in hack/install/. Nothing here needs a cluster.
include hack/install/versions.env
export HELM_VERSION HELM_MODULE
HELM_BIN := $(MS_CACHE)/helm/$(HELM_VERSION)/bin/helm
KUBECTL_PLUGIN_DIR := kubectl-messagestack
# Next to the toolchain's kubectl: hack/operator/lib.sh puts this directory on PATH, so `kubectl messagestack`
# works in every script (and for a person who adds it to PATH).
KUBECTL_PLUGIN_BIN := $(MS_CACHE)/k8s/$(K8S_VERSION)/bin/kubectl-messagestack
KUBECTL_PLUGIN_SRC := $(shell find $(KUBECTL_PLUGIN_DIR) -name '*.go' -not -name '*_test.go') \
	$(KUBECTL_PLUGIN_DIR)/go.mod $(KUBECTL_PLUGIN_DIR)/go.sum

.PHONY: helm release-manifests test-helm kubectl-plugin test-kubectl-plugin test-install-apiserver test-helm-lab

helm: ## Helm (version in hack/install/versions.env) built once from the Go module proxy, cached in $(MS_CACHE)/helm/<version>/bin
	@hack/install/helm.sh

release-manifests: helm ## copy crds/ into the chart and render deploy/release/messagestack-operator.yaml from it (helm template)
	@hack/install/release-manifests.sh

test-helm: helm ## helm lint + template with value sets (RBAC modes vs deploy/base), invalid values named, bundle/CRD copy not stale
	@hack/install/test-helm.sh

kubectl-plugin: $(KUBECTL_PLUGIN_BIN) ## build kubectl-messagestack into the toolchain's bin (rebuilt when its sources change)

$(KUBECTL_PLUGIN_BIN): $(KUBECTL_PLUGIN_SRC)
	@command -v go >/dev/null || { echo "kubectl-plugin: Go not found: install Go >= 1.26" >&2; exit 1; }
	@mkdir -p $(dir $@)
	@echo "==> kubectl-plugin: go build -> $@"
	@cd $(KUBECTL_PLUGIN_DIR) && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags '-s -w' -o $@ .
	@$@ --help >/dev/null && echo "kubectl-plugin: $@ (kubectl messagestack status NAME -n NAMESPACE)"

test-kubectl-plugin: ## go vet + unit tests of kubectl-messagestack (client-go fake clients, a fixture MessageStack, the golden screen)
	@cd $(KUBECTL_PLUGIN_DIR) && nice -n 10 go vet ./... && nice -n 10 go test -count=1 ./...

test-install-apiserver: toolchain helm kubectl-plugin ## bundle + chart (namespaced) on a throw-away kube-apiserver on loopback: RBAC by auth can-i, the operator jar run with the chart's env/RBAC reconciles only watched namespaces, plugin status
	@test -f operator/target/quarkus-app/quarkus-run.jar || $(OPERATOR_MVN) package -DskipTests
	@hack/install/apiserver-check.sh

test-helm-lab: deploy-sample helm kubectl-plugin ## on kind: the chart installs the operator (the kustomize one scaled to 0 meanwhile), it reconciles the sample to Ready, plugin status OK; then uninstalled and the kustomize operator restored
	@hack/install/helm-lab.sh

