// Text the SDK's messages need to match the TypeScript SDK's: JavaScript's string length, number and string forms.
package zeroloop

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// utf16Len is JavaScript's String.length: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// utf16Prefix is JavaScript's s.slice(0, n) (a surrogate pair cut in half becomes U+FFFD).
func utf16Prefix(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if n <= 0 {
			break
		}
		if r >= 0x10000 {
			if n == 1 {
				b.WriteRune(utf8.RuneError)
				break
			}
			n -= 2
		} else {
			n--
		}
		b.WriteRune(r)
	}
	return b.String()
}

// jsNumber is JavaScript's String(number).
func jsNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case v == 0:
		return "0"
	}
	abs := math.Abs(v)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		// Go writes e+06 / e-07; JavaScript writes e+6 / e-7.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// jsQuote is JavaScript's JSON.stringify of a string.
func jsQuote(s string) string { return string(appendQuoted(nil, s)) }

// show describes a JSON value in a message, as the TypeScript SDK's SpecReader does.
func show(value any) string {
	switch v := value.(type) {
	case string:
		if utf16Len(v) > 40 {
			return jsQuote(utf16Prefix(v, 40) + "…")
		}
		return jsQuote(v)
	case []any:
		return "an array"
	case nil:
		return "null"
	case float64:
		return jsNumber(v)
	case bool:
		return strconv.FormatBool(v)
	default:
		return "a value of type object"
	}
}

// Count is a number as JavaScript writes it ("2", "1.5"): for messages.
func Count(v float64) string { return jsNumber(v) }
