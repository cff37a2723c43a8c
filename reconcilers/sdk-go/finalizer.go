// Which finalizer names a descriptor may choose: a qualified name in the primary's group, or zeroloop.dev's.
package zeroloop

import "strings"

// zeroloopDomain is the domain every reconciler may use for its finalizer.
const zeroloopDomain = "zeroloop.dev"

func isAlnum(c byte, upper bool) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z')
}

// dnsSubdomain matches lowercase DNS labels joined by dots, at most 253 characters.
func dnsSubdomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) == 0 || !isAlnum(label[0], false) || !isAlnum(label[len(label)-1], false) {
			return false
		}
		for i := range len(label) {
			if c := label[i]; !isAlnum(c, false) && c != '-' {
				return false
			}
		}
	}
	return true
}

// qualifiedLocal matches the name part of a qualified name: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63.
func qualifiedLocal(s string) bool {
	if len(s) == 0 || len(s) > 63 || !isAlnum(s[0], true) || !isAlnum(s[len(s)-1], true) {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !isAlnum(c, true) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// finalizerNameProblem says why name cannot be the finalizer of a reconciler of primaryAPIVersion,
// or "" when it can (the same rule as the relay's and the TypeScript SDK's).
func finalizerNameProblem(name, primaryAPIVersion string) string {
	domain, local, found := strings.Cut(name, "/")
	if !found || !dnsSubdomain(domain) || !qualifiedLocal(local) {
		return jsQuote(name) + " is not a qualified name <domain>/<name> (for example " + zeroloopDomain + "/my-finalizer)"
	}
	group, _, hasGroup := strings.Cut(primaryAPIVersion, "/")
	if !hasGroup {
		group = ""
	}
	if domain == zeroloopDomain || (group != "" && (domain == group || strings.HasSuffix(domain, "."+group))) {
		return ""
	}
	allowed := zeroloopDomain
	if group != "" {
		allowed = group + " (or a subdomain of it) or " + zeroloopDomain
	}
	return jsQuote(name) + " has domain " + domain + "; a reconciler of " + primaryAPIVersion + " may use " + allowed
}
