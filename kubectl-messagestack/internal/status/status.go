// Package status reads one MessageStack and what it owns, and renders the screen of `kubectl messagestack status`.
//
// Everything comes from the API server: the MessageStack's .status (written by the operator: conditions,
// ready/desired per component, the Galera cluster as the database reports it), the workloads and database pods
// (live replica counts, restarts, nodes), and the events of the stack and of its objects.
package status

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// GVR of the MessageStack custom resource (crds/messagestacks.messagestack.io.yaml).
var GVR = schema.GroupVersionResource{Group: "messagestack.io", Version: "v1alpha1", Resource: "messagestacks"}

// Labels the operator puts on everything it owns (operator/.../common/Labels.java).
const (
	labelInstance  = "app.kubernetes.io/instance"
	labelComponent = "app.kubernetes.io/component"
	// MaxEvents is how many events the screen shows, newest last.
	MaxEvents = 10
)

// Clients are the two API clients the report needs (the real ones in main, fakes in tests).
type Clients struct {
	Dynamic dynamic.Interface
	Kube    kubernetes.Interface
}

// Condition is one entry of .status.conditions.
type Condition struct {
	Type, Status, Reason, Message string
	Since                         time.Time
}

// Component is one part of the stack: what the operator last wrote in .status and what its workload says now.
type Component struct {
	Name, Kind, Object string
	// From .status.<component>; -1 when the status has no entry.
	StatusReady, StatusDesired int
	// From the StatefulSet/Deployment; Found is false when it does not exist (disabled, or not created yet).
	Found               bool
	LiveReady, LiveWant int32
	LiveUpdated         int32
}

// Pod is one database pod.
type Pod struct {
	Name, Phase, Node, Reason string
	Ready                     bool
	Restarts                  int32
	Created                   time.Time
	Deleting                  bool
}

// Event is one Kubernetes event about the stack or one of its objects.
type Event struct {
	Type, Reason, Object, Message string
	Count                         int32
	Last                          time.Time
}

// Field is a key of .status.galera and its value as text.
type Field struct{ Key, Value string }

// Report is everything the screen shows.
type Report struct {
	Namespace, Name     string
	Created             time.Time
	Generation          int64
	ObservedGeneration  int64
	HasStatus           bool
	Phase, URL, Summary string
	Engine              string
	Conditions          []Condition
	Components          []Component
	// Galera is .status.galera, known keys first (clusterStatus, clusterSize, syncedNodes), then any other
	// scalar keys the operator may add (a writer, for example) in name order.
	Galera []Field
	// GaleraNodes is .status.galera.nodes when the operator publishes one entry per node; nil otherwise.
	GaleraNodes []map[string]string
	DBPods      []Pod
	Events      []Event
	// Writer is .status.writer: HAProxy's writer pod and why it is the writer ("" when the status has none).
	Writer, WriterReason string
	// LastBackup is .status.backup: the stack's last successful backup and when it finished ("" when none).
	LastBackup     string
	LastBackupTime time.Time
	// Problems are lines for the verdict: conditions not True, components short of replicas, stale status.
	Problems []string

	statusCounts map[string][2]int // .status.<component>.{ready,desired}
}

// OnlyStack returns the name of the single MessageStack in ns, or an error that lists them.
func OnlyStack(ctx context.Context, c Clients, ns string) (string, error) {
	list, err := c.Dynamic.Resource(GVR).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("listing MessageStacks in namespace %s: %w", ns, err)
	}
	var names []string
	for _, item := range list.Items {
		names = append(names, item.GetName())
	}
	switch len(names) {
	case 1:
		return names[0], nil
	case 0:
		return "", fmt.Errorf("no MessageStack in namespace %s (try -n NAMESPACE, or kubectl get ms -A)", ns)
	default:
		sort.Strings(names)
		return "", fmt.Errorf("name a MessageStack: %s (namespace %s)", strings.Join(names, ", "), ns)
	}
}

// Gather reads the MessageStack ns/name and the objects around it. Only the MessageStack itself is required:
// a workload, pod or event that cannot be read is left out (and said so in Problems).
func Gather(ctx context.Context, c Clients, ns, name string) (*Report, error) {
	u, err := c.Dynamic.Resource(GVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("MessageStack %s not found in namespace %s (kubectl get ms -A lists them)", name, ns)
	}
	if err != nil {
		return nil, fmt.Errorf("reading MessageStack %s/%s: %w", ns, name, err)
	}
	r := fromStack(u)
	r.Components = components(ctx, c, r)
	pods, err := c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{
		LabelSelector: labelInstance + "=" + name + "," + labelComponent + "=database"})
	if err != nil {
		r.Problems = append(r.Problems, "database pods not readable: "+err.Error())
	} else {
		r.DBPods = dbPods(pods.Items)
	}
	events, err := c.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		r.Problems = append(r.Problems, "events not readable: "+err.Error())
	} else {
		r.Events = stackEvents(events.Items, name, string(u.GetUID()))
	}
	r.Problems = append(problems(r), r.Problems...)
	return r, nil
}

func fromStack(u *unstructured.Unstructured) *Report {
	r := &Report{Namespace: u.GetNamespace(), Name: u.GetName(), Created: u.GetCreationTimestamp().Time,
		Generation: u.GetGeneration()}
	r.Engine, _, _ = unstructured.NestedString(u.Object, "spec", "database", "engine")
	st, ok, _ := unstructured.NestedMap(u.Object, "status")
	if !ok {
		return r
	}
	r.HasStatus = true
	r.ObservedGeneration, _, _ = unstructured.NestedInt64(st, "observedGeneration")
	r.Phase, _, _ = unstructured.NestedString(st, "phase")
	r.URL, _, _ = unstructured.NestedString(st, "url")
	r.Summary, _, _ = unstructured.NestedString(st, "databaseSummary")
	conds, _, _ := unstructured.NestedSlice(st, "conditions")
	for _, raw := range conds {
		m, ok := raw.(map[string]interface{})
		if !ok {
			continue
		}
		c := Condition{Type: str(m["type"]), Status: str(m["status"]), Reason: str(m["reason"]),
			Message: str(m["message"])}
		c.Since, _ = time.Parse(time.RFC3339, str(m["lastTransitionTime"]))
		r.Conditions = append(r.Conditions, c)
	}
	sort.SliceStable(r.Conditions, func(i, j int) bool {
		return conditionRank(r.Conditions[i].Type) < conditionRank(r.Conditions[j].Type)
	})
	r.statusCounts = map[string][2]int{}
	for _, name := range []string{"database", "proxy", "api", "frontend"} {
		if m, ok, _ := unstructured.NestedMap(st, name); ok {
			r.statusCounts[name] = [2]int{toInt(m["ready"]), toInt(m["desired"])}
		}
	}
	if g, ok, _ := unstructured.NestedMap(st, "galera"); ok {
		r.Galera, r.GaleraNodes = galera(g)
	}
	r.Writer, _, _ = unstructured.NestedString(st, "writer", "pod")
	r.WriterReason, _, _ = unstructured.NestedString(st, "writer", "reason")
	r.LastBackup, _, _ = unstructured.NestedString(st, "backup", "lastSuccessfulBackup")
	if t, ok, _ := unstructured.NestedString(st, "backup", "lastSuccessfulTime"); ok {
		r.LastBackupTime, _ = time.Parse(time.RFC3339, t)
	}
	return r
}

// The operator's conditions in the order a person reads them (operator/.../reconcile/Conditions.java).
var conditionOrder = []string{"Ready", "DatabaseReady", "ProxyReady", "ApiReady", "FrontendReady", "BackupFailing",
	"PointInTimeRecoveryGap", "RolloutWaiting"}

func conditionRank(t string) int {
	for i, known := range conditionOrder {
		if known == t {
			return i
		}
	}
	return len(conditionOrder)
}

func galera(g map[string]interface{}) ([]Field, []map[string]string) {
	var fields []Field
	known := []string{"clusterStatus", "clusterSize", "syncedNodes"}
	for _, k := range known {
		if v, ok := g[k]; ok && v != nil {
			fields = append(fields, Field{k, str(v)})
		}
	}
	var others []string
	for k, v := range g {
		if contains(known, k) || k == "nodes" {
			continue
		}
		switch v.(type) {
		case map[string]interface{}, []interface{}, nil:
			continue
		}
		others = append(others, k)
	}
	sort.Strings(others)
	for _, k := range others {
		fields = append(fields, Field{k, str(g[k])})
	}
	var nodes []map[string]string
	if list, ok := g["nodes"].([]interface{}); ok {
		for _, raw := range list {
			if m, ok := raw.(map[string]interface{}); ok {
				row := map[string]string{}
				for k, v := range m {
					row[k] = str(v)
				}
				nodes = append(nodes, row)
			}
		}
	}
	return fields, nodes
}

// The workloads of a stack (operator/.../common/Names.java): <name>-db, -proxy, -api, -frontend.
func components(ctx context.Context, c Clients, r *Report) []Component {
	defs := []struct{ name, kind, suffix string }{
		{"database", "StatefulSet", "-db"},
		{"proxy", "Deployment", "-proxy"},
		{"api", "Deployment", "-api"},
		{"frontend", "Deployment", "-frontend"},
	}
	var out []Component
	for _, d := range defs {
		comp := Component{Name: d.name, Kind: d.kind, Object: r.Name + d.suffix, StatusReady: -1, StatusDesired: -1}
		if s, ok := r.statusCounts[d.name]; ok {
			comp.StatusReady, comp.StatusDesired = s[0], s[1]
		}
		if d.kind == "StatefulSet" {
			sts, err := c.Kube.AppsV1().StatefulSets(r.Namespace).Get(ctx, comp.Object, metav1.GetOptions{})
			if err == nil {
				comp.Found, comp.LiveReady, comp.LiveWant, comp.LiveUpdated = true, sts.Status.ReadyReplicas,
					replicas(sts.Spec.Replicas), sts.Status.UpdatedReplicas
			}
		} else {
			dep, err := c.Kube.AppsV1().Deployments(r.Namespace).Get(ctx, comp.Object, metav1.GetOptions{})
			if err == nil {
				comp.Found, comp.LiveReady, comp.LiveWant, comp.LiveUpdated = true, dep.Status.ReadyReplicas,
					replicas(dep.Spec.Replicas), dep.Status.UpdatedReplicas
			}
		}
		out = append(out, comp)
	}
	return out
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func dbPods(items []corev1.Pod) []Pod {
	var out []Pod
	for _, p := range items {
		pod := Pod{Name: p.Name, Phase: string(p.Status.Phase), Node: p.Spec.NodeName,
			Created: p.CreationTimestamp.Time, Deleting: p.DeletionTimestamp != nil}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				pod.Ready = c.Status == corev1.ConditionTrue
			}
		}
		for _, cs := range p.Status.ContainerStatuses {
			pod.Restarts += cs.RestartCount
			if cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && pod.Reason == "" {
				pod.Reason = cs.Name + ": " + cs.State.Waiting.Reason
			}
			if cs.State.Terminated != nil && pod.Reason == "" {
				pod.Reason = cs.Name + ": " + cs.State.Terminated.Reason
			}
		}
		out = append(out, pod)
	}
	sort.Slice(out, func(i, j int) bool { return podOrdinalLess(out[i].Name, out[j].Name) })
	return out
}

// podOrdinalLess sorts demo-db-2 before demo-db-10.
func podOrdinalLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// stackEvents keeps the events of the MessageStack itself and of the objects it owns (names <name>-db...,
// <name>-proxy..., <name>-api..., <name>-frontend...), oldest first, the last MaxEvents.
func stackEvents(items []corev1.Event, name, uid string) []Event {
	prefixes := []string{name + "-db", name + "-proxy", name + "-api", name + "-frontend", "data-" + name + "-db"}
	var out []Event
	for _, e := range items {
		io := e.InvolvedObject
		mine := false
		if io.Kind == "MessageStack" {
			mine = io.Name == name && (uid == "" || io.UID == "" || string(io.UID) == uid)
		} else {
			for _, p := range prefixes {
				if io.Name == p || strings.HasPrefix(io.Name, p+"-") {
					mine = true
					break
				}
			}
		}
		if !mine {
			continue
		}
		count := e.Count
		if count == 0 && e.Series != nil {
			count = e.Series.Count
		}
		out = append(out, Event{Type: e.Type, Reason: e.Reason, Object: kindShort(io.Kind) + "/" + io.Name,
			Message: strings.TrimSpace(e.Message), Count: count, Last: eventTime(e)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Last.Before(out[j].Last) })
	if len(out) > MaxEvents {
		out = out[len(out)-MaxEvents:]
	}
	return out
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

func kindShort(kind string) string {
	switch kind {
	case "MessageStack":
		return "ms"
	case "StatefulSet":
		return "sts"
	case "Deployment":
		return "deploy"
	case "ReplicaSet":
		return "rs"
	case "PersistentVolumeClaim":
		return "pvc"
	case "PodDisruptionBudget":
		return "pdb"
	case "":
		return "?"
	}
	return strings.ToLower(kind)
}

func problems(r *Report) []string {
	var out []string
	if !r.HasStatus {
		return []string{"no status yet: is the operator running and watching namespace " + r.Namespace + "?"}
	}
	if r.ObservedGeneration != 0 && r.ObservedGeneration < r.Generation {
		out = append(out, fmt.Sprintf("the operator has not seen the latest spec yet (generation %d, observed %d)",
			r.Generation, r.ObservedGeneration))
	}
	for _, c := range r.Conditions {
		if !healthy(c) {
			msg := fmt.Sprintf("%s=%s", c.Type, c.Status)
			if c.Reason != "" {
				msg += " (" + c.Reason + ")"
			}
			if c.Message != "" {
				msg += ": " + c.Message
			}
			out = append(out, msg)
		}
	}
	for _, c := range r.Components {
		if c.Found && c.LiveReady < c.LiveWant {
			out = append(out, fmt.Sprintf("%s %s: %d of %d ready", kindShort(c.Kind), c.Object, c.LiveReady, c.LiveWant))
		}
	}
	for _, p := range r.DBPods {
		if !p.Ready {
			msg := "pod " + p.Name + " not ready (" + p.Phase
			if p.Reason != "" {
				msg += ", " + p.Reason
			}
			out = append(out, msg+")")
		}
	}
	return out
}

// problemWhenTrue are the conditions that report a problem by being True (the others are healthy when True).
// RolloutWaiting does not make the stack unready, but a tier holding its old template is something to look at.
var problemWhenTrue = map[string]bool{"BackupFailing": true, "PointInTimeRecoveryGap": true, "RolloutWaiting": true}

func healthy(c Condition) bool {
	if problemWhenTrue[c.Type] {
		return c.Status == "False"
	}
	return c.Status == "True"
}

func str(v interface{}) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		if t == float64(int64(t)) {
			return fmt.Sprintf("%d", int64(t))
		}
		return fmt.Sprintf("%g", t)
	default:
		return fmt.Sprint(t)
	}
}

func toInt(v interface{}) int {
	switch t := v.(type) {
	case int64:
		return int(t)
	case int:
		return t
	case int32:
		return int(t)
	case float64:
		return int(t)
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
