// WebsiteReconciler: the controller-runtime twin of reconcilers/website (same children, labels, status and Events).
package main

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// WebsiteReconciler reconciles one Website: CreateOrUpdate of each desired child (reads from the
// cache, writes only what differs), delete of children no longer desired, then the status
// subresource when it differs, then an Event when Ready flips. Errors are returned, so
// controller-runtime retries them with its per-key exponential backoff.
type WebsiteReconciler struct {
	client.Client
	Recorder events.EventRecorder
	// RequeueAfter is 0 in watch mode; in percona mode every reconcile of an existing Website
	// asks to run again after it, as the Percona operators do.
	RequeueAfter time.Duration
}

func (r *WebsiteReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var w Website
	if err := r.Get(ctx, req.NamespacedName, &w); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !w.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // no finalizer: the garbage collector removes the children
	}
	spec := specOf(&w)
	o, err := r.observe(ctx, &w)
	if err != nil {
		return ctrl.Result{}, err
	}

	if spec.HTML != nil {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: htmlName(&w), Namespace: w.Namespace}}
		if err := r.createOrUpdate(ctx, &w, cm, func() { mutateConfigMap(cm, &w, spec) }); err != nil {
			return ctrl.Result{}, err
		}
	} else if o.configMap != nil {
		if err := r.prune(ctx, o.configMap); err != nil {
			return ctrl.Result{}, err
		}
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: w.Name, Namespace: w.Namespace}}
	if err := r.createOrUpdate(ctx, &w, d, func() { mutateDeployment(d, &w, spec) }); err != nil {
		return ctrl.Result{}, err
	}
	if spec.Expose {
		s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: w.Name, Namespace: w.Namespace}}
		if err := r.createOrUpdate(ctx, &w, s, func() { mutateService(s, &w) }); err != nil {
			return ctrl.Result{}, err
		}
	} else if o.service != nil {
		if err := r.prune(ctx, o.service); err != nil {
			return ctrl.Result{}, err
		}
	}

	status := statusOf(o, spec)
	eventType, reason, message, flipped := readyEvent(&w, status.Conditions[0])
	if !equality.Semantic.DeepEqual(w.Status, status) {
		w.Status = status
		if err := r.Status().Update(ctx, &w); err != nil {
			return ctrl.Result{}, fmt.Errorf("status of Website %s: %w", req.NamespacedName, err)
		}
	}
	if flipped {
		r.Recorder.Eventf(&w, nil, eventType, reason, "Reconcile", "%s", message)
	}
	return ctrl.Result{RequeueAfter: r.RequeueAfter}, nil
}

// observe reads the children from the cache, before anything is written: the status is computed
// from them, as the relay sends a reconciler the owned objects it has cached.
func (r *WebsiteReconciler) observe(ctx context.Context, w *Website) (observed, error) {
	o := observed{website: w}
	d, s, cm := &appsv1.Deployment{}, &corev1.Service{}, &corev1.ConfigMap{}
	for _, child := range []struct {
		name string
		obj  client.Object
		set  func()
	}{
		{w.Name, d, func() { o.deployment = d }},
		{w.Name, s, func() { o.service = s }},
		{htmlName(w), cm, func() { o.configMap = cm }},
	} {
		err := r.Get(ctx, types.NamespacedName{Namespace: w.Namespace, Name: child.name}, child.obj)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return o, fmt.Errorf("read children of Website %s/%s: %w", w.Namespace, w.Name, err)
		case metav1.IsControlledBy(child.obj, w):
			child.set()
		}
	}
	return o, nil
}

func (r *WebsiteReconciler) createOrUpdate(ctx context.Context, w *Website, obj client.Object, mutate func()) error {
	_, err := controllerutil.CreateOrUpdate(ctx, r.Client, obj, func() error {
		mutate()
		return controllerutil.SetControllerReference(w, obj, r.Scheme())
	})
	if err != nil {
		return fmt.Errorf("apply %T %s/%s of Website %s/%s: %w", obj, obj.GetNamespace(), obj.GetName(), w.Namespace, w.Name, err)
	}
	return nil
}

// prune deletes a child this Website controls that is no longer desired (uid precondition, so a
// re-created namesake is never touched).
func (r *WebsiteReconciler) prune(ctx context.Context, obj client.Object) error {
	err := r.Delete(ctx, obj, client.Preconditions{UID: ptr.To(obj.GetUID())},
		client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("prune %T %s/%s: %w", obj, obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}
