// The `website-go` reconciler: the `website` reconciler in Go; a Website becomes a Deployment, a Service and a ConfigMap.
package main

import (
	zl "github.com/zeroloop/zeroloop/reconcilers/sdk-go"
)

// GoWebsite is the primary kind: the same schema as `website`'s Website, under its own kind and group so
// both run in one cluster (and `kubectl get websites` stays unambiguous). Messages still say "Website".
var GoWebsite = zl.Kind{APIVersion: "go.examples.zeroloop.dev/v1alpha1", Kind: "GoWebsite"}

const (
	defaultImage = "nginx:1.27-alpine"
	htmlRoot     = "/usr/share/nginx/html"
	// A ConfigMap holds at most 1 MiB; leave room for its metadata.
	maxHTML = 900 * 1024
)

// configSchema is the JSON Schema of the Reconciler's spec.config: the same as website's.
const configSchema = `{"type":"object","additionalProperties":false,"properties":{` +
	`"defaultImage":{"type":"string","minLength":1,"maxLength":512,"default":"nginx:1.27-alpine"},` +
	`"maxReplicas":{"type":"integer","minimum":0,"maximum":100,"default":100}}}`

// websiteConfig is the Reconciler's spec.config: what a Website that does not say gets, and how far it may scale.
type websiteConfig struct {
	defaultImage string
	maxReplicas  float64
}

// configOf reads the config with its defaults; an err naming the field when it is out of bounds.
func configOf(req *zl.Request) (websiteConfig, error) {
	config := zl.NewConfigReader(req.Config, "Reconciler website")
	var c websiteConfig
	c.defaultImage = config.String("defaultImage", zl.StringRule{Default: defaultImage, MinLength: 1, MaxLength: 512})
	c.maxReplicas = config.Integer("maxReplicas", zl.IntegerRule{Default: 100, Min: zl.Bound(0), Max: zl.Bound(100)})
	return c, config.Done()
}

type websiteSpec struct {
	image    string
	replicas float64
	// Served as index.html from a ConfigMap volume; without it the image's own page is served.
	html    string
	hasHTML bool
	// Whether a Service exposes the site; default true.
	expose bool
}

func specOf(req *zl.Request, config websiteConfig) (websiteSpec, error) {
	spec := zl.NewSpecReader(req.Primary, "Website "+req.Key)
	var s websiteSpec
	s.image = spec.String("image", zl.StringRule{Default: config.defaultImage, MinLength: 1, MaxLength: 512})
	s.replicas = spec.Integer("replicas", zl.IntegerRule{Default: 1, Min: zl.Bound(0), Max: zl.Bound(config.maxReplicas)})
	s.html, s.hasHTML = spec.OptionalString("html", zl.StringRule{MaxLength: maxHTML})
	s.expose = spec.Boolean("expose", true)
	return s, spec.Done()
}

func children(req *zl.Request, spec websiteSpec) []zl.Object {
	name, namespace := req.Primary.Name(), req.Primary.Namespace()
	labels := map[string]string{"app.kubernetes.io/name": "website", "app.kubernetes.io/instance": name}
	labelsJSON := map[string]any{"app.kubernetes.io/name": "website", "app.kubernetes.io/instance": name}
	meta := zl.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}
	htmlName := name + "-html"
	container := map[string]any{
		"name":           "web",
		"image":          spec.image,
		"ports":          []any{map[string]any{"name": "http", "containerPort": 80}},
		"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/", "port": "http"}},
	}
	pod := map[string]any{"containers": []any{container}}
	var desired []zl.Object
	if spec.hasHTML {
		container["volumeMounts"] = []any{map[string]any{"name": "html", "mountPath": htmlRoot, "readOnly": true}}
		pod["volumes"] = []any{map[string]any{"name": "html", "configMap": map[string]any{"name": htmlName}}}
		desired = append(desired, zl.NewObject(zl.ConfigMap,
			zl.ObjectMeta{Name: htmlName, Namespace: namespace, Labels: labels},
			map[string]any{"data": map[string]any{"index.html": spec.html}}))
	}
	desired = append(desired, zl.NewObject(zl.Deployment, meta, map[string]any{
		"spec": map[string]any{
			"replicas": spec.replicas,
			"selector": map[string]any{"matchLabels": labelsJSON},
			"template": map[string]any{"metadata": map[string]any{"labels": labelsJSON}, "spec": pod},
		},
	}))
	if spec.expose {
		desired = append(desired, zl.NewObject(zl.Service, meta, map[string]any{
			"spec": map[string]any{
				"selector": labelsJSON,
				"ports":    []any{map[string]any{"name": "http", "port": 80, "targetPort": "http"}},
			},
		}))
	}
	return desired
}

func reconcile(req *zl.Request) (zl.Result, error) {
	if req.Finalizing {
		return zl.Result{Finalized: true}, nil // no finalizer is asked for; nothing to tear down
	}
	config, err := configOf(req)
	if err != nil {
		return zl.Result{}, err
	}
	spec, err := specOf(req, config)
	if err != nil {
		return zl.Result{}, err
	}
	name, namespace := req.Primary.Name(), req.Primary.Namespace()
	deployment := req.Owned.Get(zl.Deployment, name)
	readyReplicas := zl.CountOf(deployment, "status", "readyReplicas")
	updated := zl.CountOf(deployment, "status", "updatedReplicas")
	current := deployment != nil &&
		zl.CountOf(deployment, "status", "observedGeneration") >= zl.CountOf(deployment, "metadata", "generation")
	ready := current && readyReplicas >= spec.replicas && updated >= spec.replicas
	progress := zl.Count(readyReplicas) + "/" + zl.Count(spec.replicas) + " replicas ready"
	var condition zl.Condition
	switch {
	case deployment == nil:
		condition = req.Condition("Ready", "False", "DeploymentPending", "Deployment "+name+" does not exist yet")
	case ready:
		condition = req.Condition("Ready", "True", "ReplicasReady", progress)
	default:
		condition = req.Condition("Ready", "False", "RolloutInProgress", progress)
	}
	status := map[string]any{"replicas": spec.replicas, "readyReplicas": readyReplicas, "conditions": []any{condition}}
	if g, ok := req.Primary.Metadata()["generation"].(float64); ok {
		status["observedGeneration"] = g
	}
	if spec.expose {
		ns := namespace
		if ns == "" {
			ns = "default"
		}
		status["url"] = "http://" + name + "." + ns + ".svc.cluster.local"
	}
	// An event only when Ready flips, so repeated reconciles of the same state record nothing new.
	before, _, _ := zl.PreviousCondition(req.Primary, "Ready")
	var events []zl.Event
	switch {
	case before == condition.Status:
	case condition.Status == "True":
		events = append(events, zl.Normal("Ready", "Website "+req.Key+" is ready: "+condition.Message))
	case before == "True":
		events = append(events, zl.Warning("NotReady", "Website "+req.Key+" is not ready: "+condition.Message))
	}
	return zl.Result{Desired: children(req, spec), Status: status, Events: events}, nil
}

func init() {
	zl.Define(zl.Descriptor{
		Name:         "website-go",
		Version:      "0.1.0",
		Primary:      GoWebsite,
		Owns:         []zl.Kind{zl.Deployment, zl.Service, zl.ConfigMap},
		ConfigSchema: configSchema,
	}, reconcile)
}

func main() {}
