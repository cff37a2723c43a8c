// Checks the Result and turns it into the wire response, so a malformed answer is an err, never a trap.
package zeroloop

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

type wireEvent struct {
	kind    uint8 // 0 normal, 1 warning
	Reason  string
	Message string
}

type wireSelector struct {
	APIVersion string
	Kind       string
	Namespace  *string
	Name       *string
	labels     [][2]string
}

type wireResponse struct {
	desired        []string
	status         *string
	related        []wireSelector
	requeueAfterMs *uint32
	finalized      bool
	events         []wireEvent
}

func valid(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// jsonText is value as JSON text (json.go); invalid UTF-8 in Go strings becomes U+FFFD.
func jsonText(value any) (string, error) {
	b, err := appendJSON(nil, value)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return valid(string(b)), nil
	}
	return string(b), nil
}

func listed(apiVersion, kind string, allowed []Kind) bool {
	return slices.Contains(allowed, Kind{apiVersion, kind})
}

func nonEmpty(s, field string) (string, error) {
	if s == "" {
		return "", Errorf("%s must be a non-empty string", field)
	}
	return valid(s), nil
}

func desiredOf(objects []Object, d *Descriptor, req *Request) ([]string, error) {
	namespace := req.Primary.Namespace()
	seen := map[string]bool{}
	out := make([]string, len(objects))
	for i, obj := range objects {
		field := "result.desired[" + jsNumber(float64(i)) + "]"
		apiVersion, _ := obj["apiVersion"].(string)
		kind, _ := obj["kind"].(string)
		if _, err := nonEmpty(apiVersion, field+".apiVersion"); err != nil {
			return nil, err
		}
		if _, err := nonEmpty(kind, field+".kind"); err != nil {
			return nil, err
		}
		meta, ok := obj["metadata"].(map[string]any)
		if !ok {
			return nil, Errorf("%s.metadata must be an object", field)
		}
		name, _ := meta["name"].(string)
		if _, err := nonEmpty(name, field+".metadata.name"); err != nil {
			return nil, err
		}
		if !listed(apiVersion, kind, d.Owns) {
			return nil, Errorf("%s is a %s, which reconciler %s does not list in owns", field, kindID(apiVersion, kind), jsQuote(d.Name))
		}
		if ns, present := meta["namespace"]; present && namespace != "" && ns != namespace {
			s, _ := ns.(string)
			return nil, Errorf("%s (%s %s) targets namespace %s, not the primary's %s", field, kind, name, jsQuote(s), jsQuote(namespace))
		}
		id := kindID(apiVersion, kind) + "/" + name
		if seen[id] {
			return nil, Errorf("%s: %s %s is desired twice", field, kind, name)
		}
		seen[id] = true
		text, err := jsonText(obj)
		if err != nil {
			return nil, Errorf("%s cannot be written as JSON: %s", field, err.Error())
		}
		out[i] = text
	}
	return out, nil
}

func selectorOf(s Selector, i int, d *Descriptor) (wireSelector, error) {
	field := "result.related[" + jsNumber(float64(i)) + "]"
	if _, err := nonEmpty(s.APIVersion, field+".apiVersion"); err != nil {
		return wireSelector{}, err
	}
	if _, err := nonEmpty(s.Kind, field+".kind"); err != nil {
		return wireSelector{}, err
	}
	if !listed(s.APIVersion, s.Kind, d.Reads) {
		return wireSelector{}, Errorf("%s selects %s, which reconciler %s does not list in reads", field, kindID(s.APIVersion, s.Kind), jsQuote(d.Name))
	}
	w := wireSelector{APIVersion: valid(s.APIVersion), Kind: valid(s.Kind)}
	if s.Namespace != "" {
		ns := valid(s.Namespace)
		w.Namespace = &ns
	}
	if s.Name != "" {
		name := valid(s.Name)
		w.Name = &name
	}
	// Map order is random in Go; sorted keys keep the answer deterministic.
	keys := make([]string, 0, len(s.MatchLabels))
	for k := range s.MatchLabels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.labels = append(w.labels, [2]string{valid(k), valid(s.MatchLabels[k])})
	}
	return w, nil
}

func eventOf(e Event, i int) (wireEvent, error) {
	field := "result.events[" + jsNumber(float64(i)) + "]"
	var kind uint8
	switch e.Type {
	case EventNormal:
	case EventWarning:
		kind = 1
	default:
		return wireEvent{}, Errorf(`%s.type must be "Normal" or "Warning"`, field)
	}
	reason, err := nonEmpty(e.Reason, field+".reason")
	if err != nil {
		return wireEvent{}, err
	}
	return wireEvent{kind: kind, Reason: reason, Message: valid(e.Message)}, nil
}

// toWire checks result and lowers it; an err when it is malformed.
func toWire(result *Result, d *Descriptor, req *Request) (*wireResponse, error) {
	out := &wireResponse{finalized: result.Finalized}
	var err error
	if out.desired, err = desiredOf(result.Desired, d, req); err != nil {
		return nil, err
	}
	if result.Status != nil {
		text, err := jsonText(result.Status)
		if err != nil {
			return nil, Errorf("result.status cannot be written as JSON: %s", err.Error())
		}
		out.status = &text
	}
	for i, s := range result.Related {
		w, err := selectorOf(s, i, d)
		if err != nil {
			return nil, err
		}
		out.related = append(out.related, w)
	}
	if result.RequeueAfter > 0 {
		ms := result.RequeueAfter.Milliseconds()
		if ms > math.MaxUint32 {
			return nil, Errorf("result.requeueAfter must be an integer number of milliseconds between 0 and %d", uint32(math.MaxUint32))
		}
		m := uint32(ms)
		out.requeueAfterMs = &m
	}
	for i, e := range result.Events {
		w, err := eventOf(e, i)
		if err != nil {
			return nil, err
		}
		out.events = append(out.events, w)
	}
	return out, nil
}
