import { ZodError } from 'zod';
import { ModelCompatibilityError, ModelDeploymentError, ModelExportError, ModelValidationError, errorFamily, markErrorFamilies } from '../formats/errors';
import { AuthError } from '../auth/permissions';
import { TooManyAttemptsError } from '../auth/throttle-error';
import { ArtifactError } from '../storage/types';

/**
 * The one place errors become HTTP. Bodies are FastAPI-shaped (`{"detail": …}`) like the original
 * service, plus a stable `code`; a stack trace never reaches a client.
 *
 * Codes not listed fall back by class: ModelValidationError / ModelCompatibilityError → 422 (the
 * bytes are not an acceptable model), ModelExportError / ModelDeploymentError → 400.
 */
export const STATUS_BY_CODE: Record<string, number> = {
  unauthenticated: 401,
  forbidden: 403,
  // The requester of a deployment request may never review it.
  self_review: 403,
  // 400: the request itself is malformed (syntax, parameters that can never name anything).
  invalid_json: 400,
  invalid_multipart: 400,
  unexpected_file: 400,
  invalid_export_path: 400,
  export_bad_format: 400,
  export_bad_opset: 400,
  artifact_bad_hash: 400,
  // 404: names nothing (or nothing this actor may see).
  not_found: 404,
  training_job_not_found: 404,
  model_not_found: 404,
  deployment_not_found: 404,
  artifact_not_found: 404,
  request_not_found: 404,
  // 409: well-formed, but the current state of the registry does not allow it.
  conflict: 409,
  active_model_exists: 409,
  // A concurrent writer won a serializable transaction and retries ran out: nothing changed, retry.
  deploy_conflict: 409,
  no_backup: 409,
  training_job_not_completed: 409,
  training_report_missing: 409,
  checkpoint_missing: 409,
  validation_set_missing: 409,
  age_range_mismatch: 409,
  // The review workflow: the request's state or its policy does not allow it (yet).
  approval_required: 409,
  not_approved: 409,
  policy_not_satisfied: 409,
  invalid_transition: 409,
  validation_required: 409,
  preview_summary_required: 409,
  // 413: over the configured artifact/body limits.
  artifact_too_large: 413,
  payload_too_large: 413,
  // 429: sign-in or bearer-token guessing is in back-off or locked out (lib/auth/throttle.ts); Retry-After says how long.
  too_many_attempts: 429,
  // 415: a body we do not read.
  unsupported_media_type: 415,
  // 422: well-formed, but the content is not acceptable.
  invalid_request: 422,
  artifact_hash_mismatch: 422,
  export_invalid_model: 422,
  export_bad_tensor: 422,
  export_bad_metadata: 422,
  export_failed: 422,
  pickle_unsupported_value: 422,
  validation_failed: 422,
  break_glass_reason_required: 422,
  invalid_preview_summary: 422,
  invalid_parent: 422,
  // A webhook URL that is (or resolves to) an address the egress policy refuses (lib/registry/egress.ts).
  webhook_target_forbidden: 422,
  // 503: the task pool could not finish the work (lib/workers); trying again later may succeed.
  worker_crashed: 503,
  server_busy: 503,
  // 500: the server's own state is broken (an artifact changed on disk, a writer failed).
  artifact_corrupt: 500,
  zip_write_failed: 500,
};

/** An error raised by the HTTP layer itself (bad syntax, media type, limits), after dub's DubApiError. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = STATUS_BY_CODE[code] ?? 400,
  ) {
    super(message);
    this.name = 'ApiError';
    markErrorFamilies(this, new.target);
  }
}
errorFamily(ApiError, 'ApiError');

export type ErrorBody = { detail: string | { loc: (string | number)[]; msg: string; type: string }[]; code: string };

/** The API speaks snake_case; zod paths from the registry's camelCase schemas are renamed to match. */
function snake(p: string | number): string | number {
  return typeof p === 'string' ? p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : p;
}

export function errorToResponseParts(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof ZodError) {
    return {
      status: 422,
      body: {
        code: 'invalid_request',
        detail: e.issues.map((i) => {
          const path = i.path.map((p) => snake(typeof p === 'symbol' ? String(p) : p));
          // Issues raised on a path segment or query parameter say so; everything else is the body.
          const loc = path[0] === 'path' || path[0] === 'query' ? path : ['body', ...path];
          return { loc, msg: i.message, type: i.code };
        }),
      },
    };
  }
  if (e instanceof ApiError) return { status: e.status, body: { code: e.code, detail: e.message } };
  if (e instanceof TooManyAttemptsError) return { status: 429, body: { code: e.code, detail: e.message } };
  if (e instanceof AuthError || e instanceof ArtifactError || e instanceof ModelDeploymentError) {
    const status = STATUS_BY_CODE[e.code] ?? defaultStatus(e);
    return { status, body: { code: e.code, detail: e.message } };
  }
  const input = inputRefusedByDatabase(e);
  if (input) return { status: 400, body: { code: 'invalid_request', detail: input } };
  if ((e as { code?: unknown } | null)?.code === 'P2028') {
    // Prisma could not start a transaction within maxWait: the database is saturated, not broken.
    return { status: 503, body: { code: 'server_busy', detail: 'The database is busy with other changes; try again in a moment.' } };
  }
  console.error('internal error', e);
  return { status: 500, body: { code: 'internal_error', detail: 'Internal error; it has been logged.' } };
}

/**
 * The backstop behind lib/api/input-guard: PostgreSQL (or Prisma) refusing a value the client sent
 * (a byte sequence it cannot store, a number out of a column's range) is the client's 400, not our
 * 500. SQLSTATEs from class 22 (data exception) and 54 (program limit: a statement too complex or a
 * value too deep) as PGlite and @prisma/adapter-pg report them, and Prisma's own value checks.
 */
const INPUT_SQLSTATES: Record<string, string> = {
  '22021': 'a text value has a byte sequence the database cannot store (a NUL character or invalid UTF-8)',
  '22P05': 'a text value has a character the database cannot store (\\u0000 in JSON)',
  '22003': 'a number is out of the range the database stores',
  '22P02': 'a value is not in the form its field takes',
  '2201W': 'a page size is out of range',
  '2201X': 'a page number is out of range',
  '54000': 'a value is too large or too deeply nested for the database',
  '54001': 'a value is too deeply nested for the database',
};
const INPUT_PRISMA_CODES: Record<string, string> = {
  P2000: 'a value is too long for its field',
  P2020: 'a number is out of the range the database stores',
  P2033: 'a number does not fit in a 64-bit integer',
};

function inputRefusedByDatabase(e: unknown): string | null {
  // Prisma nests the SQLSTATE differently per path: meta.code (raw queries), a DriverAdapterError's
  // cause.originalCode (PGlite, adapter-pg), or meta.driverAdapterError.cause.
  const queue: unknown[] = [e];
  for (let i = 0; i < queue.length && i < 16; i++) {
    const x = queue[i] as { code?: unknown; originalCode?: unknown; cause?: unknown; meta?: unknown; driverAdapterError?: unknown } | null;
    if (!x || typeof x !== 'object') continue;
    for (const c of [x.originalCode, x.code]) {
      if (typeof c !== 'string') continue;
      const why = INPUT_SQLSTATES[c] ?? INPUT_PRISMA_CODES[c];
      if (why) return `The request was refused: ${why}.`;
    }
    queue.push(x.cause, x.meta, x.driverAdapterError);
  }
  return null;
}

function defaultStatus(e: Error): number {
  if (e instanceof ModelValidationError || e instanceof ModelCompatibilityError) return 422;
  if (e instanceof ModelExportError) return 400;
  if (e instanceof ModelDeploymentError) return 400;
  return 500;
}

export function errorResponse(e: unknown): Response {
  const { status, body } = errorToResponseParts(e);
  if (e instanceof TooManyAttemptsError) return Response.json(body, { status, headers: { 'Retry-After': String(e.retryAfterSeconds) } });
  return Response.json(body, { status });
}

/** Generic 404 for a subject: same wording whether it does not exist or the actor may not see it. */
export function notFound(what: string, id: string | number, code = 'not_found'): ModelDeploymentError {
  return new ModelDeploymentError(code, `${what} ${id} not found`);
}
