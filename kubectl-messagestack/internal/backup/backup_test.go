package backup

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
)

func fakeClient(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{StackGVR: "MessageStackList", BackupGVR: "MessageStackBackupList"}, objs...)
}

func stack(name string, spec map[string]interface{}) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": apiVersion, "kind": "MessageStack",
		"metadata": map[string]interface{}{"name": name, "namespace": "shop"},
		"spec":     spec,
	}}
}

func backupObj(name, stackName string, status map[string]interface{}) *unstructured.Unstructured {
	b := NewBackup("shop", stackName, name)
	if status != nil {
		b.Object["status"] = status
	}
	return b
}

func withBackup() map[string]interface{} {
	return map[string]interface{}{
		"database": map[string]interface{}{"replicas": int64(3)},
		"backup":   map[string]interface{}{"storage": map[string]interface{}{"s3": map[string]interface{}{"bucket": "b"}}},
	}
}

func TestNewBackupNamedOrGenerated(t *testing.T) {
	named := NewBackup("shop", "demo", "before-migration")
	if named.GetName() != "before-migration" || named.GetGenerateName() != "" {
		t.Fatalf("named: %v", named.Object["metadata"])
	}
	gen := NewBackup("shop", "demo", "")
	if gen.GetName() != "" || gen.GetGenerateName() != "demo-" {
		t.Fatalf("generated: %v", gen.Object["metadata"])
	}
	if s, _, _ := unstructured.NestedString(gen.Object, "spec", "stack"); s != "demo" {
		t.Fatalf("spec.stack = %q", s)
	}
}

func TestRequest(t *testing.T) {
	cases := []struct {
		name    string
		objs    []runtime.Object
		wantErr string
	}{
		{"stack with storage: created", []runtime.Object{stack("demo", withBackup())}, ""},
		{"no such stack", nil, `no MessageStack "demo" in namespace "shop"`},
		{"stack without spec.backup", []runtime.Object{stack("demo", map[string]interface{}{})}, "has no spec.backup.storage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dyn := fakeClient(c.objs...)
			got, err := Request(context.Background(), dyn, "shop", "demo", "manual-1")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				list, _ := dyn.Resource(BackupGVR).Namespace("shop").List(context.Background(), metav1.ListOptions{})
				if len(list.Items) != 0 {
					t.Fatalf("a refused request created %d backups", len(list.Items))
				}
				return
			}
			if err != nil || got.GetName() != "manual-1" {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

func TestWaitReturnsAtAFinalPhase(t *testing.T) {
	b := backupObj("manual-1", "demo", map[string]interface{}{"phase": "Running"})
	dyn := fakeClient(b)
	go func() {
		time.Sleep(30 * time.Millisecond)
		done := backupObj("manual-1", "demo", map[string]interface{}{"phase": "Completed", "size": int64(1300000)})
		_, _ = dyn.Resource(BackupGVR).Namespace("shop").Update(context.Background(), done, metav1.UpdateOptions{})
	}()
	var seen []string
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := Wait(ctx, dyn, "shop", "manual-1", 10*time.Millisecond, func(p string) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "Running,Completed" {
		t.Fatalf("phases seen: %v", seen)
	}
	if !strings.Contains(Summary(got), "Completed, size 1.3 MB") {
		t.Fatalf("summary: %s", Summary(got))
	}
}

func TestWaitGivesUpWithThePhase(t *testing.T) {
	dyn := fakeClient(backupObj("manual-1", "demo", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Wait(ctx, dyn, "shop", "manual-1", 10*time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "still Pending") {
		t.Fatalf("err = %v", err)
	}
}

func TestSummary(t *testing.T) {
	cases := []struct {
		name   string
		status map[string]interface{}
		want   string
	}{
		{"no status", nil, "backup b1 of stack demo: Pending (no status yet)"},
		{"completed", map[string]interface{}{"phase": "Completed", "size": int64(999), "node": "demo-db-2",
			"position": map[string]interface{}{"uuid": "u-1", "seqno": int64(42)}, "location": "s3://b/shop/demo/backups/b1"},
			"backup b1 of stack demo: Completed, size 999 B, position u-1:42, from demo-db-2, at s3://b/shop/demo/backups/b1"},
		{"failed", map[string]interface{}{"phase": "Failed", "reason": "AccessDenied"},
			"backup b1 of stack demo: Failed, reason: AccessDenied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Summary(backupObj("b1", "demo", c.status)); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1_300_000: "1.3 MB", 2_500_000_000: "2.5 GB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRestoreStack(t *testing.T) {
	completed := backupObj("b1", "demo", map[string]interface{}{"phase": "Completed"})
	full := withBackup()
	full["vip"] = map[string]interface{}{"enabled": true, "frontendAddress": "172.18.0.200"}
	full["frontend"] = map[string]interface{}{"service": map[string]interface{}{"type": "NodePort", "nodePort": int64(30080)}}
	full["database"].(map[string]interface{})["restore"] = map[string]interface{}{"backup": "older"}
	cases := []struct {
		name        string
		source      *unstructured.Unstructured
		backup      *unstructured.Unstructured
		newName     string
		wantErr     string
		wantDropped int
	}{
		{"copies the spec and names the backup", stack("demo", withBackup()), completed, "demo-restored", "", 0},
		{"drops what two stacks cannot share, replaces an old restore", stack("demo", full), completed, "demo-restored", "", 2},
		{"a running backup is refused", stack("demo", withBackup()),
			backupObj("b1", "demo", map[string]interface{}{"phase": "Running"}), "demo-restored", "is Running, not Completed", 0},
		{"a failed backup is refused", stack("demo", withBackup()),
			backupObj("b1", "demo", map[string]interface{}{"phase": "Failed"}), "demo-restored", "is Failed, not Completed", 0},
		{"the source's own name is refused", stack("demo", withBackup()), completed, "demo", "creates a NEW stack", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, dropped, err := RestoreStack(c.source, c.backup, c.newName, "", "")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(dropped) != c.wantDropped {
				t.Fatalf("dropped = %v", dropped)
			}
			if r, _, _ := unstructured.NestedString(got.Object, "spec", "database", "restore", "backup"); r != "b1" {
				t.Fatalf("spec.database.restore.backup = %q", r)
			}
			if n, _, _ := unstructured.NestedInt64(got.Object, "spec", "database", "replicas"); n != 3 {
				t.Fatalf("spec.database.replicas not copied: %v", got.Object["spec"])
			}
			if _, found, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", "vip"); found {
				t.Fatal("spec.vip copied")
			}
			if _, found, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", "frontend", "service", "nodePort"); found {
				t.Fatal("nodePort copied")
			}
			if got.GetName() != c.newName || got.GetNamespace() != "shop" {
				t.Fatalf("metadata: %v", got.Object["metadata"])
			}
			// The copy leaves the source object as it was.
			if r, _, _ := unstructured.NestedString(c.source.Object, "spec", "database", "restore", "backup"); r == "b1" {
				t.Fatal("the source stack's spec was changed")
			}
		})
	}
}

func TestRestoreStackToAPointInTime(t *testing.T) {
	completed := backupObj("b1", "demo", map[string]interface{}{"phase": "Completed", "endTime": "2026-12-06T14:00:00Z"})
	got, _, err := RestoreStack(stack("demo", withBackup()), completed, "demo-at", "", "2026-12-06T14:30:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if at, _, _ := unstructured.NestedString(got.Object, "spec", "database", "restore", "pointInTime"); at != "2026-12-06T14:30:00Z" {
		t.Fatalf("spec.database.restore.pointInTime = %q", at)
	}
	for at, want := range map[string]string{"2026-12-06 14:30:00": "not an RFC 3339 time", "2026-12-06T13:59:59Z": "before backup b1 ended"} {
		if _, _, err := RestoreStack(stack("demo", withBackup()), completed, "demo-at", "", at); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", at, err, want)
		}
	}
	got, _, _ = RestoreStack(stack("demo", withBackup()), completed, "demo-whole", "", "")
	if _, found, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", "database", "restore", "pointInTime"); found {
		t.Fatal("no --to-time: the whole backup")
	}
}

func TestRestoreCreatesOrExplains(t *testing.T) {
	completed := backupObj("b1", "demo", map[string]interface{}{"phase": "Completed", "location": "s3://b/shop/demo/backups/b1"})
	dyn := fakeClient(stack("demo", withBackup()), completed)
	if _, _, err := Restore(context.Background(), dyn, nil, "shop", "b1", "demo2", "", "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(StackGVR).Namespace("shop").Get(context.Background(), "demo2", metav1.GetOptions{}); err == nil {
		t.Fatal("--dry-run created the stack")
	}
	if _, _, err := Restore(context.Background(), dyn, nil, "shop", "b1", "demo2", "", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(StackGVR).Namespace("shop").Get(context.Background(), "demo2", metav1.GetOptions{}); err != nil {
		t.Fatalf("not created: %v", err)
	}
	orphan := fakeClient(completed)
	_, _, err := Restore(context.Background(), orphan, nil, "shop", "b1", "demo2", "", "", false)
	if err == nil || !strings.Contains(err.Error(), "spec.database.restore.location") || !strings.Contains(err.Error(), "s3://b/shop/demo/backups/b1") {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := Restore(context.Background(), orphan, nil, "shop", "nope", "demo2", "", "", false); err == nil || !strings.Contains(err.Error(), `no MessageStackBackup "nope"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestRestoreIntoAnotherNamespaceReadsTheStore(t *testing.T) {
	completed := backupObj("b1", "demo", map[string]interface{}{"phase": "Completed"})
	spec := withBackup()
	spec["backup"].(map[string]interface{})["storage"].(map[string]interface{})["s3"] = map[string]interface{}{
		"endpoint": "http://s3:7070", "bucket": "b", "prefix": "team", "credentialsSecret": map[string]interface{}{"name": "backup-s3"}}
	got, _, err := RestoreStack(stack("demo", spec), completed, "demo", "staging", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.GetNamespace() != "staging" {
		t.Fatalf("namespace %q", got.GetNamespace())
	}
	loc, _, _ := unstructured.NestedMap(got.Object, "spec", "database", "restore", "location")
	if loc["path"] != "shop/demo/backups/b1" {
		t.Fatalf("path %v", loc["path"])
	}
	if b, _, _ := unstructured.NestedString(loc, "s3", "bucket"); b != "b" {
		t.Fatalf("s3 %v", loc["s3"])
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", "database", "restore", "backup"); found {
		t.Fatal("restore.backup set beside location")
	}

	pvc := withBackup()
	pvc["backup"] = map[string]interface{}{"storage": map[string]interface{}{"pvc": map[string]interface{}{"claimName": "backups"}}}
	if _, _, err := RestoreStack(stack("demo", pvc), completed, "demo2", "staging", ""); err == nil ||
		!strings.Contains(err.Error(), "another namespace cannot mount") {
		t.Fatalf("err = %v", err)
	}

	// The credentials Secret must be in the target namespace.
	dyn := fakeClient(stack("demo", spec), completed)
	_, _, err = Restore(context.Background(), dyn, kubefake.NewSimpleClientset(), "shop", "b1", "demo", "staging", "", false)
	if err == nil || !strings.Contains(err.Error(), `namespace staging has no Secret "backup-s3"`) {
		t.Fatalf("err = %v", err)
	}
	kube := kubefake.NewSimpleClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "backup-s3", Namespace: "staging"}})
	if _, _, err := Restore(context.Background(), dyn, kube, "shop", "b1", "demo", "staging", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(StackGVR).Namespace("staging").Get(context.Background(), "demo", metav1.GetOptions{}); err != nil {
		t.Fatalf("not created in staging: %v", err)
	}
}
