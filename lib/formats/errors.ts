/**
 * The original service's error family. Lives in lib/formats because the format readers are the
 * first to raise them and lib/formats may import nothing else of ours; lib/registry re-exports
 * them and the HTTP layer maps `code` → status in one place.
 */
export type ErrorDetails = Record<string, unknown>;

export class ModelDeploymentError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;
  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Export failed: bad request parameters, missing job/report, unwritable format. */
export class ModelExportError extends ModelDeploymentError {}

/** The bytes are not acceptable: corrupt, unsafe, truncated, checksum mismatch. */
export class ModelValidationError extends ModelDeploymentError {}

/** The bytes parse but are not the autoencoder we serve (layout, dims, dtype). */
export class ModelCompatibilityError extends ModelDeploymentError {}

export function isModelDeploymentError(e: unknown): e is ModelDeploymentError {
  return e instanceof ModelDeploymentError;
}
