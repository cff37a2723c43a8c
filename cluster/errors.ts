// Typed errors of the local control plane, each named after the step that failed and saying what to do.

/** Base class: every control-plane error carries the step that failed and a hint for the reader. */
export class ControlPlaneError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(`${message}\n  what to do: ${hint}`, options);
    this.hint = hint;
  }
}

/** `go` is not on PATH or is older than the go.mod needs. */
export class GoToolchainMissing extends ControlPlaneError {
  override readonly name = 'GoToolchainMissing';
}

/** The Go module proxy (or the checksum database) could not be reached while downloading modules. */
export class ModuleDownloadFailed extends ControlPlaneError {
  override readonly name = 'ModuleDownloadFailed';
}

/** `go build` of one binary failed. */
export class BinaryBuildFailed extends ControlPlaneError {
  override readonly name = 'BinaryBuildFailed';
}

/** A control-plane process could not be started or exited before it was ready. */
export class ProcessStartFailed extends ControlPlaneError {
  override readonly name = 'ProcessStartFailed';
}

/** A component did not become ready in time. */
export class ReadinessTimeout extends ControlPlaneError {
  override readonly name = 'ReadinessTimeout';
}

/** An option of startControlPlane() is out of range. */
export class InvalidControlPlaneOption extends ControlPlaneError {
  override readonly name = 'InvalidControlPlaneOption';
}
