// The canonical-ABI layout (wasm32) of the world `reconciler`'s types: byte offsets and sizes abi.go reads and writes.
//
// Checked against wit/ on every build by reconcilers/pipeline/go-layout.ts (the witlayout command, which
// reads wit/ with go.bytecodealliance.org/wit): a WIT change that moves a field fails the build until
// this table (and abi.go) follow it.
package zeroloop

const (
	descriptorConfigSchema  = 52
	descriptorFinalizer     = 48
	descriptorFinalizerName = 64
	descriptorName          = 0
	descriptorOwns          = 32
	descriptorPrimary       = 16
	descriptorReads         = 40
	descriptorSize          = 76
	descriptorVersion       = 8
	eventMessage            = 12
	eventReason             = 4
	eventSize               = 20
	eventType               = 0
	externalEventDelivery   = 24
	externalEventEvent      = 16
	externalEventHook       = 0
	externalEventSize       = 44
	externalEventSource     = 8
	externalEventSummary    = 32
	kindRefApiVersion       = 0
	kindRefKind             = 8
	kindRefSize             = 16
	labelKey                = 0
	labelSize               = 16
	labelValue              = 8
	lastWritePayload        = 4
	lastWriteSize           = 16
	objectRefApiVersion     = 0
	objectRefKind           = 8
	objectRefName           = 28
	objectRefNamespace      = 16
	objectRefSize           = 36
	optionObjectJsonPayload = 4
	optionStringPayload     = 4
	optionU32Payload        = 4
	requestConfig           = 76
	requestFinalizing       = 72
	requestLastWrite        = 88
	requestOwned            = 8
	requestPrimary          = 0
	requestRelated          = 16
	requestSize             = 104
	requestTrigger          = 24
	responseDesired         = 0
	responseEvents          = 40
	responseFinalized       = 36
	responseRelated         = 20
	responseRequeueAfterMs  = 28
	responseSize            = 48
	responseStatus          = 8
	resultPayload           = 4
	resultSize              = 52
	selectorApiVersion      = 0
	selectorKind            = 8
	selectorMatchLabels     = 40
	selectorName            = 28
	selectorNamespace       = 16
	selectorSize            = 48
	triggerPayload          = 4
	triggerSize             = 48
	writeFailureMessage     = 4
	writeFailureSize        = 12
	writeFailureStep        = 0
)
