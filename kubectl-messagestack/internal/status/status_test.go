package status

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// now is the moment the fixture is looked at: 3:00 a.m., a node went away at 2:58:30.
var now = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

func ts(s string) metav1.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return metav1.NewTime(t)
}

func loadStack(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	// YAML -> JSON -> the decoder the dynamic client uses, so numbers are int64 as they are from an API server.
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := unstructured.UnstructuredJSONScheme.Decode(js, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*unstructured.Unstructured)
}

func dynClient(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{GVR: "MessageStackList"}, objs...)
}

func int32p(i int32) *int32 { return &i }

func labels(stack, component string) map[string]string {
	return map[string]string{labelInstance: stack, labelComponent: component, "app.kubernetes.io/managed-by": "messagestack-operator"}
}

func dbPod(stack string, ordinal int, ready bool, restarts int32, node string, waiting string) *corev1.Pod {
	readyStatus := corev1.ConditionTrue
	phase := corev1.PodRunning
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	if !ready {
		readyStatus = corev1.ConditionFalse
		if waiting != "" {
			state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: waiting}}
		}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-db-%d", stack, ordinal), Namespace: "messagestack",
			Labels: labels(stack, "database"), CreationTimestamp: ts("2026-12-06T01:00:05Z")},
		Spec: corev1.PodSpec{NodeName: node},
		Status: corev1.PodStatus{Phase: phase,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: readyStatus}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "database", RestartCount: restarts, State: state},
				{Name: "galera-agent", RestartCount: 0, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			}},
	}
}

func event(name, kind, object, typ, reason, msg, at string, count int32) *corev1.Event {
	e := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: "messagestack"},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Name: object, Namespace: "messagestack"},
		Type:           typ, Reason: reason, Message: msg, Count: count, LastTimestamp: ts(at), FirstTimestamp: ts(at),
	}
	if kind == "MessageStack" {
		e.InvolvedObject.UID = types.UID("6f1c2b7e-0000-4000-8000-000000000001")
	}
	return e
}

// fixture: the demo stack with database pod 2 in CrashLoopBackOff, its workloads, and 15 events: 13 of the
// stack and its objects (the newest 10 shown) and 2 of other stacks (one named demo2).
func fixture(t *testing.T) Clients {
	t.Helper()
	stack := loadStack(t, "demo.yaml")
	objs := []runtime.Object{
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "demo-db", Namespace: "messagestack"},
			Spec:   appsv1.StatefulSetSpec{Replicas: int32p(3)},
			Status: appsv1.StatefulSetStatus{ReadyReplicas: 2, UpdatedReplicas: 3, Replicas: 3}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "demo-proxy", Namespace: "messagestack"},
			Spec: appsv1.DeploymentSpec{Replicas: int32p(2)}, Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 2}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "demo-api", Namespace: "messagestack"},
			Spec: appsv1.DeploymentSpec{Replicas: int32p(2)}, Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 2}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "demo-frontend", Namespace: "messagestack"},
			Spec: appsv1.DeploymentSpec{Replicas: int32p(2)}, Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 2}},
		dbPod("demo", 0, true, 0, "messagestack-worker", ""),
		dbPod("demo", 1, true, 1, "messagestack-worker2", ""),
		dbPod("demo", 2, false, 4, "messagestack-worker3", "CrashLoopBackOff"),
		dbPod("other", 0, true, 0, "messagestack-worker", ""),
	}
	// Events, deliberately not in time order.
	evs := []*corev1.Event{
		event("e01", "MessageStack", "demo", "Normal", "Created", "stack created", "2026-12-06T01:00:00Z", 1),
		event("e02", "StatefulSet", "demo-db", "Normal", "SuccessfulCreate", "create Pod demo-db-0 in StatefulSet demo-db successful", "2026-12-06T01:00:05Z", 1),
		event("e03", "StatefulSet", "demo-db", "Normal", "SuccessfulCreate", "create Pod demo-db-1 in StatefulSet demo-db successful", "2026-12-06T01:00:40Z", 1),
		event("e13", "Pod", "demo-db-2", "Warning", "BackOff", "Back-off restarting failed container database in pod demo-db-2", "2026-12-06T02:59:40Z", 4),
		event("e04", "StatefulSet", "demo-db", "Normal", "SuccessfulCreate", "create Pod demo-db-2 in StatefulSet demo-db successful", "2026-12-06T01:01:10Z", 1),
		event("e05", "MessageStack", "demo", "Normal", "Ready", "the stack is ready; the page is at http://127.0.0.1:8080", "2026-12-06T01:02:10Z", 1),
		event("e06", "Deployment", "demo-api", "Normal", "ScalingReplicaSet", "Scaled up replica set demo-api-7d9f to 2", "2026-12-06T01:01:30Z", 1),
		event("e07", "Pod", "demo-api-7d9f-x2k4", "Normal", "Pulled", "Container image \"messagestack/message-api:dev\" already present", "2026-12-06T01:01:31Z", 1),
		event("e08", "Pod", "demo-db-2", "Normal", "Killing", "Stopping container database", "2026-12-06T02:58:20Z", 1),
		event("e09", "MessageStack", "demo", "Warning", "NotReady", "DatabaseReady not true: 2/3 pods ready;\nGalera reports cluster size 2, Primary", "2026-12-06T02:58:30Z", 1),
		event("e10", "Pod", "demo-db-2", "Normal", "Started", "Started container database", "2026-12-06T02:58:45Z", 3),
		event("e11", "PersistentVolumeClaim", "data-demo-db-2", "Normal", "ExternalProvisioning", "waiting for a volume", "2026-12-06T01:01:05Z", 1),
		event("e12", "Pod", "demo-frontend-5c6b-abcd", "Normal", "Scheduled", "Successfully assigned messagestack/demo-frontend-5c6b-abcd to messagestack-worker", "2026-12-06T01:01:50Z", 1),
		event("x01", "MessageStack", "other", "Warning", "NotReady", "another stack's trouble", "2026-12-06T02:59:59Z", 1),
		event("x02", "Pod", "demo2-db-0", "Warning", "BackOff", "a stack whose name starts with demo", "2026-12-06T02:59:58Z", 1),
	}
	for _, e := range evs {
		objs = append(objs, e)
	}
	return Clients{Dynamic: dynClient(stack), Kube: fake.NewSimpleClientset(objs...)}
}

func TestGatherFixture(t *testing.T) {
	r, err := Gather(context.Background(), fixture(t), "messagestack", "demo")
	if err != nil {
		t.Fatal(err)
	}
	if r.Phase != "Degraded" || r.URL != "http://127.0.0.1:8080" || r.Engine != "mariadb-galera" {
		t.Errorf("phase/url/engine: %q %q %q", r.Phase, r.URL, r.Engine)
	}
	var types []string
	for _, c := range r.Conditions {
		types = append(types, c.Type)
	}
	if got := strings.Join(types, ","); got != "Ready,DatabaseReady,ProxyReady,ApiReady,FrontendReady" {
		t.Errorf("conditions in reading order: %s", got)
	}
	db := r.Components[0]
	if db.Object != "demo-db" || !db.Found || db.LiveReady != 2 || db.LiveWant != 3 || db.StatusReady != 2 || db.StatusDesired != 3 {
		t.Errorf("database component: %+v", db)
	}
	if len(r.DBPods) != 3 || r.DBPods[2].Name != "demo-db-2" || r.DBPods[2].Ready || r.DBPods[2].Restarts != 4 ||
		r.DBPods[2].Reason != "database: CrashLoopBackOff" {
		t.Errorf("database pods (other stack's excluded, ordered): %+v", r.DBPods)
	}
	if len(r.Events) != MaxEvents {
		t.Fatalf("events: %d, want %d", len(r.Events), MaxEvents)
	}
	for i := 1; i < len(r.Events); i++ {
		if r.Events[i].Last.Before(r.Events[i-1].Last) {
			t.Errorf("events not oldest first at %d", i)
		}
	}
	if last := r.Events[len(r.Events)-1]; last.Reason != "BackOff" || last.Object != "pod/demo-db-2" || last.Count != 4 {
		t.Errorf("newest event last: %+v", last)
	}
	for _, e := range r.Events {
		if strings.Contains(e.Message, "another stack") || strings.Contains(e.Object, "demo2") {
			t.Errorf("event of another stack shown: %+v", e)
		}
	}
	if r.Events[0].Object != "pvc/data-demo-db-2" || r.Events[1].Object != "sts/demo-db" ||
		!strings.Contains(r.Events[1].Message, "demo-db-2") {
		t.Errorf("the 10 newest are kept (the first a PVC's), the 3 oldest dropped: %+v", r.Events[:2])
	}
	wantGalera := []Field{{"clusterStatus", "Primary"}, {"clusterSize", "2"}, {"syncedNodes", "2"}}
	if fmt.Sprint(r.Galera) != fmt.Sprint(wantGalera) {
		t.Errorf("galera: %v, want %v", r.Galera, wantGalera)
	}
	problems := strings.Join(r.Problems, "\n")
	for _, want := range []string{"Ready=False (DatabaseNotReady)", "sts demo-db: 2 of 3 ready", "pod demo-db-2 not ready (Running, database: CrashLoopBackOff)"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
}

// The whole screen, compared with testdata/demo.golden (go test -update rewrites it).
func TestRenderGolden(t *testing.T) {
	r, err := Gather(context.Background(), fixture(t), "messagestack", "demo")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	Render(&buf, r, now)
	golden := filepath.Join("testdata", "demo.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./... -update once)", err)
	}
	if buf.String() != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, buf.String(), want)
	}
	if lines := strings.Count(buf.String(), "\n"); lines > 50 {
		t.Errorf("%d lines: no longer one screen", lines)
	}
}

func TestHealthyStackVerdictOK(t *testing.T) {
	stack := loadStack(t, "demo.yaml")
	st := stack.Object["status"].(map[string]interface{})
	st["phase"] = "Ready"
	st["database"] = map[string]interface{}{"ready": int64(3), "desired": int64(3)}
	st["galera"] = map[string]interface{}{"clusterSize": int64(3), "clusterStatus": "Primary", "syncedNodes": int64(3),
		"writer": "demo-db-1", "nodes": []interface{}{
			map[string]interface{}{"name": "demo-db-0", "state": "Synced", "seqno": int64(1042)},
			map[string]interface{}{"name": "demo-db-1", "state": "Synced", "seqno": int64(1042)},
		}}
	for _, c := range st["conditions"].([]interface{}) {
		m := c.(map[string]interface{})
		m["status"], m["reason"] = "True", m["type"]
	}
	// BackupFailing is healthy when False; the last backup is on the screen.
	st["conditions"] = append(st["conditions"].([]interface{}), map[string]interface{}{"type": "BackupFailing",
		"status": "False", "reason": "BackupSucceeded", "message": "the last successful backup is nightly-0300",
		"lastTransitionTime": "2026-12-06T02:10:00Z"})
	st["backup"] = map[string]interface{}{"lastSuccessfulBackup": "nightly-0300", "lastSuccessfulTime": "2026-12-06T02:10:00Z"}
	st["writer"] = map[string]interface{}{"pod": "demo-db-1", "reason": "Switchover"}
	kube := fake.NewSimpleClientset(
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "demo-db", Namespace: "messagestack"},
			Spec: appsv1.StatefulSetSpec{Replicas: int32p(3)}, Status: appsv1.StatefulSetStatus{ReadyReplicas: 3}},
		dbPod("demo", 0, true, 0, "w1", ""), dbPod("demo", 1, true, 0, "w2", ""), dbPod("demo", 2, true, 0, "w3", ""))
	r, err := Gather(context.Background(), Clients{Dynamic: dynClient(stack), Kube: kube}, "messagestack", "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 0 {
		t.Errorf("problems on a healthy stack: %v", r.Problems)
	}
	var buf bytes.Buffer
	Render(&buf, r, now)
	out := buf.String()
	for _, want := range []string{"Verdict: OK", "Writer: demo-db-1 (Switchover)", "Last backup: nightly-0300, finished 50m ago at 12-06 02:10:00Z",
		"BackupFailing  False", "writer=demo-db-1", "NAME", "SEQNO", "demo-db-1  1042", "proxy      deploy/demo-proxy     absent"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestNewStackWithoutStatus(t *testing.T) {
	stack := loadStack(t, "demo.yaml")
	delete(stack.Object, "status")
	r, err := Gather(context.Background(), Clients{Dynamic: dynClient(stack), Kube: fake.NewSimpleClientset()},
		"messagestack", "demo")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	Render(&buf, r, now)
	out := buf.String()
	for _, want := range []string{"no status yet: is the operator running and watching namespace messagestack?",
		"(no database pods)", "database   sts/demo-db", "absent"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestNotFoundNamesTheStack(t *testing.T) {
	_, err := Gather(context.Background(), Clients{Dynamic: dynClient(), Kube: fake.NewSimpleClientset()},
		"team-a", "nope")
	if err == nil || !strings.Contains(err.Error(), "MessageStack nope not found in namespace team-a") {
		t.Errorf("error: %v", err)
	}
}

func TestOnlyStack(t *testing.T) {
	a := loadStack(t, "demo.yaml")
	b := a.DeepCopy()
	b.SetName("blue")
	ctx := context.Background()
	if name, err := OnlyStack(ctx, Clients{Dynamic: dynClient(a)}, "messagestack"); err != nil || name != "demo" {
		t.Errorf("one stack: %q %v", name, err)
	}
	if _, err := OnlyStack(ctx, Clients{Dynamic: dynClient(a, b)}, "messagestack"); err == nil ||
		!strings.Contains(err.Error(), "name a MessageStack: blue, demo") {
		t.Errorf("two stacks: %v", err)
	}
	if _, err := OnlyStack(ctx, Clients{Dynamic: dynClient()}, "empty"); err == nil ||
		!strings.Contains(err.Error(), "no MessageStack in namespace empty") {
		t.Errorf("none: %v", err)
	}
}

// The plugin's GVR is the one the project's CRD serves (crds/ is generated from the Java types).
func TestGVRMatchesTheCRD(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "crds", "messagestacks.messagestack.io.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Group    string
			Names    struct{ Plural string }
			Versions []struct {
				Name    string
				Served  bool
				Storage bool
			}
		}
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	if crd.Spec.Group != GVR.Group || crd.Spec.Names.Plural != GVR.Resource {
		t.Errorf("CRD %s/%s, plugin %s/%s", crd.Spec.Group, crd.Spec.Names.Plural, GVR.Group, GVR.Resource)
	}
	served := false
	for _, v := range crd.Spec.Versions {
		if v.Name == GVR.Version && v.Served && v.Storage {
			served = true
		}
	}
	if !served {
		t.Errorf("the CRD does not serve and store %s: %+v", GVR.Version, crd.Spec.Versions)
	}
}

func TestAFailingBackupIsAProblem(t *testing.T) {
	stack := loadStack(t, "demo.yaml")
	st := stack.Object["status"].(map[string]interface{})
	st["conditions"] = []interface{}{map[string]interface{}{"type": "BackupFailing", "status": "True",
		"reason": "BackupFailed", "message": "backup b2 failed: 403 Forbidden"}}
	r, err := Gather(context.Background(), Clients{Dynamic: dynClient(stack), Kube: fake.NewSimpleClientset()},
		"messagestack", "demo")
	if err != nil {
		t.Fatal(err)
	}
	want := "BackupFailing=True (BackupFailed): backup b2 failed: 403 Forbidden"
	if !contains(r.Problems, want) {
		t.Fatalf("problems %v lack %q", r.Problems, want)
	}
}

// The operator defines its condition types in Conditions.java; every one must have its place on the screen, and
// its polarity here must match the Javadoc there ("True while ..." marks a problem).
func TestEveryOperatorConditionIsKnown(t *testing.T) {
	src, err := os.ReadFile("../../../operator/src/main/java/io/messagestack/operator/reconcile/Conditions.java")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)(/\*\*((?:[^*]|\*[^/])*)\*/\s*)?public static final String \w+ = "(\w+)";`)
	found := 0
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		found++
		typ, doc := m[3], m[2]
		if conditionRank(typ) == len(conditionOrder) {
			t.Errorf("condition %s of Conditions.java is not in conditionOrder", typ)
		}
		if want := strings.Contains(doc, "True while"); problemWhenTrue[typ] != want {
			t.Errorf("condition %s: problemWhenTrue=%v, but its Javadoc says True while...=%v", typ, problemWhenTrue[typ], want)
		}
	}
	if found < 8 {
		t.Fatalf("read %d condition types from Conditions.java, expected at least 8", found)
	}
}
