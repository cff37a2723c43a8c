// The request as a Go reconciler sees it: parsed, checked objects, plus the condition helper.
package zeroloop

// Request is everything a reconcile may look at.
type Request struct {
	// Primary is the primary object (its kind was checked against the descriptor).
	Primary Object
	// Key is "namespace/name" of the primary, for messages.
	Key string
	// Owned holds the objects the primary owns.
	Owned ObjectSet
	// Related holds the objects matching the selectors returned last time.
	Related ObjectSet
	Trigger Trigger
	// Finalizing is true when the primary is being deleted and the reconciler holds a finalizer.
	Finalizing bool
	// Config is the Reconciler's spec.config, already validated against Descriptor.ConfigSchema by
	// the relay; nil when the Reconciler sets none. Read it with NewConfigReader.
	Config map[string]any
	// LastWrite says whether the relay's write of the previous answer for this primary applied; use
	// it to say in the primary's own conditions why it is stuck.
	LastWrite LastWrite

	observedAt string
}

// wireRequest is the request as lifted from the canonical ABI, before parsing.
type wireRequest struct {
	primary    string
	owned      []string
	related    []string
	trigger    Trigger
	summary    *string
	finalizing bool
	config     *string
	lastWrite  LastWrite
}

func objectKey(namespace, name string) string {
	if namespace != "" {
		return namespace + "/" + name
	}
	return name
}

func parseObjects(texts []string, field string) ([]Object, error) {
	out := make([]Object, len(texts))
	for i, text := range texts {
		obj, err := parseObject(text, field+"["+jsNumber(float64(i))+"]")
		if err != nil {
			return nil, err
		}
		out[i] = obj
	}
	return out, nil
}

// parseRequest parses and checks the request; an err on anything malformed.
func parseRequest(w wireRequest, d *Descriptor) (*Request, error) {
	primary, err := parseObject(w.primary, "request.primary")
	if err != nil {
		return nil, err
	}
	key := objectKey(primary.Namespace(), primary.Name())
	if primary.APIVersion() != d.Primary.APIVersion || primary.KindName() != d.Primary.Kind {
		return nil, Errorf("request.primary is %s %s %s, but reconciler %s reconciles %s %s: check the Reconciler resource's primary kind",
			primary.APIVersion(), primary.KindName(), key, jsQuote(d.Name), d.Primary.APIVersion, d.Primary.Kind)
	}
	owned, err := parseObjects(w.owned, "request.owned")
	if err != nil {
		return nil, err
	}
	related, err := parseObjects(w.related, "request.related")
	if err != nil {
		return nil, err
	}
	trigger := w.trigger
	if trigger.External != nil && w.summary != nil {
		summary, err := parseJSON(*w.summary)
		if err != nil {
			return nil, Errorf("request.trigger.summary is not valid JSON text")
		}
		external := *trigger.External
		external.Summary = summary
		trigger.External = &external
	}
	var config map[string]any
	if w.config != nil {
		value, err := parseJSON(*w.config)
		if err != nil {
			return nil, Errorf("request.config is not valid JSON text")
		}
		m, ok := value.(map[string]any)
		if !ok {
			return nil, Errorf("request.config must be a JSON object")
		}
		config = m
	}
	return &Request{
		Primary:    primary,
		Key:        key,
		Owned:      newObjectSet(owned),
		Related:    newObjectSet(related),
		Trigger:    trigger,
		Finalizing: w.finalizing,
		Config:     config,
		LastWrite:  w.lastWrite,
	}, nil
}

// ObservedAt is the latest time the request itself gives evidence of (see ObservedAt): new
// condition transitions are stamped with it.
func (r *Request) ObservedAt() string {
	if r.observedAt == "" {
		all := append(append([]Object{r.Primary}, r.Owned.Items...), r.Related.Items...)
		r.observedAt = ObservedAt(all)
	}
	return r.observedAt
}

// Condition is a condition of the primary's status: it keeps the previous LastTransitionTime
// when the status is unchanged, and stamps ObservedAt when it changes or is new.
func (r *Request) Condition(conditionType, status, reason, message string) Condition {
	next := Condition{Type: conditionType, Status: status, Reason: reason, Message: message}
	if g, ok := r.Primary.Metadata()["generation"].(float64); ok {
		next.ObservedGeneration = &g
	}
	return Transition(PathOf(r.Primary, "status", "conditions"), next, r.ObservedAt())
}
