// Re-exports the component side of the worker: the instance pool and the calls into components.
export {
  incompatibleComponent,
  InstancePool,
  unknownReconciler,
  type InstancePoolOptions,
  type InstantiateListener,
} from './pool.ts';
export { invokeReconcile, type InvokeOptions } from './invoke.ts';
export { describeReconciler } from './describe.ts';
