// The canonical ABI of the world `reconciler` for big Go (GOARCH=wasm): lifts the request, lowers the answer.
//
// wit-bindgen-go's generated types assume 32-bit pointers (TinyGo); big Go's GOARCH=wasm has
// 8-byte pointers, ints and string headers, so its structs cannot alias canonical-ABI memory.
// This file reads and writes that memory by offset instead. The offsets are the WIT layout
// (wasm32: 4-byte pointers and lengths), checked against wit/ at build time (layout.go).
package zeroloop

import (
	"encoding/binary"
	"unsafe"
)

// retained keeps alive, until the next call, every Go value whose address the host still reads:
// the lowered answer and the strings it points to (the GC cannot see addresses stored as u32).
var retained []any

// allocations keeps the buffers the host filled through cabi_realloc until the call returns.
var allocations [][]byte

// cabiRealloc is the component's allocator: the host copies the request's strings and lists into
// Go-owned memory through it. It is called only after `_initialize`, so the Go runtime is ready.
//
//go:wasmexport cabi_realloc
func cabiRealloc(ptr, oldSize, align, newSize uint32) uint32 {
	if newSize == 0 {
		return align
	}
	buf := make([]byte, newSize+align)
	base := addr(buf)
	start := (align - base%align) % align
	allocations = append(allocations, buf)
	if ptr != 0 && oldSize > 0 {
		copy(buf[start:start+min(oldSize, newSize)], bytesAt(ptr, min(oldSize, newSize)))
	}
	return base + start
}

func addr(buf []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
}

func pointer(a uint32) unsafe.Pointer {
	// a is a linear-memory address the host got from cabi_realloc or a lowered value (go vet flags it).
	return unsafe.Pointer(uintptr(a))
}

func bytesAt(a, n uint32) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(pointer(a)), n)
}

func u32At(a uint32) uint32 { return binary.LittleEndian.Uint32(bytesAt(a, 4)) }
func u8At(a uint32) uint8   { return *(*uint8)(pointer(a)) }

// stringAt reads a (ptr, len) string at address a; it aliases the host-filled buffer.
func stringAt(a uint32) string {
	n := u32At(a + 4)
	if n == 0 {
		return ""
	}
	return unsafe.String((*byte)(pointer(u32At(a))), n)
}

// Request layout: primary string @0, owned list @8, related list @16, trigger variant @24
// (u8 case @24, object-ref @28), finalizing bool @64.
// object-ref: api-version @0, kind @8, namespace option<string> (u8 @16, string @20), name @28.
func liftRequest(a uint32) wireRequest {
	r := wireRequest{primary: stringAt(a + 0), finalizing: u8At(a+64) != 0}
	r.owned = stringListAt(a + 8)
	r.related = stringListAt(a + 16)
	r.trigger.Type = triggerTypes[u8At(a+24)]
	if r.trigger.Type == TriggerOwned || r.trigger.Type == TriggerRelated {
		ref := a + 28
		r.trigger.Ref = &ObjectRef{APIVersion: stringAt(ref), Kind: stringAt(ref + 8), Name: stringAt(ref + 28)}
		if u8At(ref+16) != 0 {
			r.trigger.Ref.Namespace = stringAt(ref + 20)
		}
	}
	return r
}

var triggerTypes = [...]TriggerType{TriggerPrimary, TriggerOwned, TriggerRelated, TriggerRequeue}

func stringListAt(a uint32) []string {
	base, n := u32At(a), u32At(a+4)
	out := make([]string, n)
	for i := range n {
		out[i] = stringAt(base + 8*i)
	}
	return out
}

// writer lowers values into one Go-owned buffer per list or record and retains what it points to.
type writer struct{}

func (writer) alloc(size int) ([]byte, uint32) {
	buf := make([]byte, size)
	retained = append(retained, buf)
	return buf, addr(buf)
}

func (writer) str(buf []byte, off int, s string) {
	retained = append(retained, s)
	var p uint32
	if len(s) > 0 {
		p = uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))
	}
	binary.LittleEndian.PutUint32(buf[off:], p)
	binary.LittleEndian.PutUint32(buf[off+4:], uint32(len(s)))
}

func (w writer) optString(buf []byte, off int, s *string) {
	if s == nil {
		buf[off] = 0
		return
	}
	buf[off] = 1
	w.str(buf, off+4, *s)
}

func (w writer) list(buf []byte, off, n, size int, each func(elem []byte, i int)) {
	var p uint32
	if n > 0 {
		var items []byte
		items, p = w.alloc(n * size)
		for i := range n {
			each(items[i*size:(i+1)*size], i)
		}
	}
	binary.LittleEndian.PutUint32(buf[off:], p)
	binary.LittleEndian.PutUint32(buf[off+4:], uint32(n))
}

func (w writer) kinds(buf []byte, off int, kinds []Kind) {
	w.list(buf, off, len(kinds), 16, func(e []byte, i int) {
		w.str(e, 0, kinds[i].APIVersion)
		w.str(e, 8, kinds[i].Kind)
	})
}

// Descriptor layout: name @0, version @8, primary kind-ref @16, owns @32, reads @40, finalizer @48; 52 bytes.
func lowerDescriptor(d *Descriptor) uint32 {
	w := writer{}
	buf, p := w.alloc(52)
	w.str(buf, 0, d.Name)
	w.str(buf, 8, d.Version)
	w.str(buf, 16, d.Primary.APIVersion)
	w.str(buf, 24, d.Primary.Kind)
	w.kinds(buf, 32, d.Owns)
	w.kinds(buf, 40, d.Reads)
	if d.Finalizer {
		buf[48] = 1
	}
	return p
}

// result<response, string>: u8 case @0 (0 ok, 1 err), payload @4; 52 bytes. Response layout:
// desired @0, status option<string> (u8 @8, string @12), related @20, requeue-after-ms
// option<u32> (u8 @28, u32 @32), finalized bool @36, events @40.
func lowerOk(r *wireResponse) uint32 {
	w := writer{}
	buf, p := w.alloc(52)
	body := buf[4:]
	w.list(body, 0, len(r.desired), 8, func(e []byte, i int) { w.str(e, 0, r.desired[i]) })
	w.optString(body, 8, r.status)
	w.list(body, 20, len(r.related), 48, func(e []byte, i int) { w.selector(e, &r.related[i]) })
	if r.requeueAfterMs != nil {
		body[28] = 1
		binary.LittleEndian.PutUint32(body[32:], *r.requeueAfterMs)
	}
	if r.finalized {
		body[36] = 1
	}
	w.list(body, 40, len(r.events), 20, func(e []byte, i int) {
		e[0] = r.events[i].kind
		w.str(e, 4, r.events[i].Reason)
		w.str(e, 12, r.events[i].Message)
	})
	return p
}

// Selector layout: api-version @0, kind @8, namespace option<string> @16, name option<string>
// @28, match-labels list<label> @40 (label: key @0, value @8; 16 bytes); 48 bytes.
func (w writer) selector(e []byte, s *wireSelector) {
	w.str(e, 0, s.APIVersion)
	w.str(e, 8, s.Kind)
	w.optString(e, 16, s.Namespace)
	w.optString(e, 28, s.Name)
	w.list(e, 40, len(s.labels), 16, func(l []byte, i int) {
		w.str(l, 0, s.labels[i][0])
		w.str(l, 8, s.labels[i][1])
	})
}

func lowerErr(message string) uint32 {
	w := writer{}
	buf, p := w.alloc(12)
	buf[0] = 1
	w.str(buf, 4, message)
	return p
}
