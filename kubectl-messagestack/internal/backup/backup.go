// Package backup is `kubectl messagestack backup` and `kubectl messagestack restore`: an on-demand
// MessageStackBackup (what the schedule also creates), and a new MessageStack filled from a Completed one.
//
// Both only create objects; the operator does the work and writes their status. Nothing here deletes anything.
package backup

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// GVRs of the two custom resources (crds/).
var (
	StackGVR  = schema.GroupVersionResource{Group: "messagestack.io", Version: "v1alpha1", Resource: "messagestacks"}
	BackupGVR = schema.GroupVersionResource{Group: "messagestack.io", Version: "v1alpha1", Resource: "messagestackbackups"}
)

const apiVersion = "messagestack.io/v1alpha1"

// Phases of a MessageStackBackup that do not change any more (MessageStackBackupStatus in the operator).
const (
	PhaseCompleted = "Completed"
	PhaseFailed    = "Failed"
)

// NewBackup is the on-demand MessageStackBackup of stack: named name, or, when name is empty, a name the API
// server generates from the stack's.
func NewBackup(ns, stack, name string) *unstructured.Unstructured {
	meta := map[string]interface{}{"namespace": ns}
	if name != "" {
		meta["name"] = name
	} else {
		meta["generateName"] = stack + "-"
	}
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": apiVersion,
		"kind":       "MessageStackBackup",
		"metadata":   meta,
		"spec":       map[string]interface{}{"stack": stack},
	}}
}

// Request creates the backup after checking what the operator would otherwise only report later: that the stack
// exists and says where its backups go (spec.backup.storage).
func Request(ctx context.Context, dyn dynamic.Interface, ns, stack, name string) (*unstructured.Unstructured, error) {
	src, err := dyn.Resource(StackGVR).Namespace(ns).Get(ctx, stack, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("no MessageStack %q in namespace %q", stack, ns)
	}
	if err != nil {
		return nil, err
	}
	if _, found, _ := unstructured.NestedMap(src.Object, "spec", "backup", "storage"); !found {
		return nil, fmt.Errorf("MessageStack %s/%s has no spec.backup.storage: set where its backups go first", ns, stack)
	}
	return dyn.Resource(BackupGVR).Namespace(ns).Create(ctx, NewBackup(ns, stack, name), metav1.CreateOptions{})
}

// Wait polls the backup until it is Completed or Failed (or ctx ends); progress sees each new phase.
func Wait(ctx context.Context, dyn dynamic.Interface, ns, name string, every time.Duration, progress func(phase string)) (*unstructured.Unstructured, error) {
	last := ""
	for {
		b, err := dyn.Resource(BackupGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		phase, _, _ := unstructured.NestedString(b.Object, "status", "phase")
		if phase != last && progress != nil {
			progress(phase)
		}
		last = phase
		if phase == PhaseCompleted || phase == PhaseFailed {
			return b, nil
		}
		select {
		case <-ctx.Done():
			return b, fmt.Errorf("backup %s/%s still %s: %w", ns, name, orPending(phase), ctx.Err())
		case <-time.After(every):
		}
	}
}

// Summary is one line about a backup, for a person: its phase and, when it has them, size, position, node and
// location, or the reason it failed.
func Summary(b *unstructured.Unstructured) string {
	st := func(path ...string) string {
		v, _, _ := unstructured.NestedFieldNoCopy(b.Object, append([]string{"status"}, path...)...)
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	phase := orPending(st("phase"))
	parts := []string{fmt.Sprintf("backup %s of stack %s: %s", b.GetName(), stackOf(b), phase)}
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+" "+v)
		}
	}
	if size, ok, _ := unstructured.NestedInt64(b.Object, "status", "size"); ok {
		parts = append(parts, "size "+HumanBytes(size))
	}
	if uuid, seqno := st("position", "uuid"), st("position", "seqno"); uuid != "" {
		parts = append(parts, "position "+uuid+":"+seqno)
	}
	add("from", st("node"))
	add("at", st("location"))
	add("reason:", st("reason"))
	return strings.Join(parts, ", ")
}

// RestoreStack is the new MessageStack newName in namespace targetNS filled from backup: the spec of the stack
// the backup was taken of, with spec.database.restore naming the backup (same namespace) or its location in the
// source's S3 store (another namespace: the backup object and a volume cannot be read across namespaces, a
// bucket can). What two stacks cannot share is left out, each named in dropped: the virtual IPs (spec.vip) and a
// fixed frontend NodePort. A backup that is not Completed is refused. pointInTime ("" for the whole backup) is
// spec.database.restore.pointInTime: an RFC 3339 time at or after the backup's end (the operator and the restore
// check the archive reaches it).
func RestoreStack(source, backup *unstructured.Unstructured, newName, targetNS, pointInTime string) (stack *unstructured.Unstructured, dropped []string, err error) {
	if phase, _, _ := unstructured.NestedString(backup.Object, "status", "phase"); phase != PhaseCompleted {
		return nil, nil, fmt.Errorf("backup %s is %s, not Completed: only a complete backup can be restored", backup.GetName(), orPending(phase))
	}
	if pointInTime != "" {
		at, perr := time.Parse(time.RFC3339, pointInTime)
		if perr != nil {
			return nil, nil, fmt.Errorf("--to-time %q is not an RFC 3339 time such as 2026-12-06T14:30:00Z", pointInTime)
		}
		end, _, _ := unstructured.NestedString(backup.Object, "status", "endTime")
		if e, eerr := time.Parse(time.RFC3339, end); eerr == nil && at.Before(e) {
			return nil, nil, fmt.Errorf("--to-time %s is before backup %s ended (%s): choose an earlier backup", pointInTime, backup.GetName(), end)
		}
	}
	if targetNS == "" {
		targetNS = source.GetNamespace()
	}
	if source.GetName() == newName && source.GetNamespace() == targetNS {
		return nil, nil, fmt.Errorf("a restore creates a NEW stack: %q is the stack the backup was taken of", newName)
	}
	restore := map[string]interface{}{"backup": backup.GetName()}
	if targetNS != source.GetNamespace() {
		s3, found, _ := unstructured.NestedMap(source.Object, "spec", "backup", "storage", "s3")
		if !found {
			return nil, nil, fmt.Errorf("backup %s is on a volume of namespace %s, which another namespace cannot mount:"+
				" restore into %s", backup.GetName(), source.GetNamespace(), source.GetNamespace())
		}
		restore = map[string]interface{}{"location": map[string]interface{}{"s3": s3,
			"path": source.GetNamespace() + "/" + source.GetName() + "/backups/" + backup.GetName()}}
	}
	spec, found, err := unstructured.NestedMap(source.Object, "spec")
	if err != nil || !found {
		return nil, nil, fmt.Errorf("MessageStack %s has no readable spec", source.GetName())
	}
	if _, ok := spec["vip"]; ok {
		delete(spec, "vip")
		dropped = append(dropped, "spec.vip (the virtual IPs belong to "+source.GetName()+")")
	}
	if _, ok, _ := unstructured.NestedFieldNoCopy(spec, "frontend", "service", "nodePort"); ok {
		unstructured.RemoveNestedField(spec, "frontend", "service", "nodePort")
		dropped = append(dropped, "spec.frontend.service.nodePort (taken by "+source.GetName()+")")
	}
	db, _, _ := unstructured.NestedMap(spec, "database")
	if db == nil {
		db = map[string]interface{}{}
	}
	if pointInTime != "" {
		restore["pointInTime"] = pointInTime
	}
	db["restore"] = restore
	spec["database"] = db
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": apiVersion,
		"kind":       "MessageStack",
		"metadata":   map[string]interface{}{"name": newName, "namespace": targetNS},
		"spec":       spec,
	}}, dropped, nil
}

// Restore reads the backup and its stack (in ns) and creates the new stack in targetNS ("" = ns), or, with
// dryRun, only returns it. Into another namespace, the credentials Secret the S3 location names must exist there.
func Restore(ctx context.Context, dyn dynamic.Interface, kube kubernetes.Interface, ns, backupName, newName, targetNS, pointInTime string,
	dryRun bool) (*unstructured.Unstructured, []string, error) {
	b, err := dyn.Resource(BackupGVR).Namespace(ns).Get(ctx, backupName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil, fmt.Errorf("no MessageStackBackup %q in namespace %q", backupName, ns)
	}
	if err != nil {
		return nil, nil, err
	}
	src, err := dyn.Resource(StackGVR).Namespace(ns).Get(ctx, stackOf(b), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil, fmt.Errorf("the stack %q that backup %s was taken of is gone: write the new MessageStack yourself with"+
			" spec.database.restore.location (the backup's folder: %s)", stackOf(b), backupName, orUnknown(b))
	}
	if err != nil {
		return nil, nil, err
	}
	stack, dropped, err := RestoreStack(src, b, newName, targetNS, pointInTime)
	if err != nil {
		return nil, nil, err
	}
	if secret, found, _ := unstructured.NestedString(stack.Object, "spec", "database", "restore", "location", "s3",
		"credentialsSecret", "name"); found && kube != nil {
		if _, err := kube.CoreV1().Secrets(stack.GetNamespace()).Get(ctx, secret, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return nil, nil, fmt.Errorf("namespace %s has no Secret %q with the store's keys (AWS_ACCESS_KEY_ID,"+
				" AWS_SECRET_ACCESS_KEY): copy it from namespace %s first", stack.GetNamespace(), secret, ns)
		} else if err != nil {
			return nil, nil, err
		}
	}
	if dryRun {
		return stack, dropped, nil
	}
	created, err := dyn.Resource(StackGVR).Namespace(stack.GetNamespace()).Create(ctx, stack, metav1.CreateOptions{})
	return created, dropped, err
}

// HumanBytes writes a byte count the way people read it (1.3 MB); decimal units.
func HumanBytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n), ""
	for _, u := range []string{"kB", "MB", "GB", "TB", "PB"} {
		v, unit = v/1000, u
		if v < 1000 {
			break
		}
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

func stackOf(b *unstructured.Unstructured) string {
	s, _, _ := unstructured.NestedString(b.Object, "spec", "stack")
	return s
}

// PhaseOf is the backup's status.phase ("" before the operator has written one).
func PhaseOf(b *unstructured.Unstructured) string {
	p, _, _ := unstructured.NestedString(b.Object, "status", "phase")
	return p
}

// PhaseText is a phase for a person: a backup without status yet is Pending.
func PhaseText(phase string) string { return orPending(phase) }

func orPending(phase string) string {
	if phase == "" {
		return "Pending (no status yet)"
	}
	return phase
}

func orUnknown(b *unstructured.Unstructured) string {
	if loc, _, _ := unstructured.NestedString(b.Object, "status", "location"); loc != "" {
		return loc
	}
	return "unknown"
}
