# Fault injection on the kind lab (issue 5): the load client, the scenarios and the results table.
# See docs/chaos.md. `chaos`/`chaos-ci` need a running stack (`make up`); `test-chaos-client` needs
# only Java and Maven.
CHAOS_POM := chaos/load-client/pom.xml

.PHONY: chaos-deps chaos-client test-chaos-client chaos-smoke chaos chaos-repeat chaos-ci chaos-report

chaos-deps: ## tools the chaos scenarios use besides the lab's (jq, curl; installed with apt if missing)
	@missing=""; for t in jq curl; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then echo "chaos-deps: apt-get install$$missing"; \
	  apt-get install -y -q $$missing >/dev/null || { echo "chaos-deps: apt-get install$$missing failed (run as root, apt-get update first)" >&2; exit 1; }; \
	else echo "chaos-deps: jq and curl present"; fi

chaos-client: ## build the chaos load client jar (chaos/load-client/target/chaos-load-client.jar)
	mvn -B -q -f $(CHAOS_POM) package -DskipTests

test-chaos-client: ## unit tests of the chaos load client (stats, error windows and spans, causes, write check, targets, report, both clients vs a loopback fake API)
	mvn -B -f $(CHAOS_POM) test

chaos-smoke: chaos-deps chaos-client ## the load client for real without kind: message-api + MariaDB on loopback, both clients (careful, plain), mariadbd SIGKILLed under load, every write checked (needs api-deps; builds message-api if needed)
	chaos/loopback-smoke.sh

chaos: chaos-deps chaos-client deploy-sample ## run the full fault suite on the kind lab (needs `make up`); writes docs/chaos.md, chaos/results/*.json and *.png
	chaos/run.sh

chaos-repeat: chaos-deps chaos-client deploy-sample ## issue 15's single-fault scenarios 3 times in a row on the kind lab (needs `make up`); one table of all runs in docs/chaos-runs.md, each run in chaos/results/runs/K (CHAOS_RUNS=N for another count)
	chaos/repeat.sh --runs $(or $(CHAOS_RUNS),3)

chaos-ci: chaos-deps chaos-client deploy-sample ## CI subset on the kind lab: database pod force-kill, nginx pod kill, worker stop, full database crash
	chaos/run.sh --ci

chaos-report: chaos-client ## regenerate docs/chaos.md, summary.json and the pictures from chaos/results/*.json
	java -jar chaos/load-client/target/chaos-load-client.jar report --results chaos/results \
	  --markdown docs/chaos.md --summary chaos/results/summary.json --png-dir chaos/results --notes chaos/notes

TEST_PHASES_DEFINED += test-chaos-client chaos-smoke
