// Errors that become the wit `err` of `reconcile`: explained, permanent failures for this input.
package zeroloop

import "fmt"

// ReconcileError is an explained failure for this input; Reconcile may return any error, this
// one is what the SDK itself returns.
type ReconcileError struct{ Message string }

func (e *ReconcileError) Error() string { return e.Message }

// Errorf returns a ReconcileError with a formatted message.
func Errorf(format string, args ...any) error {
	return &ReconcileError{Message: fmt.Sprintf(format, args...)}
}
