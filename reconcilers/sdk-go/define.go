// Define: registers a reconciler and exports the world's `describe` and `reconcile` to the component.
package zeroloop

import "strings"

// dnsLabel matches ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$.
func dnsLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

var defined struct {
	descriptor *Descriptor
	reconcile  ReconcileFunc
}

// Define registers the reconciler; call it once, from an init function of package main. A bad
// descriptor panics there, so the component fails to instantiate (at build time, the pipeline
// checks by calling describe).
func Define(d Descriptor, reconcile ReconcileFunc) {
	if defined.descriptor != nil {
		panic("zeroloop.Define called twice: a component is one reconciler")
	}
	if !dnsLabel(d.Name) {
		panic("descriptor.Name " + jsQuote(d.Name) + " must be a DNS label")
	}
	if d.Version == "" {
		panic("descriptor.Version of " + d.Name + " must not be empty")
	}
	if reconcile == nil {
		panic("zeroloop.Define needs a reconcile function")
	}
	if d.ConfigSchema != "" {
		if schema, err := parseJSON(d.ConfigSchema); err != nil {
			panic("descriptor.ConfigSchema of " + d.Name + " is not JSON: " + err.Error())
		} else if _, ok := schema.(map[string]any); !ok {
			panic("descriptor.ConfigSchema of " + d.Name + " must be a JSON Schema object")
		}
	}
	if d.FinalizerName != "" {
		if problem := finalizerNameProblem(d.FinalizerName, d.Primary.APIVersion); problem != "" {
			panic("descriptor.FinalizerName of " + d.Name + ": " + problem)
		}
	}
	defined.descriptor, defined.reconcile = &d, reconcile
}

func mustDefined() {
	if defined.descriptor == nil {
		panic("no reconciler defined: call zeroloop.Define from an init function of package main")
	}
}

//go:wasmexport describe
func wasmDescribe() uint32 {
	mustDefined()
	clear(retained)
	retained = retained[:0]
	return lowerDescriptor(defined.descriptor)
}

//go:wasmexport reconcile
func wasmReconcile(request uint32) uint32 {
	mustDefined()
	clear(retained)
	retained = retained[:0]
	wire := liftRequest(request)
	clear(allocations)
	allocations = allocations[:0] // the lifted strings keep their buffers alive from here on
	answer, err := run(wire)
	if err != nil {
		return lowerErr(strings.ToValidUTF8(err.Error(), "\uFFFD"))
	}
	return lowerOk(answer)
}

func run(wire wireRequest) (*wireResponse, error) {
	req, err := parseRequest(wire, defined.descriptor)
	if err != nil {
		return nil, err
	}
	result, err := defined.reconcile(req)
	if err != nil {
		return nil, err
	}
	return toWire(&result, defined.descriptor, req)
}
