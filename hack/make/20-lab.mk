# The offline Kubernetes lab (issue 2): Docker, the Kubernetes toolchain built from the Go
# module proxy, a debootstrap'd base image, a kind node image assembled offline, the cluster.
# Every target is idempotent and fast when its result exists; see docs/offline-lab.md.
LAB := hack/lab

.PHONY: docker toolchain kube-api-test-bins base-image node-image cluster cluster-down test-lab netpol

docker: ## Docker engine that answers and runs privileged containers (installs docker.io + runc wrapper if needed)
	@$(LAB)/docker.sh

toolchain: docker ## build kube-*, kubelet, kubeadm, kubectl, etcd, coredns, pause, crictl, kind from the Go module proxy (cached by version)
	@$(LAB)/toolchain.sh all

kube-api-test-bins: ## kube-apiserver, etcd, kubectl laid out for fabric8 kube-api-test in $KUBE_API_TEST_DIR
	@$(LAB)/kube-api-test-bins.sh

base-image: docker ## messagestack/debian-base:$(DEBIAN_SUITE) (pulled if a registry answers, else debootstrap)
	@$(LAB)/base-image.sh

node-image: toolchain base-image ## kind node image (kindest/node if a registry answers, else assembled offline with images preloaded)
	@$(LAB)/node-image.sh

cluster: node-image ## kind cluster from kind-config.yaml (1 control plane + 3 workers), waits for all nodes Ready, NetworkPolicy enforcement
	@$(LAB)/cluster.sh up

netpol: ## NetworkPolicy enforcement (kube-network-policies DaemonSet) on the running cluster; part of `make cluster`
	@$(LAB)/netpol.sh apply

cluster-down: ## delete the kind cluster
	@$(LAB)/cluster.sh down

test-lab: cluster ## assert the lab works: nodes, pod network, DNS, PVC, hostNetwork NET_ADMIN, node stop/start, local images
	@$(LAB)/test-lab.sh

TEST_PHASES_DEFINED += test-lab
