#!/usr/bin/env python3
"""Checks on `helm template` output of deploy/helm/messagestack-operator (called by hack/install/test-helm.sh).

    check_render.py CASE RENDERED.yaml [RELEASE_NAMESPACE] [WATCHED,NAMESPACES]

CASE is one of: cluster-wide, namespaced, kind, custom. Every check prints what it found on failure and the
script exits 1 naming the first broken rule. The RBAC rules and the Deployment's selector are compared with
deploy/base (the kustomize install), so the chart and kustomize cannot drift apart unnoticed.
"""
import os
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def find(docs, kind, name=None, namespace=None):
    return [d for d in docs if d["kind"] == kind
            and (name is None or d["metadata"]["name"] == name)
            and (namespace is None or d["metadata"].get("namespace") == namespace)]


def env_of(deploy):
    c = deploy["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value") for e in c.get("env", []) if "value" in e}


BASE = load(os.path.join(ROOT, "deploy/base/rbac.yaml"))
BASE_RULES = find(BASE, "ClusterRole", "messagestack-operator")[0]["rules"]
BASE_NODE_RULES = find(BASE, "ClusterRole", "messagestack-operator-nodes")[0]["rules"]
BASE_LEASE_RULES = find(BASE, "Role", "messagestack-operator-leader-election")[0]["rules"]
BASE_ALERT_RULE_RULES = find(BASE, "Role", "messagestack-operator-alert-rules")[0]["rules"]
BASE_DEPLOY = load(os.path.join(ROOT, "deploy/base/deployment.yaml"))
BASE_SELECTOR = find(BASE_DEPLOY, "Deployment")[0]["spec"]["selector"]
BASE_PDB = load(os.path.join(ROOT, "deploy/base/pdb.yaml"))[0]
OVERLAY = load(os.path.join(ROOT, "deploy/overlays/local-images/default-images.yaml"))[0]
OVERLAY_ENV = {e["name"]: e["value"] for e in OVERLAY["spec"]["template"]["spec"]["containers"][0]["env"]}


def common(docs, release_ns, fullname="messagestack-operator"):
    deploys = find(docs, "Deployment")
    check(len(deploys) == 1, f"one Deployment, got {len(deploys)}")
    d = deploys[0]
    check(d["metadata"]["namespace"] == release_ns, f"Deployment in {release_ns}")
    check(d["spec"]["selector"] == BASE_SELECTOR,
          f"Deployment selector {d['spec']['selector']} == deploy/base's {BASE_SELECTOR} (selectors are immutable)")
    pdbs = find(docs, "PodDisruptionBudget", fullname, release_ns)
    check(len(pdbs) == 1 and pdbs[0]["spec"] == BASE_PDB["spec"] and pdbs[0]["spec"]["selector"] == d["spec"]["selector"],
          f"one PodDisruptionBudget {fullname} in {release_ns} with deploy/base's spec, selecting the Deployment's pods")
    lease = find(docs, "Role", f"{fullname}-leader-election", release_ns)
    check(len(lease) == 1 and lease[0]["rules"] == BASE_LEASE_RULES,
          f"leader-election Role in {release_ns} with deploy/base's rules")
    check(len(find(docs, "RoleBinding", f"{fullname}-leader-election", release_ns)) == 1,
          "leader-election RoleBinding")
    alert_rules = find(docs, "Role", f"{fullname}-alert-rules", release_ns)
    check(len(alert_rules) == 1 and alert_rules[0]["rules"] == BASE_ALERT_RULE_RULES,
          f"alert-rules Role (the PrometheusRule) in {release_ns} with deploy/base's rules")
    check(len(find(docs, "RoleBinding", f"{fullname}-alert-rules", release_ns)) == 1, "alert-rules RoleBinding")
    nodes = find(docs, "ClusterRole", f"{fullname}-nodes")
    check(len(nodes) == 1 and nodes[0]["rules"] == BASE_NODE_RULES,
          "the -nodes ClusterRole (nodes, read only) with deploy/base's rules")
    check(len(find(docs, "ClusterRoleBinding", f"{fullname}-nodes")) == 1, "the -nodes ClusterRoleBinding")
    sa = find(docs, "ServiceAccount")
    check(len(sa) == 1 and sa[0]["metadata"]["namespace"] == release_ns, "one ServiceAccount in the release namespace")
    spec = d["spec"]["template"]["spec"]
    check(spec["serviceAccountName"] == sa[0]["metadata"]["name"], "the Deployment runs as the ServiceAccount")
    c = spec["containers"][0]
    check(c["securityContext"]["readOnlyRootFilesystem"] is True and spec["securityContext"]["runAsNonRoot"] is True,
          "non-root, read-only root filesystem")
    for b in find(docs, "RoleBinding") + find(docs, "ClusterRoleBinding"):
        check(b["subjects"] == [{"kind": "ServiceAccount", "name": sa[0]["metadata"]["name"],
                                 "namespace": release_ns}], f"{b['kind']} {b['metadata']['name']} binds the ServiceAccount")
    return d


def main():
    case, path = sys.argv[1], sys.argv[2]
    release_ns = sys.argv[3] if len(sys.argv) > 3 else "messagestack-system"
    watched = [n for n in (sys.argv[4] if len(sys.argv) > 4 else "").split(",") if n]
    docs = load(path)
    fullname = "ops-messagestack-operator" if case == "custom" else "messagestack-operator"
    d = common(docs, release_ns, fullname)
    env = env_of(d)
    image = d["spec"]["template"]["spec"]["containers"][0]["image"]
    if case in ("cluster-wide", "kind", "custom"):
        cr = find(docs, "ClusterRole", fullname)
        check(len(cr) == 1 and cr[0]["rules"] == BASE_RULES, "one ClusterRole with deploy/base/rbac.yaml's rules")
        check(len(find(docs, "ClusterRole")) == 2 and len(find(docs, "ClusterRoleBinding")) == 2,
              "two ClusterRoles and bindings: the operator's and -nodes")
        check([r["metadata"]["namespace"] for r in find(docs, "Role")] == [release_ns, release_ns],
              "no Role but the leader-election and alert-rules ones")
        check(env.get("QUARKUS_OPERATOR_SDK_CONTROLLERS_MESSAGESTACK_NAMESPACES") == "JOSDK_ALL_NAMESPACES",
              f"watches every namespace: {env.get('QUARKUS_OPERATOR_SDK_CONTROLLERS_MESSAGESTACK_NAMESPACES')}")
    if case == "cluster-wide":
        check(image == "messagestack/operator:dev", f"default image messagestack/operator:dev, got {image}")
        check(not any(k.startswith("MESSAGESTACK_IMAGE_") for k in env), "no stack image set by default")
        check(env.get("QUARKUS_LOG_CATEGORY__IO_MESSAGESTACK__LEVEL") == "INFO", "log level INFO by default")
        check(d["spec"]["replicas"] == 2, "2 replicas by default")
    if case == "namespaced":
        check([r["metadata"]["name"] for r in find(docs, "ClusterRole") + find(docs, "ClusterRoleBinding")]
              == [f"{fullname}-nodes"] * 2,
              "when watchNamespaces is set, cluster-wide only the -nodes ClusterRole and its binding (nodes, read only)")
        for ns in watched:
            roles = find(docs, "Role", "messagestack-operator", ns)
            check(len(roles) == 1 and roles[0]["rules"] == BASE_RULES,
                  f"Role messagestack-operator in {ns} with deploy/base's rules (Secrets and the owned kinds)")
            check(len(find(docs, "RoleBinding", "messagestack-operator", ns)) == 1, f"RoleBinding in {ns}")
        check(len(find(docs, "Role")) == len(watched) + 2,
              "a Role per watched namespace plus leader election and alert rules")
        check(env.get("QUARKUS_OPERATOR_SDK_CONTROLLERS_MESSAGESTACK_NAMESPACES") == ",".join(watched),
              f"watches {watched}: {env.get('QUARKUS_OPERATOR_SDK_CONTROLLERS_MESSAGESTACK_NAMESPACES')}")
    if case == "kind":
        got = {k: v for k, v in env.items() if k.startswith("MESSAGESTACK_IMAGE_")}
        check(got == OVERLAY_ENV, f"values-kind.yaml sets the images of deploy/overlays/local-images: {got} vs {OVERLAY_ENV}")
    if case == "custom":
        c = d["spec"]["template"]["spec"]["containers"][0]
        check(image == "registry.example/ms/operator:1.2.3", f"image from values, got {image}")
        check(c["imagePullPolicy"] == "Always", "pullPolicy from values")
        check(env.get("QUARKUS_LOG_CATEGORY__IO_MESSAGESTACK__LEVEL") == "DEBUG", "logLevel DEBUG")
        check(env.get("QUARKUS_LOG_CATEGORY__IO_JAVAOPERATORSDK__LEVEL") == "WARN", "sdkLogLevel WARN")
        check(env.get("MESSAGESTACK_CLUSTER_DOMAIN") == "corp.local", "clusterDomain")
        check(c["resources"] == {"requests": {"cpu": "100m", "memory": "200Mi"}, "limits": {"memory": "300Mi"}},
              f"resources from values: {c['resources']}")
        check(d["spec"]["replicas"] == 1, "replicaCount 1")
        check(d["spec"]["template"]["spec"].get("imagePullSecrets") == [{"name": "regcred"}], "imagePullSecrets")
        check(d["metadata"]["name"] == "ops-messagestack-operator", "release ops: objects named ops-messagestack-operator")
        check(not find(docs, "Service"), "metricsService.enabled=false: no Service")
        check(len(find(docs, "Namespace", release_ns)) == 1, "createNamespace=true renders the Namespace")
    if failures:
        print(f"check_render {case}: FAILED", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        sys.exit(1)
    print(f"check_render {case}: {len(docs)} objects, every check passed")


if __name__ == "__main__":
    main()
