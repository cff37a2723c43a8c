// SpecReader: typed reads of the primary's spec (or the Reconciler's config) that collect every problem, then one clear err.
package zeroloop

import "strings"

// StringRule constrains a string field; lengths count UTF-16 code units, as Kubernetes' and
// JavaScript's do. Zero MinLength/MaxLength mean no bound.
type StringRule struct {
	Default   string
	Required  bool
	MinLength int
	MaxLength int
}

// IntegerRule constrains an integer field; nil Min/Max mean no bound.
type IntegerRule struct {
	Default  float64
	Required bool
	Min      *float64
	Max      *float64
}

// Bound is a pointer to n, for IntegerRule.Min and Max.
func Bound(n float64) *float64 { return &n }

// SpecReader reads fields of the primary's spec (NewSpecReader) or of the Reconciler's config
// (NewConfigReader). Each read records a problem instead of failing, so one reconcile reports every
// bad field at once; Done then returns an err listing them.
type SpecReader struct {
	spec    map[string]any
	subject string
	// field is "spec" or "config": how messages name the fields.
	field    string
	problems []string
}

// NewConfigReader reads the Reconciler's config (Request.Config, which may be nil: every field is
// then absent); subject names the Reconciler in messages ("Reconciler website").
func NewConfigReader(config map[string]any, subject string) *SpecReader {
	if config == nil {
		config = map[string]any{}
	}
	return &SpecReader{subject: subject, spec: config, field: "config"}
}

// NewSpecReader reads primary.spec; subject names the primary in messages ("Website default/site").
func NewSpecReader(primary Object, subject string) *SpecReader {
	r := &SpecReader{subject: subject, spec: map[string]any{}, field: "spec"}
	spec, present := primary["spec"]
	if m, ok := spec.(map[string]any); ok {
		r.spec = m
	} else if !present {
		r.problems = append(r.problems, "spec is missing")
	} else {
		r.problems = append(r.problems, "spec must be an object, got "+show(spec))
	}
	return r
}

func (r *SpecReader) problem(text string) { r.problems = append(r.problems, text) }

// String reads a string field: rule.Default when absent (a problem when rule.Required).
func (r *SpecReader) String(name string, rule StringRule) string {
	s, _ := r.OptionalString(name, rule)
	return s
}

func (r *SpecReader) value(name string) (any, bool) {
	v, present := r.spec[name]
	return v, present && v != nil
}

// OptionalString reads a string field; false when it is absent (or null) and has no default.
func (r *SpecReader) OptionalString(name string, rule StringRule) (string, bool) {
	value, present := r.value(name)
	if !present {
		if rule.Required {
			r.problem(r.field + "." + name + " is required (a string)")
		}
		return rule.Default, rule.Default != "" || rule.Required
	}
	s, ok := value.(string)
	if !ok {
		r.problem(r.field + "." + name + " must be a string, got " + show(value))
		return rule.Default, true
	}
	n := utf16Len(s)
	if rule.MinLength > 0 && n < rule.MinLength {
		r.problem(r.field + "." + name + " must be at least " + jsNumber(float64(rule.MinLength)) + " characters long")
	}
	if rule.MaxLength > 0 && n > rule.MaxLength {
		r.problem(r.field + "." + name + " must be at most " + jsNumber(float64(rule.MaxLength)) +
			" characters long, got " + jsNumber(float64(n)))
	}
	return s, true
}

// Integer reads an integer field: rule.Default when absent (a problem when rule.Required).
func (r *SpecReader) Integer(name string, rule IntegerRule) float64 {
	rangeText := ""
	switch {
	case rule.Min != nil && rule.Max != nil:
		rangeText = " between " + jsNumber(*rule.Min) + " and " + jsNumber(*rule.Max)
	case rule.Min != nil:
		rangeText = " >= " + jsNumber(*rule.Min)
	case rule.Max != nil:
		rangeText = " <= " + jsNumber(*rule.Max)
	}
	fallback := rule.Default
	if rule.Default == 0 && rule.Min != nil {
		fallback = *rule.Min
	}
	value, present := r.value(name)
	if !present {
		if rule.Required {
			r.problem(r.field + "." + name + " is required (an integer" + rangeText + ")")
			return fallback
		}
		return rule.Default
	}
	v, ok := value.(float64)
	if !ok || !isInteger(v) {
		r.problem(r.field + "." + name + " must be an integer" + rangeText + ", got " + show(value))
		return fallback
	}
	if (rule.Min != nil && v < *rule.Min) || (rule.Max != nil && v > *rule.Max) {
		r.problem(r.field + "." + name + " must be an integer" + rangeText + ", got " + jsNumber(v))
	}
	return v
}

// Boolean reads a boolean field, def when absent.
func (r *SpecReader) Boolean(name string, def bool) bool {
	value, present := r.value(name)
	if !present {
		return def
	}
	b, ok := value.(bool)
	if !ok {
		r.problem(r.field + "." + name + " must be true or false, got " + show(value))
		return def
	}
	return b
}

// Problems are the problems found so far.
func (r *SpecReader) Problems() []string { return r.problems }

// Done returns an err listing every problem, or nil.
func (r *SpecReader) Done() error {
	if len(r.problems) == 0 {
		return nil
	}
	if r.field == "config" {
		return Errorf("%s: invalid config: %s. Fix the Reconciler's spec.config.", r.subject, strings.Join(r.problems, "; "))
	}
	return Errorf("%s: invalid spec: %s. Fix the object's spec.", r.subject, strings.Join(r.problems, "; "))
}
