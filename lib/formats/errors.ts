/**
 * The original service's error family. Lives in lib/formats because the format readers are the
 * first to raise them and lib/formats may import nothing else of ours; lib/registry re-exports
 * them and the HTTP layer maps `code` → status in one place.
 */
export type ErrorDetails = Record<string, unknown>;

/*
 * Error identity that survives a duplicated module. Next.js bundles instrumentation and every route
 * separately, and singletons (the artifact store, the task pool, the database) live on globalThis:
 * an error thrown by the copy of a class in one bundle must still be `instanceof` that class in
 * another, or a typed refusal becomes a 500. Each class declares a stable family name (class names
 * may be minified); instances carry the families of their whole class chain under a global symbol.
 */
const FAMILY = Symbol.for('drawbridge.error.family');
const FAMILIES = Symbol.for('drawbridge.error.families');

type Branded = { [FAMILY]?: string };

/** Gives `cls` the stable family name `family` (call once per class, after its declaration). */
export function errorFamily<T extends abstract new (...args: never[]) => Error>(cls: T, family: string): T {
  Object.defineProperty(cls, FAMILY, { value: family });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: Branded, x: unknown): boolean {
      const own = Object.prototype.hasOwnProperty.call(this, FAMILY) ? this[FAMILY] : undefined;
      if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
      const fams = typeof x === 'object' && x !== null ? (x as { [FAMILIES]?: unknown })[FAMILIES] : undefined;
      return own !== undefined && Array.isArray(fams) && fams.includes(own);
    },
  });
  return cls;
}

/** Records the families of `target`'s class chain on `err`; base constructors call it. */
export function markErrorFamilies(err: Error, target: Function): void {
  const fams: string[] = [];
  for (let c: unknown = target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
    if (Object.prototype.hasOwnProperty.call(c, FAMILY)) fams.push((c as Branded)[FAMILY]!);
  }
  Object.defineProperty(err, FAMILIES, { value: fams });
}

export class ModelDeploymentError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;
  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
    markErrorFamilies(this, new.target);
  }
}
errorFamily(ModelDeploymentError, 'ModelDeploymentError');

/** Export failed: bad request parameters, missing job/report, unwritable format. */
export class ModelExportError extends ModelDeploymentError {}
errorFamily(ModelExportError, 'ModelExportError');

/** The bytes are not acceptable: corrupt, unsafe, truncated, checksum mismatch. */
export class ModelValidationError extends ModelDeploymentError {}
errorFamily(ModelValidationError, 'ModelValidationError');

/** The bytes parse but are not the autoencoder we serve (layout, dims, dtype). */
export class ModelCompatibilityError extends ModelDeploymentError {}
errorFamily(ModelCompatibilityError, 'ModelCompatibilityError');

export function isModelDeploymentError(e: unknown): e is ModelDeploymentError {
  return e instanceof ModelDeploymentError;
}
