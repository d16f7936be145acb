// Package switchover is `kubectl messagestack switchover`: it asks the operator to move HAProxy's writer to a
// named database pod (the annotation messagestack.io/switchover-to, docs/operator.md) and, with --wait, reports
// the operator's answer from status.writer.lastRequest: Switched, or Refused with the reason.
package switchover

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// Annotation is the request the operator acts on (operator/.../proxy/WriterSwitchover.java).
const Annotation = "messagestack.io/switchover-to"

var stackGVR = schema.GroupVersionResource{Group: "messagestack.io", Version: "v1alpha1", Resource: "messagestacks"}

// Answer is the operator's reply to one request, from status.writer.lastRequest.
type Answer struct {
	Target, Outcome, Reason, Message, Time string
}

// Switched is true when the operator moved the writer.
func (a Answer) Switched() bool { return a.Outcome == "Switched" }

// Patch is the merge patch that asks for the switchover.
func Patch(pod string) ([]byte, error) {
	return json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"annotations": map[string]string{Annotation: pod}}})
}

// LastAnswer reads status.writer.lastRequest ("" fields when there is none) and the current writer.
func LastAnswer(stack *unstructured.Unstructured) (answer Answer, writer string) {
	get := func(path ...string) string {
		v, _, _ := unstructured.NestedString(stack.Object, append([]string{"status", "writer"}, path...)...)
		return v
	}
	return Answer{Target: get("lastRequest", "target"), Outcome: get("lastRequest", "outcome"),
		Reason: get("lastRequest", "reason"), Message: get("lastRequest", "message"), Time: get("lastRequest", "time")}, get("pod")
}

// Request annotates the stack and returns the answer that was there before (Wait waits for a newer one).
func Request(ctx context.Context, dyn dynamic.Interface, ns, name, pod string) (Answer, error) {
	stack, err := dyn.Resource(stackGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return Answer{}, err
	}
	before, _ := LastAnswer(stack)
	patch, err := Patch(pod)
	if err != nil {
		return Answer{}, err
	}
	_, err = dyn.Resource(stackGVR).Namespace(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return before, err
}

// Wait polls until status.writer.lastRequest is a new answer for pod (or ctx ends).
func Wait(ctx context.Context, dyn dynamic.Interface, ns, name, pod string, before Answer, every time.Duration) (Answer, string, error) {
	for {
		stack, err := dyn.Resource(stackGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return Answer{}, "", err
		}
		answer, writer := LastAnswer(stack)
		if answer.Target == pod && answer != before {
			return answer, writer, nil
		}
		select {
		case <-ctx.Done():
			return Answer{}, writer, fmt.Errorf("no answer from the operator yet (is it running?): %w", ctx.Err())
		case <-time.After(every):
		}
	}
}
