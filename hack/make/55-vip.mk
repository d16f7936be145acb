# The keepalived virtual IPs on the kind lab (issue 4 "keepalived sidecars", issue 5 "process killed inside a
# container"). Needs the lab with the operator deployed (make deploy-operator) and the keepalived image (make
# dataplane-images). See docs/operator.md, "Virtual IPs".
.PHONY: test-vip

test-vip: deploy-operator api-image dataplane-images ## on kind: a stack with vip on, one holder per VIP; SIGKILL nginx on the holder while a client asks through the VIP every 100 ms: gap <= 3 s, no flapping
	@cd hack/e2e && python3 -m unittest -q test_vip_report
	@hack/e2e/vip-test.sh

TEST_PHASES_DEFINED += test-vip
