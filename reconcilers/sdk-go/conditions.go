// Status conditions with Kubernetes semantics, stamped from the request's own evidence instead of a clock.
package zeroloop

import "time"

// Epoch is used only when the request carries no timestamp at all.
const Epoch = "1970-01-01T00:00:00Z"

// shaped says whether s matches pattern, where '9' stands for any ASCII digit.
func shaped(s, pattern string) bool {
	if len(s) != len(pattern) {
		return false
	}
	for i := range len(s) {
		if pattern[i] == '9' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != pattern[i] {
			return false
		}
	}
	return true
}

// canonicalTime: `YYYY-MM-DDTHH:MM:SSZ`, how Kubernetes writes metav1.Time.
func canonicalTime(s string) bool { return shaped(s, "9999-99-99T99:99:99Z") }

// rfc3339 matches ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$.
func rfc3339(s string) bool {
	if len(s) < 20 || !shaped(s[:19], "9999-99-99T99:99:99") {
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		n := digits(rest, 1)
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	return rest == "Z" || ((len(rest) == 6) && (rest[0] == '+' || rest[0] == '-') && shaped(rest[1:], "99:99"))
}

// millis is the Unix milliseconds of an RFC 3339 time, or false.
func millis(value string) (int64, bool) {
	if !rfc3339(value) {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// ObservedAt is the latest moment the objects give evidence of: the maximum of every object's
// creationTimestamp, deletionTimestamp, managedFields[].time and
// status.conditions[].lastTransitionTime|lastUpdateTime. A reconcile has no clock; this is a
// deterministic lower bound of when whatever changed a condition happened.
func ObservedAt(objects []Object) string {
	canonical, other := "", Epoch
	var otherMs int64
	consider := func(value any) {
		s, ok := value.(string)
		if !ok {
			return
		}
		if len(s) == 20 {
			if s > canonical && canonicalTime(s) {
				canonical = s
			}
			return
		}
		if ms, ok := millis(s); ok && ms > otherMs {
			otherMs, other = ms, s
		}
	}
	for _, obj := range objects {
		meta := obj.Metadata()
		consider(meta["creationTimestamp"])
		consider(meta["deletionTimestamp"])
		if managed, ok := meta["managedFields"].([]any); ok {
			for _, entry := range managed {
				if m, ok := entry.(map[string]any); ok {
					consider(m["time"])
				}
			}
		}
		if conditions, ok := PathOf(obj, "status", "conditions").([]any); ok {
			for _, c := range conditions {
				if m, ok := c.(map[string]any); ok {
					consider(m["lastTransitionTime"])
					consider(m["lastUpdateTime"])
				}
			}
		}
	}
	if canonical == "" {
		return other
	}
	if ms, ok := millis(canonical); ok && ms >= otherMs {
		return canonical
	}
	return other
}

// Condition is a status condition (metav1.Condition).
type Condition struct {
	Type               string   `json:"type"`
	Status             string   `json:"status"`
	Reason             string   `json:"reason"`
	Message            string   `json:"message"`
	ObservedGeneration *float64 `json:"observedGeneration,omitempty"`
	LastTransitionTime string   `json:"lastTransitionTime"`
}

func (c *Condition) fields() map[string]any {
	m := map[string]any{
		"type": c.Type, "status": c.Status, "reason": c.Reason, "message": c.Message,
		"lastTransitionTime": c.LastTransitionTime,
	}
	if c.ObservedGeneration != nil {
		m["observedGeneration"] = *c.ObservedGeneration
	}
	return m
}

// Transition is next as it should be written: LastTransitionTime is kept from the previous
// condition of the same type when its status is unchanged, and is now otherwise.
func Transition(previous any, next Condition, now string) Condition {
	next.LastTransitionTime = now
	list, _ := previous.([]any)
	for _, c := range list {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != next.Type {
			continue
		}
		if t, ok := m["lastTransitionTime"].(string); ok && m["status"] == next.Status {
			next.LastTransitionTime = t
		}
		break
	}
	return next
}

// PreviousCondition is the primary's current condition type as last written: its status and
// reason ("" when not strings), and false when there is none.
func PreviousCondition(primary Object, conditionType string) (status, reason string, found bool) {
	list, _ := PathOf(primary, "status", "conditions").([]any)
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["type"] == conditionType {
			status, _ = m["status"].(string)
			reason, _ = m["reason"].(string)
			return status, reason, true
		}
	}
	return "", "", false
}
