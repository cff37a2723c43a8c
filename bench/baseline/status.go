// The Website's spec defaults and status, computed exactly as reconcilers/website/src/index.ts computes them.
package main

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const defaultImage = "nginx:1.27-alpine"

type websiteSpec struct {
	Image    string
	Replicas int32
	HTML     *string
	Expose   bool
}

func specOf(w *Website) websiteSpec {
	s := websiteSpec{Image: w.Spec.Image, Replicas: 1, HTML: w.Spec.HTML, Expose: true}
	if s.Image == "" {
		s.Image = defaultImage
	}
	if w.Spec.Replicas != nil {
		s.Replicas = *w.Spec.Replicas
	}
	if w.Spec.Expose != nil {
		s.Expose = *w.Spec.Expose
	}
	return s
}

// observed is what a reconcile saw: the Website and the children that existed before it wrote anything.
type observed struct {
	website    *Website
	deployment *appsv1.Deployment // nil when absent
	service    *corev1.Service    // nil when absent
	configMap  *corev1.ConfigMap  // nil when absent
}

// statusOf is the TypeScript reconciler's status: replicas, readyReplicas, one Ready condition,
// observedGeneration, and url when exposed.
func statusOf(o observed, spec websiteSpec) WebsiteStatus {
	w, d := o.website, o.deployment
	var ready, updated int32
	current := false
	if d != nil {
		ready, updated = d.Status.ReadyReplicas, d.Status.UpdatedReplicas
		current = d.Status.ObservedGeneration >= d.Generation
	}
	msg := fmt.Sprintf("%d/%d replicas ready", ready, spec.Replicas)
	cond := metav1.Condition{Type: "Ready", ObservedGeneration: w.Generation}
	switch {
	case d == nil:
		cond.Status, cond.Reason = metav1.ConditionFalse, "DeploymentPending"
		cond.Message = fmt.Sprintf("Deployment %s does not exist yet", w.Name)
	case current && ready >= spec.Replicas && updated >= spec.Replicas:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, "ReplicasReady", msg
	default:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "RolloutInProgress", msg
	}
	if prior := meta.FindStatusCondition(w.Status.Conditions, "Ready"); prior != nil && prior.Status == cond.Status {
		cond.LastTransitionTime = prior.LastTransitionTime
	} else {
		cond.LastTransitionTime = observedAt(o)
	}
	status := WebsiteStatus{
		ObservedGeneration: &w.Generation,
		Replicas:           spec.Replicas,
		ReadyReplicas:      ready,
		Conditions:         []metav1.Condition{cond},
	}
	if spec.Expose {
		status.URL = fmt.Sprintf("http://%s.%s.svc.cluster.local", w.Name, w.Namespace)
	}
	return status
}

// observedAt stamps a condition transition the way the SDK does (reconcilers/sdk/conditions.ts):
// not with a clock but with the newest timestamp among the objects the reconcile saw, so the same
// observations always give the same status. managedFields are stripped from the cache, as the
// relay strips them before a reconciler sees them.
func observedAt(o observed) metav1.Time {
	latest := time.Unix(0, 0).UTC()
	consider := func(t *metav1.Time) {
		if t != nil && t.After(latest) {
			latest = t.Time
		}
	}
	stamps := func(m *metav1.ObjectMeta) {
		consider(&m.CreationTimestamp)
		consider(m.DeletionTimestamp)
	}
	stamps(&o.website.ObjectMeta)
	for i := range o.website.Status.Conditions {
		consider(&o.website.Status.Conditions[i].LastTransitionTime)
	}
	if d := o.deployment; d != nil {
		stamps(&d.ObjectMeta)
		for i := range d.Status.Conditions {
			consider(&d.Status.Conditions[i].LastTransitionTime)
			consider(&d.Status.Conditions[i].LastUpdateTime)
		}
	}
	if s := o.service; s != nil {
		stamps(&s.ObjectMeta)
		for i := range s.Status.Conditions {
			consider(&s.Status.Conditions[i].LastTransitionTime)
		}
	}
	if c := o.configMap; c != nil {
		stamps(&c.ObjectMeta)
	}
	return metav1.NewTime(latest)
}

// readyEvent is the Event the TypeScript reconciler records: only when Ready flips, so repeated
// reconciles of the same state record nothing. It returns ok=false when there is none.
func readyEvent(w *Website, next metav1.Condition) (eventType, reason, message string, ok bool) {
	key := w.Namespace + "/" + w.Name
	before := ""
	if prior := meta.FindStatusCondition(w.Status.Conditions, "Ready"); prior != nil {
		before = string(prior.Status)
	}
	switch {
	case before == string(next.Status):
		return "", "", "", false
	case next.Status == metav1.ConditionTrue:
		return corev1.EventTypeNormal, "Ready", fmt.Sprintf("Website %s is ready: %s", key, next.Message), true
	case before == string(metav1.ConditionTrue):
		return corev1.EventTypeWarning, "NotReady", fmt.Sprintf("Website %s is not ready: %s", key, next.Message), true
	}
	return "", "", "", false
}
