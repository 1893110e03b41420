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

/**
 * Every code thrown anywhere, by kind: a code's status is its kind's. Comments say what a group
 * means where the kind alone does not.
 */
const CODES_BY_KIND = {
  invalid: [
    // Bytes no schema should read: a NUL, a lone surrogate, a broken percent-escape, JSON nested too
    // deep (lib/api/input-guard), or a value the database refused to store.
    'malformed_input',
    'invalid_json',
    'invalid_multipart',
    'unexpected_file',
    'invalid_export_path',
    'export_bad_format',
    'export_bad_opset',
    'artifact_bad_hash',
    'query_parameters_refused',
    // The webhook's host name does not resolve: the caller's URL, not the registry, is wrong.
    'webhook_target_unresolved',
  ],
  unauthenticated: ['unauthenticated'],
  // self_review: the requester of a deployment request may never review it.
  forbidden: ['forbidden', 'self_review', 'csrf_refused'],
  not_found: [
    'not_found',
    'training_job_not_found',
    'model_not_found',
    'deployment_not_found',
    'artifact_not_found',
    'request_not_found',
    'key_not_found',
    // Unknown, or already revoked: either way there is no live link by that id to act on.
    'share_link_not_found',
  ],
  conflict: [
    'conflict',
    'active_model_exists',
    // A concurrent writer won a serializable transaction and retries ran out: nothing changed, retry.
    'deploy_conflict',
    // Another attempt is deploying this request right now (its claim is held): wait, then read it.
    'deploy_in_progress',
    'no_backup',
    'training_job_not_completed',
    'training_report_missing',
    'checkpoint_missing',
    'validation_set_missing',
    // The review workflow: the request's state or its policy does not allow it (yet).
    'approval_required',
    'not_approved',
    'policy_not_satisfied',
    'invalid_transition',
    'validation_required',
    'preview_summary_required',
    // The CLI's embedded database is held by another process (lib/db/data-dir-lock.ts).
    'data_dir_in_use',
    // A model card saved on top of a version that is no longer the latest: reload, merge, save again.
    'model_card_conflict',
    // The share-link key that signs now cannot be retired (lib/auth/server-keys.ts): rotate first.
    'key_in_use',
  ],
  too_large: ['artifact_too_large', 'payload_too_large', 'model_card_too_large'],
  unsupported_media_type: ['unsupported_media_type'],
  unprocessable: [
    // A value the request's schema took and the domain does not (or a schema violation: zod's issues).
    'invalid_request',
    // What the request names disagrees about ages: an export for other ages than its job, a job whose
    // sources name two ranges, a deploy or request whose model was exported for another range.
    'age_range_mismatch',
    'artifact_hash_mismatch',
    'export_invalid_model',
    'export_bad_tensor',
    'export_bad_metadata',
    'export_failed',
    'pickle_unsupported_value',
    'validation_failed',
    'validation_set_invalid',
    // The validation set does not fit the model: one code and status at upload, threshold and reconstruction.
    'validation_set_dimension_mismatch',
    // Validation refuses such an export; deploying one with validation skipped still cannot derive a threshold.
    'non_finite_threshold',
    'break_glass_reason_required',
    'invalid_preview_summary',
    // The server's recomputation of an attached preview disagrees (a number) or ran on other samples.
    'preview_mismatch',
    'validation_set_mismatch',
    'invalid_parent',
    // A webhook URL that is (or resolves to) an address the egress policy refuses (lib/registry/egress.ts).
    'webhook_target_forbidden',
    // The bytes are not an acceptable model: lib/formats' readers.
    'not_a_checkpoint',
    // A reader crashed on the bytes (lib/formats/errors.ts unreadable()).
    'checkpoint_unreadable',
    'validation_set_unreadable',
    'not_an_autoencoder',
    'architecture_mismatch',
    'non_finite_weights',
    'legacy_torch_format',
    'storage_size_mismatch',
    'unsupported_byteorder',
    'storage_missing',
    'tensor_out_of_bounds',
    'tensor_too_large',
    'unsafe_pickle_global',
    'pickle_malformed',
    'pickle_bad_key',
    'pickle_forbidden_opcode',
    'pickle_too_deep',
    'drawbridge_pickle_bad_format',
    'drawbridge_pickle_bad_tensor',
    'safetensors_bad_dtype',
    'safetensors_bad_header',
    'safetensors_bad_metadata',
    'safetensors_bad_offsets',
    'safetensors_bad_shape',
    'safetensors_header_too_large',
    'safetensors_shape_mismatch',
    'safetensors_truncated',
    'onnx_external_data',
    'onnx_malformed',
    'onnx_not_autoencoder',
    'onnx_unsupported_dtype',
    'zip_bomb',
    'zip_corrupt',
    'zip_crc_mismatch',
    'zip_duplicate_entry',
    'zip_header_mismatch',
    'zip_missing_entry',
    'zip_overlapping_entries',
    'zip_size_mismatch',
    'zip_slip',
    'zip_unsupported',
    // The file costs more than this server lets one file use (lib/workers).
    'processing_timeout',
    'processing_out_of_memory',
  ],
  // Sign-in or bearer-token guessing is in back-off or locked out (lib/auth/throttle.ts); Retry-After says how long.
  rate_limited: ['too_many_attempts'],
  internal: [
    'internal_error',
    'artifact_corrupt',
    'zip_write_failed',
    'data_dir_lock_unreadable',
    // A backup or restore stopped: the archive (corrupt, truncated, tampered), the target or the versions.
    'backup_corrupt',
    'backup_truncated',
    'backup_incompatible',
    'backup_target_not_empty',
    'backup_unsupported_schema',
    'backup_failed',
  ],
  // The task pool or the database could not take the work now.
  // artifact_store_unavailable: the S3-compatible service failed (unreachable, credentials, bucket).
  unavailable: ['worker_crashed', 'server_busy', 'artifact_store_unavailable'],
} as const satisfies Record<ErrorKind, readonly string[]>;

export type ErrorCode = (typeof CODES_BY_KIND)[ErrorKind][number];

/** Human templates, `{name}` filled by messageOf, where one wording serves every thrower. */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'Sign in to continue.',
  not_found: '{what} {id} not found',
  internal_error: 'Internal error; it has been logged.',
  server_busy: 'The database is busy with other changes; try again in a moment.',
};

type CodeEntry = { kind: ErrorKind; message?: string };

/** code → { kind, message template }: the typed table every thrown code is in, one status per code. */
export const ERROR_CODES: Readonly<Record<ErrorCode, CodeEntry>> = Object.freeze(
  Object.fromEntries(
    (Object.entries(CODES_BY_KIND) as [ErrorKind, readonly ErrorCode[]][]).flatMap(([kind, codes]) =>
      codes.map((code) => [code, { kind, message: MESSAGES[code] }]),
    ),
  ) as Record<ErrorCode, CodeEntry>,
);

/** How many codes CODES_BY_KIND lists, counting repeats (the error-code test: equal to the table's size). */
export const LISTED_CODE_COUNT = Object.values(CODES_BY_KIND).reduce((n, codes) => n + codes.length, 0);

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
export function markErrorFamilies(err: Error, target: abstract new (...args: never[]) => unknown): void {
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
    // A kind other than the table's would give one code two statuses: the table wins.
    const entry = ENTRIES[code];
    this.kind = entry ? entry.kind : kind;
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

/** A value the schema accepted that the domain does not, tied to its form field (422 invalid_request). */
export function invalidField(message: string, field: string): DomainError {
  return new DomainError('unprocessable', 'invalid_request', message, { field });
}

/** The registry's current state does not allow this (409). */
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
