# message-api, the Messages page and their tests (issue 3). Servers for the tests are real
# Debian packages started on loopback by hack/api/*.sh under /tmp/messagestack-test; the Galera
# cluster, its HAProxy and the page's nginx run the operator's data plane with its rendered configs (hack/dataplane/lib.sh,
# hack/api/lib.sh, product-configs).

API_DIR := message-api
API_IMAGE ?= messagestack/message-api:dev
API_BASE_IMAGE ?= messagestack/debian-base:bookworm
# The loopback test servers listen on fixed ports: targets that use them take turns (a second
# one waits) instead of failing with "Address already in use". -o: the servers a script leaves
# running do not inherit the lock.
LOOPBACK_LOCK := flock -o /tmp/messagestack-loopback.lock

.PHONY: api-deps test-api test-frontend api-image bench-api bench-api-startup api-servers-up api-servers-down

api-deps: ## install MariaDB, Galera, HAProxy, nginx, Chromium, wrk (apt) and the page test's npm modules
	@hack/api/install-deps.sh

test-api: api-deps dataplane-deps product-configs ## message-api tests: unit + API against MariaDB, then Galera/HAProxy process tests on the operator's data plane and configs (mvn verify)
	@$(LOOPBACK_LOCK) hack/api/test-api.sh

test-frontend: api-deps product-configs ## the Messages page in headless Chromium (Playwright) via nginx (the operator's nginx.conf) -> message-api -> MariaDB
	@$(LOOPBACK_LOCK) hack/api/frontend-test.sh

api-image: api-deps base-image ## build the messagestack/message-api:dev image (BASE_IMAGE=$(API_BASE_IMAGE), offline)
	@$(LOOPBACK_LOCK) hack/api/build-image.sh "$(API_IMAGE)" "$(API_BASE_IMAGE)"

bench-api: api-deps dataplane-deps product-configs ## benchmark: wrk -> nginx -> 2 message-api -> haproxy -> 3-node Galera, vs plain JDBC inserts
	@$(LOOPBACK_LOCK) bench/run.sh

bench-api-startup: api-deps ## benchmark: message-api start-to-ready (median of 5) and warm-up curve (CPU per create per 10 s)
	@$(LOOPBACK_LOCK) bench/startup.sh

api-servers-up: api-deps dataplane-deps product-configs ## start the test MariaDB and the 3-node Galera + HAProxy on loopback (for manual runs)
	@hack/api/start-mariadb.sh && hack/api/start-galera.sh

api-servers-down: ## stop the test MariaDB, Galera and HAProxy
	@hack/api/stop-galera.sh; hack/api/stop-mariadb.sh

TEST_PHASES_DEFINED += test-api test-frontend
