#!/usr/bin/env bash
# The securityContext of every container of a running stack, as the API server has it (kubectl get pods -o json),
# printed one line per container and checked against the Pod Security Standard "restricted":
#   runAsNonRoot with a fixed non-root uid, allowPrivilegeEscalation false, capabilities drop ALL (add nothing but
#   NET_BIND_SERVICE), seccomp RuntimeDefault (container or pod), and a read-only root filesystem for every container
#   except the database's (which still writes its run files there; docs/operator.md says why).
# A stack with VIPs is not restricted by design (host network, keepalived's NET_ADMIN/NET_RAW): this checks a stack
# without them. Usage: e2e-security.sh NAMESPACE STACK. Fails (exit 1) on any container that is not restricted.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ns=${1:?namespace}; ms=${2:?stack name}

k -n "$ns" get pods -l "app.kubernetes.io/instance=$ms" -o json | python3 -c '
import json, sys
pods = json.load(sys.stdin)["items"]
if not pods:
    print("ERROR: no pods of the stack found"); sys.exit(1)
bad = 0
for pod in pods:
    spec = pod["spec"]; psc = spec.get("securityContext") or {}
    if spec.get("hostNetwork"):
        print("ERROR: %s uses the host network (a stack without VIPs must not)" % pod["metadata"]["name"]); bad += 1
    for kind, containers in (("init", spec.get("initContainers") or []), ("", spec["containers"])):
        for c in containers:
            sc = c.get("securityContext") or {}
            caps = sc.get("capabilities") or {}
            uid = sc.get("runAsUser", psc.get("runAsUser"))
            nonroot = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
            seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
            ro = sc.get("readOnlyRootFilesystem", False)
            problems = []
            if nonroot is not True or not uid: problems.append("runAsNonRoot/uid")
            if sc.get("allowPrivilegeEscalation") is not False: problems.append("allowPrivilegeEscalation")
            if "ALL" not in (caps.get("drop") or []): problems.append("drop ALL")
            if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}: problems.append("adds %s" % caps.get("add"))
            if seccomp != "RuntimeDefault": problems.append("seccomp")
            if not ro and c["name"] != "database": problems.append("readOnlyRootFilesystem")
            where = "%s/%s%s" % (pod["metadata"]["name"], "init:" if kind else "", c["name"])
            print("  %-44s uid=%-5s nonRoot=%-5s escalation=%-5s drop=%-5s add=%-18s seccomp=%-14s readOnlyRoot=%-5s %s" % (
                where, uid, nonroot, sc.get("allowPrivilegeEscalation"), ",".join(caps.get("drop") or []) or "-",
                ",".join(caps.get("add") or []) or "-", seccomp, ro,
                "OK" if not problems else "NOT RESTRICTED: " + ", ".join(problems)))
            bad += bool(problems)
sys.exit(1 if bad else 0)
' || die "a container of $ns/$ms is not restricted (see the lines above)"
phase "  every container of $ns/$ms runs restricted (printed above, from kubectl get pods -o json)"
