// Package zeroloop is the SDK for zeroloop reconcilers written in Go: typed access to the request,
// builders for objects, conditions and selectors, and errors that become the wit `err`.
//
// A reconciler is package main; an init function calls Define, and main is empty (the component
// is a WASI reactor: the worker calls describe and reconcile, never main):
//
//	func init() {
//		zeroloop.Define(zeroloop.Descriptor{Name: "hello", Version: "0.1.0", Primary: hello}, reconcile)
//	}
//
//	func main() {}
//
// Build it with `npm run build:reconcilers`: GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared.
package zeroloop
