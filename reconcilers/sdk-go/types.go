// The types a Go reconciler works with: kinds, objects, the request, the result, events and selectors.
package zeroloop

import "time"

// Kind is a kind of Kubernetes object: APIVersion is "group/version" ("v1" for the core group).
type Kind struct {
	APIVersion string
	Kind       string
}

// Kinds the examples use; any Kind works the same.
var (
	ConfigMap   = Kind{"v1", "ConfigMap"}
	Service     = Kind{"v1", "Service"}
	Pod         = Kind{"v1", "Pod"}
	Secret      = Kind{"v1", "Secret"}
	Deployment  = Kind{"apps/v1", "Deployment"}
	StatefulSet = Kind{"apps/v1", "StatefulSet"}
)

// Descriptor says what a reconciler is, what it reads and what it writes.
type Descriptor struct {
	// Name is the reconciler's name: a lowercase DNS label, unique within a worker.
	Name string
	// Version is the reconciler's version, semver.
	Version string
	// Primary is the kind it reconciles, one call per object.
	Primary Kind
	// Owns lists the kinds it creates (they appear in Result.Desired).
	Owns []Kind
	// Reads lists the kinds it may select as related objects.
	Reads []Kind
	// Finalizer asks the relay to hold a finalizer and call with Request.Finalizing.
	Finalizer bool
	// ConfigSchema is the JSON Schema of the Reconciler's spec.config, as JSON text; "" for none (a
	// Reconciler with a spec.config is then refused). The relay validates spec.config against it
	// before any reconcile. Never put a credential in config: read a Secret as a related object.
	ConfigSchema string
	// FinalizerName is the finalizer the relay holds when Finalizer is true; "" for the default,
	// zeroloop.dev/<Name>. A qualified name <domain>/<name> whose domain is the primary's group, a
	// subdomain of it, or zeroloop.dev (for example "cache.example.com/finalizer").
	FinalizerName string
}

// ObjectRef names one Kubernetes object.
type ObjectRef struct {
	APIVersion string
	Kind       string
	// Namespace is "" for cluster-scoped objects.
	Namespace string
	Name      string
}

// TriggerType says why a reconcile happens; informational only.
type TriggerType string

const (
	TriggerPrimary TriggerType = "primary"
	TriggerOwned   TriggerType = "owned"
	TriggerRelated TriggerType = "related"
	TriggerRequeue TriggerType = "requeue"
	// TriggerExternal: an outside event (a verified delivery to one of the Reconciler's hooks).
	TriggerExternal TriggerType = "external"
)

// Trigger is why this reconcile happens; Ref names the owned or related object that changed, and
// External the outside event that woke the primary.
type Trigger struct {
	Type     TriggerType
	Ref      *ObjectRef
	External *ExternalEvent
}

// ExternalEvent is an outside event that woke the primary: a delivery to one of the Reconciler's hooks.
type ExternalEvent struct {
	// Hook is the hook's name on the Reconciler.
	Hook string
	// Source is "github", "gitlab", "generic-hmac" or "bearer".
	Source string
	// Event is the source's event ("push"); "" when it has none.
	Event string
	// Delivery is the delivery's id.
	Delivery string
	// Summary is the hook's summary of the payload, parsed JSON (at most 4 KiB as text); nil when
	// the hook asks for none.
	Summary any
}

// LastWriteState says whether the relay's write of the previous answer for this primary applied.
type LastWriteState string

const (
	// LastWriteUnknown: no earlier answer for this primary since the relay started.
	LastWriteUnknown LastWriteState = "unknown"
	// LastWriteApplied: the previous answer was applied in full.
	LastWriteApplied LastWriteState = "applied"
	// LastWriteFailed: the previous answer could not be applied; Step and Message say why.
	LastWriteFailed LastWriteState = "failed"
)

// WriteStep is the step of the relay's write that failed.
type WriteStep string

const (
	WriteDryRun WriteStep = "dry-run"
	WriteApply  WriteStep = "apply"
	WritePrune  WriteStep = "prune"
	WriteStatus WriteStep = "status"
)

// LastWrite is the outcome of the relay's write of the previous answer for this primary.
type LastWrite struct {
	State LastWriteState
	// Step and Message (the apiserver's, at most 1 KiB) are set when State is LastWriteFailed.
	Step    WriteStep
	Message string
}

// EventType is Normal or Warning.
type EventType string

const (
	EventNormal  EventType = "Normal"
	EventWarning EventType = "Warning"
)

// Event is a Kubernetes Event to record on the primary.
type Event struct {
	Type    EventType
	Reason  string
	Message string
}

// Normal is an Event saying that something expected happened.
func Normal(reason, message string) Event { return Event{EventNormal, reason, message} }

// Warning is an Event saying that something needs a human's attention.
func Warning(reason, message string) Event { return Event{EventWarning, reason, message} }

// Selector selects related objects to pass in on the next call; every given field must match.
type Selector struct {
	APIVersion string
	Kind       string
	// Namespace "" means the primary's namespace.
	Namespace string
	// Name "" selects by labels alone.
	Name        string
	MatchLabels map[string]string
}

// SelectByLabels selects the related objects of kind carrying all of labels, in the primary's namespace.
func SelectByLabels(kind Kind, labels map[string]string) Selector {
	return Selector{APIVersion: kind.APIVersion, Kind: kind.Kind, MatchLabels: labels}
}

// SelectByName selects one related object of kind by name, in the primary's namespace.
func SelectByName(kind Kind, name string) Selector {
	return Selector{APIVersion: kind.APIVersion, Kind: kind.Kind, Name: name}
}

// Result is what Reconcile returns; every field may be left zero.
type Result struct {
	// Desired is the full set of owned objects that should exist; owned objects missing here are pruned.
	Desired []Object
	// Status is the primary's new .status; nil leaves it unchanged.
	Status map[string]any
	// Related replaces the selectors of related objects to pass in next time.
	Related []Selector
	// RequeueAfter, when positive, reconciles again after it even if nothing changes (whole
	// milliseconds). Rare: prefer watching what you are waiting for.
	RequeueAfter time.Duration
	// Finalized, while finalizing: teardown is complete and the finalizer may be removed.
	Finalized bool
	Events    []Event
}

// ReconcileFunc computes the desired state. A returned error becomes the wit `err` (HTTP 422):
// a permanent, explained failure for this input. A panic is a bug: the component traps (HTTP 500)
// and the worker drops the instance.
type ReconcileFunc func(req *Request) (Result, error)
