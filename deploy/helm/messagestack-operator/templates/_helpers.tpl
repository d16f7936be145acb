{{/* Name of the chart (label app.kubernetes.io/name, also the Deployment's selector: the same as deploy/base). */}}
{{- define "ms.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the release's objects: "messagestack-operator" for a release of that name (the same names as deploy/base). */}}
{{- define "ms.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "ms.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "ms.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ms.serviceAccountName" -}}
{{- default (include "ms.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* The selector: only app.kubernetes.io/name, as in deploy/base (a Deployment's selector cannot change later). */}}
{{- define "ms.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ms.name" . }}
{{- end -}}

{{- define "ms.labels" -}}
{{ include "ms.selectorLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: messagestack
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/*
The watched namespaces, checked again here so that a bad value fails with its name even under
--skip-schema-validation. Returns them joined by commas, or JOSDK_ALL_NAMESPACES for [].
*/}}
{{- define "ms.watchNamespaces" -}}
{{- $ns := .Values.watchNamespaces | default list -}}
{{- if not (kindIs "slice" $ns) -}}
{{- fail (printf "watchNamespaces must be a list of namespaces (e.g. --set 'watchNamespaces={a,b}'), or [] for every namespace; got %v" $ns) -}}
{{- end -}}
{{- range $i, $n := $ns -}}
{{- if not (and (kindIs "string" $n) (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $n) (le (len $n) 63)) -}}
{{- fail (printf "watchNamespaces[%d]: %q is not a namespace name (lower-case letters, digits and '-', at most 63)" $i $n) -}}
{{- end -}}
{{- end -}}
{{- if ne (len $ns) (len (uniq $ns)) -}}
{{- fail (printf "watchNamespaces: %v names a namespace twice" $ns) -}}
{{- end -}}
{{- if $ns -}}{{ join "," $ns }}{{- else -}}JOSDK_ALL_NAMESPACES{{- end -}}
{{- end -}}

{{/* The operator image; image.repository is required. */}}
{{- define "ms.image" -}}
{{- $repo := required "image.repository is required (e.g. --set image.repository=registry.example/messagestack/operator)" .Values.image.repository -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
What the operator reads and writes in a namespace it watches: the same rules as deploy/base/rbac.yaml's
ClusterRole (test-helm compares them), used by the ClusterRole (watchNamespaces: []) or by one Role per
watched namespace.
*/}}
{{- define "ms.rules" -}}
# The custom resource and its status.
- apiGroups: ["messagestack.io"]
  resources: ["messagestacks"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["messagestack.io"]
  resources: ["messagestacks/status"]
  verbs: ["get", "patch", "update"]
# Backups: scheduled ones are created by the operator; it deletes a MessageStackBackup only after
# retention's deletion Job removed that backup's objects (spec.backup.retention set).
- apiGroups: ["messagestack.io"]
  resources: ["messagestackbackups"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["messagestack.io"]
  resources: ["messagestackbackups/status"]
  verbs: ["get", "patch", "update"]
# Backup Jobs (galera-agent backup next to a database pod): created and watched, never deleted (the
# MessageStackBackup owns its Job; Kubernetes removes the Job with it); patched only to suspend a Job
# whose pod never started (its backup is then Failed).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "update"]
# Owned objects: server-side apply (patch), create-once Secrets (create), removal of disabled parts (delete).
- apiGroups: [""]
  resources: ["secrets", "configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["apps"]
  resources: ["statefulsets", "deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# Pods: read (readiness, node addresses for keepalived peers, agent addresses for Galera state).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# Pod status: only the Ready condition of a pod whose node stopped answering (NodeLossGuard), the node
# controller's own mark, made sooner; the pod's kubelet overwrites it when it reports again.
- apiGroups: [""]
  resources: ["pods/status"]
  verbs: ["patch"]
# Database volumes: never deleted by the operator; read (engine check) and patched (growth only).
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "patch", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# spec.monitoring with the Prometheus Operator installed: each stack's PodMonitor, applied server-side (which
# creates it) and deleted when monitoring is switched off. Never read: the operator keeps no informer on a
# kind the cluster may not serve (whether it does is API discovery, which needs no rule).
- apiGroups: ["monitoring.coreos.com"]
  resources: ["podmonitors"]
  verbs: ["create", "patch", "delete"]
{{- end -}}

{{- define "ms.nodeRules" -}}
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get", "list", "watch"]
{{- end -}}

{{- define "ms.alertRuleRules" -}}
# Server-side apply that creates the object is authorized as create (which cannot be limited to a name).
- apiGroups: ["monitoring.coreos.com"]
  resources: ["prometheusrules"]
  verbs: ["create"]
- apiGroups: ["monitoring.coreos.com"]
  resources: ["prometheusrules"]
  resourceNames: ["messagestack-alert-rules"]
  verbs: ["patch", "delete"]
{{- end -}}
