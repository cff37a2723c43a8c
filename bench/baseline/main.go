// The baseline operator's entry point: flags, the manager, and one Website controller in watch or percona mode.
//
// Usage: baseline --mode=watch|percona [--concurrency=8] [--namespace=NS] [--kubeconfig=PATH]
//
//	[--metrics-bind-address=127.0.0.1:8080|0] [--health-probe-bind-address=127.0.0.1:8081|0]
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// percona mode: every reconcile asks to run again after this, as the Percona operators do.
const perconaRequeue = 5 * time.Second

func main() {
	var (
		mode, namespace, metricsAddr, probeAddr string
		concurrency                             int
	)
	flag.StringVar(&mode, "mode", "watch", "watch: For(Website)+Owns(children), no requeue; percona: also RequeueAfter 5s on every reconcile")
	flag.IntVar(&concurrency, "concurrency", 8, "MaxConcurrentReconciles")
	flag.StringVar(&namespace, "namespace", "", "the only namespace to watch (empty: all namespaces)")
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "address of /metrics (plain HTTP); 0 disables it")
	flag.StringVar(&probeAddr, "health-probe-bind-address", "0", "address of /healthz and /readyz; 0 disables them")
	zapOptions := zap.Options{}
	zapOptions.BindFlags(flag.CommandLine)
	flag.Parse() // --kubeconfig is registered by controller-runtime; KUBECONFIG works too
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOptions)))
	log := ctrl.Log.WithName("baseline")

	if err := run(mode, namespace, metricsAddr, probeAddr, concurrency); err != nil {
		log.Error(err, "baseline operator failed")
		os.Exit(1)
	}
}

func run(mode, namespace, metricsAddr, probeAddr string, concurrency int) error {
	var requeue time.Duration
	switch mode {
	case "watch":
	case "percona":
		requeue = perconaRequeue
	default:
		return fmt.Errorf("--mode=%q: choose watch or percona", mode)
	}
	if concurrency < 1 {
		return fmt.Errorf("--concurrency=%d: must be at least 1", concurrency)
	}

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := addWebsiteTypes(scheme); err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig (--kubeconfig or KUBECONFIG): %w", err)
	}
	cacheOptions := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	if namespace != "" {
		cacheOptions.DefaultNamespaces = map[string]cache.Config{namespace: {}}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cacheOptions,
		Metrics:                metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress: probeAddr,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}

	r := &WebsiteReconciler{
		Client:       mgr.GetClient(),
		Recorder:     mgr.GetEventRecorder("website-baseline"),
		RequeueAfter: requeue,
	}
	// A status write changes neither generation, labels nor annotations, so it wakes nothing:
	// the relay's primary predicate, in controller-runtime's words.
	primaryChanged := predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{},
		predicate.AnnotationChangedPredicate{})
	err = ctrl.NewControllerManagedBy(mgr).
		Named("website").
		For(&Website{}, builder.WithPredicates(primaryChanged)).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("create the Website controller: %w", err)
	}

	ctx := ctrl.SetupSignalHandler()
	var synced atomic.Bool
	go func() { synced.Store(mgr.GetCache().WaitForCacheSync(ctx)) }()
	if err := mgr.AddHealthzCheck("ping", func(*http.Request) error { return nil }); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("cache-synced", func(*http.Request) error {
		if !synced.Load() {
			return errors.New("informer caches not synced yet")
		}
		return nil
	}); err != nil {
		return err
	}
	ctrl.Log.WithName("baseline").Info("starting", "mode", mode, "concurrency", concurrency, "namespace", namespace)
	return mgr.Start(ctx)
}
