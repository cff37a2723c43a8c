// The guest-side SDK for TypeScript reconcilers; it is bundled into each QuickJS component, so it has no dependencies.
export { defineReconciler, type ReconcilerModule } from './define.ts';
export { err, ReconcileError } from './errors.ts';
export {
  kinds,
  normal,
  object,
  seconds,
  selectByLabels,
  selectByName,
  warning,
  type ObjectMeta,
} from './builders.ts';
export { countOf, hasTrueCondition, ObjectSet, pathOf } from './objects.ts';
export { observedAt, previousCondition, transition } from './conditions.ts';
export { SpecReader } from './spec.ts';
export type { GuestRequest } from './request.ts';
export type * from './types.ts';
