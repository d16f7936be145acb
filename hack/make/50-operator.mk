# The MessageStack operator (issue 4): Java module operator/, the CRD in crds/, install manifests in deploy/.
# See docs/operator.md. Maven builds only this module (message-api uses another Quarkus BOM).
# One operator build at a time per checkout: two Maven runs in one target/ break each other's jars.
OPERATOR_BUILD_LOCK := /tmp/messagestack-build-$(shell echo $(CURDIR) | md5sum | cut -c1-8)-operator.lock
OPERATOR_MVN := flock $(OPERATOR_BUILD_LOCK) mvn -B -q -f operator/pom.xml
OPERATOR_IMAGE := messagestack/operator:dev
# One CRD per kind (MessageStack, MessageStackBackup): generated as target/kubernetes/<plural>.<group>-v1.yml.
OPERATOR_CRD_NAMES := messagestacks.messagestack.io messagestackbackups.messagestack.io

.PHONY: operator-test-tools test-operator-unit test-operator crds operator-image deploy-operator deploy-sample test-e2e bench-operator bench-operator-flood

operator-test-tools: ## haproxy, nginx, keepalived, prometheus-nginx-exporter, mtail for validating rendered configs in the operator's unit tests (apt, if missing)
	@hack/operator/install-test-tools.sh

test-operator-unit: operator-test-tools ## operator unit tests only (models, config renderers, status; no API server)
	@echo "==> operator unit tests"; $(OPERATOR_MVN) test

test-operator: operator-test-tools kube-api-test-bins ## operator unit tests + tests against a real kube-apiserver (CRD validation, defaults, reconcile, self-healing) + CRD up to date
	@echo "==> operator: unit tests, build, then tests against kube-apiserver $(K8S_VERSION) from $(KUBE_API_TEST_DIR)"
	@test -x "$(KUBE_API_TEST_DIR)/k8s/$(K8S_VERSION:v%=%)-linux-amd64/kube-apiserver" || { \
	  echo "kube-apiserver missing in $(KUBE_API_TEST_DIR)/k8s/$(K8S_VERSION:v%=%)-linux-amd64: run make kube-api-test-bins" >&2; exit 1; }
	@$(OPERATOR_MVN) verify

crds: ## regenerate crds/ from the Java types (the build's generated CRDs: MessageStack, MessageStackBackup)
	@echo "==> building the operator to generate the CRDs"
	@$(OPERATOR_MVN) package -DskipTests
	@for n in $(OPERATOR_CRD_NAMES); do cp operator/target/kubernetes/$$n-v1.yml crds/$$n.yaml && echo "crds: wrote crds/$$n.yaml"; done

operator-image: base-image ## messagestack/operator:dev (offline: on messagestack/debian-base:bookworm when present)
	@hack/operator/operator-image.sh

deploy-operator: cluster operator-image api-image dataplane-images ## install the CRD and the operator (deploy/overlays/local-images) on the kind lab, wait for it
	@hack/operator/deploy-operator.sh

deploy-sample: deploy-operator api-image dataplane-images ## apply the kind sample MessageStack, wait for Ready, print the page URL
	@hack/operator/deploy-sample.sh

test-e2e: api-deps deploy-operator api-image dataplane-images ## end to end on the kind lab with its own stack: Ready, page in headless Chromium, owned objects restored, bad specs rejected
	@hack/operator/e2e.sh

bench-operator: deploy-operator api-image dataplane-images ## operator numbers on the kind lab: apply-to-Ready time, resident memory, no-change reconcile time
	@hack/operator/bench.sh

bench-operator-flood: deploy-sample ## the operator under thousands of foreign objects, hundreds of pods and a stack at every maximum: restarts, peak RSS vs limit, sample reconcile time (fails if it does not hold up)
	@hack/operator/flood.sh

TEST_PHASES_DEFINED += test-operator
