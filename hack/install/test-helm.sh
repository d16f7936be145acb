#!/usr/bin/env bash
# make test-helm: the chart deploy/helm/messagestack-operator without a cluster.
#   1. helm lint --strict (default values, namespaced values, the kind values)
#   2. helm template with value sets, each checked by check_render.py (RBAC per mode against deploy/base,
#      watched namespaces, images, log level, resources, names)
#   3. invalid values: each must fail at template time and name the value
#   4. the chart's CRD copy and the committed bundle deploy/release/messagestack-operator.yaml are not stale
LOG_PREFIX=test-helm
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ -x "$HELM" ] || die "helm $HELM_VERSION not built: run make helm"
command -v python3 >/dev/null || die "python3 not found: apt-get install python3"
python3 -c 'import yaml' 2>/dev/null || { log "installing PyYAML (pip)"; python3 -m pip install -q pyyaml >/dev/null \
  || die "PyYAML missing and pip install pyyaml failed"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); log "ok   $*"; }
bad() { failed=$((failed + 1)); log "FAIL $*"; }
NS_ARGS=(--set 'watchNamespaces={team-a,team-b}')
KIND_VALUES="$ROOT/deploy/helm/values-kind.yaml"

log "helm $("$HELM" version --template '{{.Version}}'), chart $CHART_DIR"
for set in "default:" "namespaced:${NS_ARGS[*]}" "kind:-f $KIND_VALUES"; do
  name=${set%%:*}; args=${set#*:}
  # shellcheck disable=SC2086
  if "$HELM" lint --strict "$CHART_DIR" $args > "$tmp/lint-$name.log" 2>&1; then ok "helm lint --strict ($name values)"
  else cat "$tmp/lint-$name.log"; bad "helm lint --strict ($name values)"; fi
done

# render CASE RELEASE NAMESPACE WATCHED -- HELM_ARGS...: helm template, then the checks of that case.
render() {
  local case=$1 release=$2 ns=$3 watched=$4; shift 5
  if ! "$HELM" template "$release" "$CHART_DIR" --namespace "$ns" "$@" > "$tmp/$case.yaml" 2> "$tmp/$case.err"; then
    cat "$tmp/$case.err"; bad "helm template ($case)"; return
  fi
  if python3 "$INSTALL_DIR/check_render.py" "$case" "$tmp/$case.yaml" "$ns" "$watched"; then ok "helm template ($case)"
  else bad "helm template ($case)"; fi
}
render cluster-wide messagestack-operator messagestack-system "" --
render namespaced messagestack-operator ops team-a,team-b -- "${NS_ARGS[@]}"
render kind messagestack-operator messagestack-system "" -- -f "$KIND_VALUES"
render custom ops ops "" -- --set image.repository=registry.example/ms/operator,image.tag=1.2.3,image.pullPolicy=Always \
  --set logLevel=DEBUG,sdkLogLevel=WARN,clusterDomain=corp.local,replicaCount=1,metricsService.enabled=false,createNamespace=true \
  --set resources.requests.cpu=100m,resources.requests.memory=200Mi,resources.limits.memory=300Mi \
  --set 'imagePullSecrets[0].name=regcred'

# invalid VALUE_NAMED -- HELM_ARGS...: helm template must fail and its error must name the value.
invalid() {
  local named=$1; shift 2
  if "$HELM" template t "$CHART_DIR" "$@" > /dev/null 2> "$tmp/err"; then
    bad "invalid values accepted: $*"
  elif grep -qF -- "$named" "$tmp/err"; then
    ok "invalid values rejected, naming $named: $* -> $(grep -F -- "$named" "$tmp/err" | head -1 | sed 's/^ *//')"
  else
    cat "$tmp/err"; bad "invalid values rejected without naming $named: $*"
  fi
}
invalid "/watchNamespaces/0" -- --set 'watchNamespaces={Team_A}'
invalid "/watchNamespaces" -- --set watchNamespaces=team-a
invalid "/watchNamespaces" -- --set 'watchNamespaces={team-a,team-a}'
invalid "/logLevel" -- --set logLevel=verbose
invalid "/replicaCount" -- --set replicaCount=-1
invalid "/resources/limits/memory" -- --set resources.limits.memory=lots
invalid "/image/pullPolicy" -- --set image.pullPolicy=Sometimes
invalid "'watchNamespace'" -- --set watchNamespace=team-a
# The same rules hold in the templates themselves (fail/required) when schema validation is skipped.
invalid "watchNamespaces[0]" -- --skip-schema-validation --set 'watchNamespaces={Team_A}'
invalid "watchNamespaces:" -- --skip-schema-validation --set 'watchNamespaces={a,a}'
invalid "image.repository" -- --skip-schema-validation --set image.repository=

if "$INSTALL_DIR/release-manifests.sh" --check; then ok "chart CRD copy and release bundle up to date"
else bad "chart CRD copy or release bundle stale (make release-manifests)"; fi

log "$passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
