// A website request as website-go takes it: the Website kind and group swapped for the Go port's own.
import type { ReconcileRequest } from '../../src/protocol/schemas.ts';

/** `request` with every `examples.zeroloop.dev/v1alpha1` Website made a `go.examples.zeroloop.dev/v1alpha1` GoWebsite. */
export function forWebsiteGo(request: ReconcileRequest): ReconcileRequest {
  const text = JSON.stringify(request)
    .replaceAll('"examples.zeroloop.dev/v1alpha1"', '"go.examples.zeroloop.dev/v1alpha1"')
    .replaceAll('"kind":"Website"', '"kind":"GoWebsite"');
  return JSON.parse(text) as ReconcileRequest;
}
