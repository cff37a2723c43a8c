// Parsed Kubernetes objects: checking object JSON, reading nested fields, building owned objects.
package zeroloop

import "math"

// Object is a parsed Kubernetes object: JSON objects are map[string]any, numbers float64.
type Object map[string]any

// Metadata is the object's metadata (checked to be an object when the request is parsed).
func (o Object) Metadata() map[string]any {
	m, _ := o["metadata"].(map[string]any)
	return m
}

// Name is metadata.name.
func (o Object) Name() string { s, _ := o.Metadata()["name"].(string); return s }

// Namespace is metadata.namespace, "" when absent.
func (o Object) Namespace() string { s, _ := o.Metadata()["namespace"].(string); return s }

// APIVersion is the object's apiVersion.
func (o Object) APIVersion() string { s, _ := o["apiVersion"].(string); return s }

// KindName is the object's kind.
func (o Object) KindName() string { s, _ := o["kind"].(string); return s }

func kindID(apiVersion, kind string) string { return apiVersion + "/" + kind }

// parseObject parses one object-json value, or returns the err naming field.
func parseObject(text, field string) (Object, error) {
	value, err := parseJSON(text)
	if err != nil {
		return nil, Errorf("%s is not valid JSON text", field)
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return nil, Errorf("%s must be a JSON object", field)
	}
	if s, ok := obj["apiVersion"].(string); !ok || s == "" {
		return nil, Errorf("%s.apiVersion must be a string", field)
	}
	if s, ok := obj["kind"].(string); !ok || s == "" {
		return nil, Errorf("%s.kind must be a string", field)
	}
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		return nil, Errorf("%s.metadata must be an object", field)
	}
	if s, ok := meta["name"].(string); !ok || s == "" {
		return nil, Errorf("%s.metadata.name must be a non-empty string", field)
	}
	if ns, present := meta["namespace"]; present {
		if _, ok := ns.(string); !ok {
			return nil, Errorf("%s.metadata.namespace must be a string", field)
		}
	}
	return Object(obj), nil
}

// ObjectSet holds objects of several kinds, found by kind and name.
type ObjectSet struct {
	Items  []Object
	byKind map[string][]Object
}

func newObjectSet(items []Object) ObjectSet {
	s := ObjectSet{Items: items, byKind: map[string][]Object{}}
	for _, o := range items {
		id := kindID(o.APIVersion(), o.KindName())
		s.byKind[id] = append(s.byKind[id], o)
	}
	return s
}

// OfKind is every object of kind, in request order.
func (s ObjectSet) OfKind(kind Kind) []Object { return s.byKind[kindID(kind.APIVersion, kind.Kind)] }

// Get is the object of kind named name, or nil.
func (s ObjectSet) Get(kind Kind, name string) Object {
	for _, o := range s.OfKind(kind) {
		if o.Name() == name {
			return o
		}
	}
	return nil
}

// Has says whether the object of kind named name is present.
func (s ObjectSet) Has(kind Kind, name string) bool { return s.Get(kind, name) != nil }

// PathOf is a nested field of obj, or nil when any step is missing or not an object.
func PathOf(obj any, path ...string) any {
	current := obj
	for _, step := range path {
		var m map[string]any
		switch v := current.(type) {
		case Object:
			m = v
		case map[string]any:
			m = v
		default:
			return nil
		}
		current = m[step]
	}
	return current
}

func isInteger(v float64) bool { return !math.IsInf(v, 0) && v == math.Trunc(v) }

// CountOf is a non-negative integer field of an observed object (status.readyReplicas), 0 when absent.
func CountOf(obj any, path ...string) float64 {
	v, ok := PathOf(obj, path...).(float64)
	if ok && isInteger(v) && v >= 0 {
		return v
	}
	return 0
}

// HasTrueCondition says whether obj has condition type with status "True".
func HasTrueCondition(obj any, conditionType string) bool {
	list, _ := PathOf(obj, "status", "conditions").([]any)
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["type"] == conditionType && m["status"] == "True" {
			return true
		}
	}
	return false
}

// ObjectMeta is the metadata a reconciler sets on an owned object; the relay adds ownership.
type ObjectMeta struct {
	Name        string
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
}

// NewObject is an owned object of kind: apiVersion, kind, metadata, and the rest of body (spec, data...).
func NewObject(kind Kind, meta ObjectMeta, body map[string]any) Object {
	m := map[string]any{"name": meta.Name}
	if meta.Namespace != "" {
		m["namespace"] = meta.Namespace
	}
	if meta.Labels != nil {
		m["labels"] = stringMap(meta.Labels)
	}
	if meta.Annotations != nil {
		m["annotations"] = stringMap(meta.Annotations)
	}
	obj := Object{}
	for k, v := range body {
		obj[k] = v
	}
	obj["apiVersion"], obj["kind"], obj["metadata"] = kind.APIVersion, kind.Kind, m
	return obj
}

func stringMap(in map[string]string) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
