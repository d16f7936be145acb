package switchover

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
)

func stack(writer map[string]interface{}) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "messagestack.io/v1alpha1", "kind": "MessageStack",
		"metadata": map[string]interface{}{"name": "demo", "namespace": "shop"},
	}}
	if writer != nil {
		u.Object["status"] = map[string]interface{}{"writer": writer}
	}
	return u
}

func client(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{stackGVR: "MessageStackList"}, objs...)
}

func TestPatchNamesThePod(t *testing.T) {
	p, err := Patch("demo-db-1")
	if err != nil || string(p) != `{"metadata":{"annotations":{"messagestack.io/switchover-to":"demo-db-1"}}}` {
		t.Fatalf("%s %v", p, err)
	}
}

func TestLastAnswer(t *testing.T) {
	cases := []struct {
		name       string
		writer     map[string]interface{}
		want       Answer
		wantWriter string
	}{
		{"no status", nil, Answer{}, ""},
		{"initial writer, no request", map[string]interface{}{"pod": "demo-db-0", "reason": "Initial"}, Answer{}, "demo-db-0"},
		{"refused", map[string]interface{}{"pod": "demo-db-0", "lastRequest": map[string]interface{}{"target": "demo-db-7",
			"outcome": "Refused", "reason": "SwitchoverTargetNotFound", "message": "not a node", "time": "T1"}},
			Answer{"demo-db-7", "Refused", "SwitchoverTargetNotFound", "not a node", "T1"}, "demo-db-0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, writer := LastAnswer(stack(c.writer))
			if got != c.want || writer != c.wantWriter {
				t.Fatalf("got %+v %q", got, writer)
			}
		})
	}
}

func TestRequestThenWaitForANewAnswer(t *testing.T) {
	old := map[string]interface{}{"pod": "demo-db-0", "lastRequest": map[string]interface{}{"target": "demo-db-1",
		"outcome": "Switched", "time": "T0"}}
	dyn := client(stack(old))
	before, err := Request(context.Background(), dyn, "shop", "demo", "demo-db-1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := dyn.Resource(stackGVR).Namespace("shop").Get(context.Background(), "demo", metav1.GetOptions{})
	if got.GetAnnotations()[Annotation] != "demo-db-1" {
		t.Fatalf("annotations %v", got.GetAnnotations())
	}
	// The same target answered before must not count as this request's answer: only a newer one.
	go func() {
		time.Sleep(30 * time.Millisecond)
		done := stack(map[string]interface{}{"pod": "demo-db-1", "lastRequest": map[string]interface{}{"target": "demo-db-1",
			"outcome": "Switched", "reason": "Switchover", "time": "T2"}})
		_, _ = dyn.Resource(stackGVR).Namespace("shop").Update(context.Background(), done, metav1.UpdateOptions{})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, writer, err := Wait(ctx, dyn, "shop", "demo", "demo-db-1", before, 10*time.Millisecond)
	if err != nil || !answer.Switched() || answer.Time != "T2" || writer != "demo-db-1" {
		t.Fatalf("%+v %q %v", answer, writer, err)
	}
}

func TestWaitWithoutAnOperatorSaysSo(t *testing.T) {
	dyn := client(stack(nil))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := Wait(ctx, dyn, "shop", "demo", "demo-db-1", Answer{}, 10*time.Millisecond); err == nil ||
		!strings.Contains(err.Error(), "no answer from the operator") {
		t.Fatalf("err = %v", err)
	}
}
