/**
 * The one error model. Every refusal is a DomainError with a `kind` (what sort of refusal) and a
 * stable `code` from ERROR_CODES; the HTTP status comes from the kind, here and nowhere else.
 * Imports nothing: lib/formats (which may import nothing of ours but this), the CLI and the browser
 * all use it. lib/errors.test.ts fails if code anywhere throws a code this table lacks.
 */
export type ErrorDetails = Record<string, unknown>;

export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  // The request itself is malformed (syntax, parameters that can never name anything).
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  // Names nothing, or nothing this actor may see (the same answer, so existence does not leak).
  not_found: 404,
  // Well-formed, but the current state of the registry does not allow it.
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  // Well-formed, but the content is not acceptable (bytes that are not a model we serve, bad values).
  unprocessable: 422,
  rate_limited: 429,
  // The server's own state is broken (an artifact changed on disk, a writer failed).
  internal: 500,
  // The server could not do the work now; trying again later may succeed.
  unavailable: 503,
};

export function statusOfKind(kind: ErrorKind): number {
  return STATUS_OF_KIND[kind];
}

/** `also`: other kinds a thrower may choose for this code (see invalid_request). */
type CodeEntry = { kind: ErrorKind; message?: string; also?: readonly ErrorKind[] };

/** Every code thrown anywhere, by kind. `message` is the human template where one wording serves all throwers. */
export const ERROR_CODES = {
  // 400
  invalid_json: { kind: 'invalid' },
  invalid_multipart: { kind: 'invalid' },
  unexpected_file: { kind: 'invalid' },
  invalid_export_path: { kind: 'invalid' },
  export_bad_format: { kind: 'invalid' },
  export_bad_opset: { kind: 'invalid' },
  artifact_bad_hash: { kind: 'invalid' },
  query_parameters_refused: { kind: 'invalid' },
  // The webhook's host name does not resolve: the caller's URL, not the registry, is wrong.
  webhook_target_unresolved: { kind: 'invalid' },
  // 401 / 403
  unauthenticated: { kind: 'unauthenticated', message: 'Sign in to continue.' },
  forbidden: { kind: 'forbidden' },
  // The requester of a deployment request may never review it.
  self_review: { kind: 'forbidden' },
  csrf_refused: { kind: 'forbidden' },
  // 404
  not_found: { kind: 'not_found', message: '{what} {id} not found' },
  training_job_not_found: { kind: 'not_found', message: '{what} {id} not found' },
  model_not_found: { kind: 'not_found', message: '{what} {id} not found' },
  deployment_not_found: { kind: 'not_found' },
  artifact_not_found: { kind: 'not_found' },
  request_not_found: { kind: 'not_found', message: '{what} {id} not found' },
  // 409
  conflict: { kind: 'conflict' },
  active_model_exists: { kind: 'conflict' },
  // A concurrent writer won a serializable transaction and retries ran out: nothing changed, retry.
  deploy_conflict: { kind: 'conflict' },
  no_backup: { kind: 'conflict' },
  training_job_not_completed: { kind: 'conflict' },
  training_report_missing: { kind: 'conflict' },
  checkpoint_missing: { kind: 'conflict' },
  validation_set_missing: { kind: 'conflict' },
  age_range_mismatch: { kind: 'conflict' },
  approval_required: { kind: 'conflict' },
  not_approved: { kind: 'conflict' },
  policy_not_satisfied: { kind: 'conflict' },
  invalid_transition: { kind: 'conflict' },
  validation_required: { kind: 'conflict' },
  preview_summary_required: { kind: 'conflict' },
  // The CLI's embedded database is held by another process (lib/db/data-dir-lock.ts).
  data_dir_in_use: { kind: 'conflict' },
  // 413
  artifact_too_large: { kind: 'too_large' },
  payload_too_large: { kind: 'too_large' },
  // 415
  unsupported_media_type: { kind: 'unsupported_media_type' },
  // 422. invalid_request is a schema violation (422) except where lib/api/input-guard or the database
  // refuses a value's bytes before any schema reads it (400); clients and tests rely on both.
  invalid_request: { kind: 'unprocessable', also: ['invalid'] },
  artifact_hash_mismatch: { kind: 'unprocessable' },
  export_invalid_model: { kind: 'unprocessable' },
  export_bad_tensor: { kind: 'unprocessable' },
  export_bad_metadata: { kind: 'unprocessable' },
  export_failed: { kind: 'unprocessable' },
  pickle_unsupported_value: { kind: 'unprocessable' },
  validation_failed: { kind: 'unprocessable' },
  validation_set_invalid: { kind: 'unprocessable' },
  break_glass_reason_required: { kind: 'unprocessable' },
  invalid_preview_summary: { kind: 'unprocessable' },
  invalid_parent: { kind: 'unprocessable' },
  // A webhook URL that is (or resolves to) an address the egress policy refuses (lib/registry/egress.ts).
  webhook_target_forbidden: { kind: 'unprocessable' },
  // The bytes are not an acceptable model: lib/formats' readers.
  not_a_checkpoint: { kind: 'unprocessable' },
  not_an_autoencoder: { kind: 'unprocessable' },
  architecture_mismatch: { kind: 'unprocessable' },
  unsupported_byteorder: { kind: 'unprocessable' },
  storage_missing: { kind: 'unprocessable' },
  tensor_out_of_bounds: { kind: 'unprocessable' },
  tensor_too_large: { kind: 'unprocessable' },
  unsafe_pickle_global: { kind: 'unprocessable' },
  pickle_malformed: { kind: 'unprocessable' },
  pickle_bad_key: { kind: 'unprocessable' },
  pickle_forbidden_opcode: { kind: 'unprocessable' },
  pickle_too_deep: { kind: 'unprocessable' },
  drawbridge_pickle_bad_format: { kind: 'unprocessable' },
  drawbridge_pickle_bad_tensor: { kind: 'unprocessable' },
  safetensors_bad_dtype: { kind: 'unprocessable' },
  safetensors_bad_header: { kind: 'unprocessable' },
  safetensors_bad_metadata: { kind: 'unprocessable' },
  safetensors_bad_offsets: { kind: 'unprocessable' },
  safetensors_bad_shape: { kind: 'unprocessable' },
  safetensors_header_too_large: { kind: 'unprocessable' },
  safetensors_shape_mismatch: { kind: 'unprocessable' },
  safetensors_truncated: { kind: 'unprocessable' },
  onnx_external_data: { kind: 'unprocessable' },
  onnx_malformed: { kind: 'unprocessable' },
  onnx_not_autoencoder: { kind: 'unprocessable' },
  onnx_unsupported_dtype: { kind: 'unprocessable' },
  zip_bomb: { kind: 'unprocessable' },
  zip_corrupt: { kind: 'unprocessable' },
  zip_crc_mismatch: { kind: 'unprocessable' },
  zip_duplicate_entry: { kind: 'unprocessable' },
  zip_header_mismatch: { kind: 'unprocessable' },
  zip_missing_entry: { kind: 'unprocessable' },
  zip_overlapping_entries: { kind: 'unprocessable' },
  zip_size_mismatch: { kind: 'unprocessable' },
  zip_slip: { kind: 'unprocessable' },
  zip_unsupported: { kind: 'unprocessable' },
  // The file costs more than this server lets one file use (lib/workers).
  processing_timeout: { kind: 'unprocessable' },
  processing_out_of_memory: { kind: 'unprocessable' },
  // 429: sign-in or bearer-token guessing is in back-off or locked out (lib/auth/throttle.ts).
  too_many_attempts: { kind: 'rate_limited' },
  // 500
  internal_error: { kind: 'internal', message: 'Internal error; it has been logged.' },
  artifact_corrupt: { kind: 'internal' },
  zip_write_failed: { kind: 'internal' },
  data_dir_lock_unreadable: { kind: 'internal' },
  // A backup or restore stopped: the archive (corrupt, truncated, tampered), the target or the versions.
  backup_corrupt: { kind: 'internal' },
  backup_truncated: { kind: 'internal' },
  backup_incompatible: { kind: 'internal' },
  backup_target_not_empty: { kind: 'internal' },
  backup_unsupported_schema: { kind: 'internal' },
  backup_failed: { kind: 'internal' },
  // 503: the task pool or the database could not take the work now.
  worker_crashed: { kind: 'unavailable' },
  server_busy: { kind: 'unavailable', message: 'The database is busy with other changes; try again in a moment.' },
} as const satisfies Record<string, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

const ENTRIES: Record<string, CodeEntry | undefined> = ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The kind of `code`; `fallback` for a code the table lacks (the error-code test keeps that to tests). */
export function kindOfCode(code: string, fallback: ErrorKind = 'internal'): ErrorKind {
  return isErrorCode(code) ? ENTRIES[code]!.kind : fallback;
}

/** `code`'s human template with `{name}` placeholders filled from `params`. */
export function messageOf(code: ErrorCode, params: Record<string, string | number> = {}): string {
  const template = ENTRIES[code]?.message ?? code;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

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

/** Records the families of `target`'s class chain on `err`; DomainError's constructor calls it. */
export function markErrorFamilies(err: Error, target: Function): void {
  const fams: string[] = [];
  for (let c: unknown = target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
    if (Object.prototype.hasOwnProperty.call(c, FAMILY)) fams.push((c as Branded)[FAMILY]!);
  }
  Object.defineProperty(err, FAMILIES, { value: fams });
}

/** A refusal a person can act on: a kind (→ HTTP status), a stable code, words, and structured details. */
export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: ErrorDetails;
  constructor(kind: ErrorKind, code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    // A kind the table does not allow for this code would give one code two statuses: the table wins.
    const entry = ENTRIES[code];
    this.kind = !entry || entry.kind === kind || entry.also?.includes(kind) ? kind : entry.kind;
    this.code = code;
    this.details = details;
    markErrorFamilies(this, new.target);
  }

  get status(): number {
    return statusOfKind(this.kind);
  }
}
errorFamily(DomainError, 'DomainError');

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/** Generic 404 for a subject: same wording whether it does not exist or the actor may not see it. */
export function notFound(what: string, id: string | number, code: ErrorCode = 'not_found'): DomainError {
  return new DomainError('not_found', code, messageOf('not_found', { what, id }));
}

export function conflict(message: string, details: ErrorDetails = {}): DomainError {
  return new DomainError('conflict', 'conflict', message, details);
}

/** What a person reads for an error: its message, its code, and the form field it concerns, if any. */
export type ErrorDescription = { message: string; code: string; field?: string };

/**
 * The same error in the same words wherever it surfaces (a server action's form, the CLI's line):
 * null for anything that is not a DomainError (the caller decides what an unexpected error shows).
 */
export function describeError(e: unknown): ErrorDescription | null {
  if (!isDomainError(e)) return null;
  const field = e.details.field;
  return { message: e.message, code: e.code, ...(typeof field === 'string' ? { field } : {}) };
}
