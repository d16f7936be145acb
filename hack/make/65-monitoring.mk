# Observability (issue 16): the lab's Prometheus (Debian's package, deploy/monitoring) and the alert rules,
# whose one definition is operator/src/main/resources/monitoring/messagestack-rules.yaml. See docs/observability.md.
ALERT_RULES := operator/src/main/resources/monitoring/messagestack-rules.yaml
ALERT_RULE_TESTS := operator/src/test/monitoring/messagestack-rules-test.yaml

.PHONY: monitoring test-monitoring test-alert-rules measure-monitoring test-alerts-chaos

test-alert-rules: ## promtool (Debian's prometheus package, unpacked in the cache) checks the lab's prometheus.yml and the alert rules, then runs the rules' unit tests (each alert fires on its fault's series and stays quiet otherwise)
	@promtool=$$(hack/lab/promtool.sh | tail -1); \
	  $$promtool check config --syntax-only deploy/monitoring/prometheus.yml && \
	  $$promtool check rules $(ALERT_RULES) && \
	  $$promtool test rules $(ALERT_RULE_TESTS)

monitoring: cluster base-image ## the lab's Prometheus: image from Debian's prometheus package, namespace messagestack-monitoring (a metrics scraper), pod discovery, the alert rules; waits for Ready
	@hack/lab/monitoring.sh up

test-monitoring: monitoring ## through Prometheus' HTTP API: every tier of the sample stack (database, proxy, api) and the operator scraped with all targets up; prints samples of each tier
	@hack/lab/monitoring.sh targets

measure-monitoring: ## CPU and memory of Prometheus and of the stack's exporters on the lab (crictl stats in the kind nodes), Prometheus' series count
	@hack/lab/monitoring.sh measure

test-alerts-chaos: monitoring chaos-deps chaos-client ## full database crash on the lab (chaos full-crash.sh): MessageStackGaleraNotPrimary must fire within 45 s and resolve within 60 s after Ready; prints the times (other scenarios: chaos/alert-check.sh)
	@chaos/alert-check.sh full-db-crash

TEST_PHASES_DEFINED += test-alert-rules test-monitoring
