// The protocol's error codes, their HTTP statuses, and the JSON error body every non-2xx answer carries.
import * as z from 'zod/mini';

/** Stable error codes; clients switch on these, never on messages. */
export const ERROR_STATUS = {
  bad_request: 400,
  nesting_too_deep: 400,
  number_out_of_range: 400,
  /** The request states no protocol version, or another than the worker's (src/protocol/version.ts). */
  incompatible_protocol: 400,
  unauthorized: 401,
  not_found: 404,
  /** A hook delivery whose id was accepted in the last 24 h (worker/hooks/). */
  duplicate_delivery: 409,
  payload_too_large: 413,
  /** A hook over its rate limit, or a cluster whose relay has not collected its deliveries; see Retry-After. */
  rate_limited: 429,
  reconciler_error: 422,
  reconciler_trap: 500,
  invalid_answer: 502,
  /** The named component was built against a WIT version this worker does not run. */
  incompatible_component: 500,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Whether a failed call may succeed when retried with the same input. */
export function isRetryable(code: ErrorCode): boolean {
  return (
    code !== 'not_found' &&
    code !== 'duplicate_delivery' &&
    code !== 'bad_request' &&
    code !== 'nesting_too_deep' &&
    code !== 'number_out_of_range' &&
    code !== 'payload_too_large' &&
    code !== 'incompatible_protocol' &&
    code !== 'incompatible_component'
  );
}
