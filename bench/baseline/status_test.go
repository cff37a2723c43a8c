// Tests of the Website status and Events: the same cases as the TypeScript reconciler's.
package main

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func at(s string) metav1.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return metav1.NewTime(t)
}

func site() *Website {
	return &Website{ObjectMeta: metav1.ObjectMeta{
		Name: "hello", Namespace: "web", Generation: 3, CreationTimestamp: at("2026-01-01T00:00:00Z"),
	}, Spec: WebsiteSpec{Replicas: ptr.To(int32(2))}}
}

func TestStatusWithoutDeploymentIsPendingStampedFromTheObjects(t *testing.T) {
	w := site()
	s := statusOf(observed{website: w}, specOf(w))
	c := s.Conditions[0]
	if c.Reason != "DeploymentPending" || c.Status != metav1.ConditionFalse || c.Message != "Deployment hello does not exist yet" {
		t.Fatalf("condition %+v", c)
	}
	if !c.LastTransitionTime.Equal(ptr.To(at("2026-01-01T00:00:00Z"))) || c.ObservedGeneration != 3 {
		t.Fatalf("stamp %v generation %d", c.LastTransitionTime, c.ObservedGeneration)
	}
	if s.URL != "http://hello.web.svc.cluster.local" || s.Replicas != 2 || *s.ObservedGeneration != 3 {
		t.Fatalf("status %+v", s)
	}
}

func TestStatusReadyKeepsTheTransitionTimeWhileUnchanged(t *testing.T) {
	w := site()
	w.Spec.Expose = ptr.To(false)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Generation: 1, CreationTimestamp: at("2026-01-02T00:00:00Z")},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, ReadyReplicas: 2, UpdatedReplicas: 2,
			Conditions: []appsv1.DeploymentCondition{{LastUpdateTime: at("2026-01-03T00:00:00Z")}}},
	}
	first := statusOf(observed{website: w, deployment: d}, specOf(w))
	c := first.Conditions[0]
	if c.Reason != "ReplicasReady" || c.Message != "2/2 replicas ready" || first.URL != "" {
		t.Fatalf("status %+v", first)
	}
	if !c.LastTransitionTime.Equal(ptr.To(at("2026-01-03T00:00:00Z"))) {
		t.Fatalf("stamp %v", c.LastTransitionTime)
	}
	if typ, reason, _, ok := readyEvent(w, c); !ok || typ != "Normal" || reason != "Ready" {
		t.Fatalf("event %s %s %v", typ, reason, ok)
	}
	w.Status = first
	d.Status.Conditions[0].LastUpdateTime = at("2026-01-04T00:00:00Z")
	again := statusOf(observed{website: w, deployment: d}, specOf(w))
	if !again.Conditions[0].LastTransitionTime.Equal(&c.LastTransitionTime) {
		t.Fatalf("transition time moved: %v", again.Conditions[0].LastTransitionTime)
	}
	if _, _, _, ok := readyEvent(w, again.Conditions[0]); ok {
		t.Fatal("an event although Ready did not flip")
	}
	d.Status.ReadyReplicas = 1
	lost := statusOf(observed{website: w, deployment: d}, specOf(w)).Conditions[0]
	if typ, reason, msg, ok := readyEvent(w, lost); !ok || typ != "Warning" || reason != "NotReady" ||
		msg != "Website web/hello is not ready: 1/2 replicas ready" {
		t.Fatalf("event %s %s %q %v", typ, reason, msg, ok)
	}
}
