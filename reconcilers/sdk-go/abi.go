// The canonical ABI of the world `reconciler` for big Go (GOARCH=wasm): lifts the request, lowers the answer.
//
// wit-bindgen-go's generated types assume 32-bit pointers (TinyGo); big Go's GOARCH=wasm has
// 8-byte pointers, ints and string headers, so its structs cannot alias canonical-ABI memory.
// This file reads and writes that memory by offset instead: the offsets in layout.go, the WIT layout
// (wasm32: 4-byte pointers and lengths), checked against wit/ on every build.
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

// liftRequest reads the request record the host wrote at address a.
func liftRequest(a uint32) wireRequest {
	r := wireRequest{primary: stringAt(a + requestPrimary), finalizing: u8At(a+requestFinalizing) != 0}
	r.owned = stringListAt(a + requestOwned)
	r.related = stringListAt(a + requestRelated)
	trigger := a + requestTrigger
	r.trigger.Type = triggerTypes[u8At(trigger)]
	switch r.trigger.Type {
	case TriggerOwned, TriggerRelated:
		ref := trigger + triggerPayload
		r.trigger.Ref = &ObjectRef{
			APIVersion: stringAt(ref + objectRefApiVersion),
			Kind:       stringAt(ref + objectRefKind),
			Name:       stringAt(ref + objectRefName),
		}
		if u8At(ref+objectRefNamespace) != 0 {
			r.trigger.Ref.Namespace = stringAt(ref + objectRefNamespace + optionStringPayload)
		}
	case TriggerExternal:
		e := trigger + triggerPayload
		r.trigger.External = &ExternalEvent{
			Hook:     stringAt(e + externalEventHook),
			Source:   stringAt(e + externalEventSource),
			Event:    stringAt(e + externalEventEvent),
			Delivery: stringAt(e + externalEventDelivery),
		}
		r.summary = optStringAt(e + externalEventSummary)
	}
	r.config = optStringAt(a + requestConfig)
	lastWrite := a + requestLastWrite
	r.lastWrite.State = lastWriteStates[u8At(lastWrite)]
	if r.lastWrite.State == LastWriteFailed {
		failure := lastWrite + lastWritePayload
		r.lastWrite.Step = writeSteps[u8At(failure+writeFailureStep)]
		r.lastWrite.Message = stringAt(failure + writeFailureMessage)
	}
	return r
}

// The cases of the WIT variants and enums, in declaration order (their discriminants).
var (
	triggerTypes    = [...]TriggerType{TriggerPrimary, TriggerOwned, TriggerRelated, TriggerRequeue, TriggerExternal}
	lastWriteStates = [...]LastWriteState{LastWriteUnknown, LastWriteApplied, LastWriteFailed}
	writeSteps      = [...]WriteStep{WriteDryRun, WriteApply, WritePrune, WriteStatus}
)

// optStringAt reads an option<string> at address a: nil for none.
func optStringAt(a uint32) *string {
	if u8At(a) == 0 {
		return nil
	}
	s := stringAt(a + optionStringPayload)
	return &s
}

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
	w.str(buf, off+optionStringPayload, *s)
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
	w.list(buf, off, len(kinds), kindRefSize, func(e []byte, i int) {
		w.str(e, kindRefApiVersion, kinds[i].APIVersion)
		w.str(e, kindRefKind, kinds[i].Kind)
	})
}

func lowerDescriptor(d *Descriptor) uint32 {
	w := writer{}
	buf, p := w.alloc(descriptorSize)
	w.str(buf, descriptorName, d.Name)
	w.str(buf, descriptorVersion, d.Version)
	w.str(buf, descriptorPrimary+kindRefApiVersion, d.Primary.APIVersion)
	w.str(buf, descriptorPrimary+kindRefKind, d.Primary.Kind)
	w.kinds(buf, descriptorOwns, d.Owns)
	w.kinds(buf, descriptorReads, d.Reads)
	if d.Finalizer {
		buf[descriptorFinalizer] = 1
	}
	w.optString(buf, descriptorConfigSchema, noneIfEmpty(d.ConfigSchema))
	w.optString(buf, descriptorFinalizerName, noneIfEmpty(d.FinalizerName))
	return p
}

// noneIfEmpty is nil for "" (WIT none), else a pointer to s.
func noneIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// lowerOk writes result<response, string> with case 0 (ok) and the response as its payload.
func lowerOk(r *wireResponse) uint32 {
	w := writer{}
	buf, p := w.alloc(resultSize)
	body := buf[resultPayload:]
	w.list(body, responseDesired, len(r.desired), 8, func(e []byte, i int) { w.str(e, 0, r.desired[i]) })
	w.optString(body, responseStatus, r.status)
	w.list(body, responseRelated, len(r.related), selectorSize, func(e []byte, i int) { w.selector(e, &r.related[i]) })
	if r.requeueAfterMs != nil {
		body[responseRequeueAfterMs] = 1
		binary.LittleEndian.PutUint32(body[responseRequeueAfterMs+optionU32Payload:], *r.requeueAfterMs)
	}
	if r.finalized {
		body[responseFinalized] = 1
	}
	w.list(body, responseEvents, len(r.events), eventSize, func(e []byte, i int) {
		e[eventType] = r.events[i].kind
		w.str(e, eventReason, r.events[i].Reason)
		w.str(e, eventMessage, r.events[i].Message)
	})
	return p
}

func (w writer) selector(e []byte, s *wireSelector) {
	w.str(e, selectorApiVersion, s.APIVersion)
	w.str(e, selectorKind, s.Kind)
	w.optString(e, selectorNamespace, s.Namespace)
	w.optString(e, selectorName, s.Name)
	w.list(e, selectorMatchLabels, len(s.labels), labelSize, func(l []byte, i int) {
		w.str(l, labelKey, s.labels[i][0])
		w.str(l, labelValue, s.labels[i][1])
	})
}

// lowerErr writes result<response, string> with case 1 (err) and the message as its payload.
func lowerErr(message string) uint32 {
	w := writer{}
	buf, p := w.alloc(resultSize)
	buf[0] = 1
	w.str(buf, resultPayload, message)
	return p
}
