/**
 * The original service's error family, as DomainErrors (lib/errors.ts): the format readers are the
 * first to raise them. The kind, and so the HTTP status, comes from the code's entry in
 * ERROR_CODES; a code the table lacks falls back by class (the bytes are not an acceptable model:
 * unprocessable; otherwise the request was: invalid).
 */
import { DomainError, errorFamily, kindOfCode, type ErrorDetails, type ErrorKind } from '../errors';

export { errorFamily, markErrorFamilies, type ErrorDetails } from '../errors';

export class ModelDeploymentError extends DomainError {
  protected static readonly fallbackKind: ErrorKind = 'invalid';
  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(kindOfCode(code, (new.target as typeof ModelDeploymentError).fallbackKind), code, message, details);
  }
}
errorFamily(ModelDeploymentError, 'ModelDeploymentError');

/** Export failed: bad request parameters, missing job/report, unwritable format. */
export class ModelExportError extends ModelDeploymentError {}
errorFamily(ModelExportError, 'ModelExportError');

/** The bytes are not acceptable: corrupt, unsafe, truncated, checksum mismatch. */
export class ModelValidationError extends ModelDeploymentError {
  protected static readonly fallbackKind: ErrorKind = 'unprocessable';
}
errorFamily(ModelValidationError, 'ModelValidationError');

/** The bytes parse but are not the autoencoder we serve (layout, dims, dtype). */
export class ModelCompatibilityError extends ModelDeploymentError {
  protected static readonly fallbackKind: ErrorKind = 'unprocessable';
}
errorFamily(ModelCompatibilityError, 'ModelCompatibilityError');

export function isModelDeploymentError(e: unknown): e is ModelDeploymentError {
  return e instanceof ModelDeploymentError;
}

const UNREADABLE = { checkpoint: 'checkpoint_unreadable', 'validation set': 'validation_set_unreadable' } as const;

/** A reader crashing on hostile bytes (not with one of these errors) still refuses those bytes, it is no server fault. */
export function unreadableError(what: keyof typeof UNREADABLE, message: string): ModelValidationError {
  return new ModelValidationError(UNREADABLE[what], message);
}
