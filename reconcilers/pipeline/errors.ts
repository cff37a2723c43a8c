// Typed pipeline errors, one per step, each naming the reconciler and file that failed and what to do.

/** Base class: every pipeline failure names the reconciler and the file at fault. */
export class PipelineError extends Error {
  readonly reconciler: string;
  readonly file: string;
  constructor(reconciler: string, file: string, message: string, options?: ErrorOptions) {
    super(`${reconciler}: ${file}: ${message}`, options);
    this.reconciler = reconciler;
    this.file = file;
  }
}

export class ManifestInvalid extends PipelineError {
  override readonly name = 'ManifestInvalid';
}
export class TypecheckFailed extends PipelineError {
  override readonly name = 'TypecheckFailed';
}
export class BundleFailed extends PipelineError {
  override readonly name = 'BundleFailed';
}
/** The bundle does not export what the WIT world expects (componentize would accept it, calls would trap). */
export class WorldExportsMissing extends PipelineError {
  override readonly name = 'WorldExportsMissing';
}
export class ComponentizeFailed extends PipelineError {
  override readonly name = 'ComponentizeFailed';
}
export class TranspileFailed extends PipelineError {
  override readonly name = 'TranspileFailed';
}
export class ExtractWasmFailed extends PipelineError {
  override readonly name = 'ExtractWasmFailed';
}
/** Generated JS would compile wasm from bytes at run time, which workerd forbids. */
export class WasmFromBytesFound extends PipelineError {
  override readonly name = 'WasmFromBytesFound';
}
export class GuestTypesFailed extends PipelineError {
  override readonly name = 'GuestTypesFailed';
}
/** `go build` of a Go reconciler failed (compile errors, a missing module, no Go toolchain). */
export class GoBuildFailed extends PipelineError {
  override readonly name = 'GoBuildFailed';
}
/** reconcilers/sdk-go/layout.go no longer matches the WIT world's memory layout (or it could not be checked). */
export class GoLayoutMismatch extends PipelineError {
  override readonly name = 'GoLayoutMismatch';
}
