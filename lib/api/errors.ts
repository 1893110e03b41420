import { ZodError } from 'zod';
import { ModelCompatibilityError, ModelDeploymentError, ModelExportError, ModelValidationError } from '../formats/errors';
import { AuthError } from '../auth/permissions';
import { ArtifactError } from '../storage/types';

/**
 * The one place errors become HTTP. Bodies are FastAPI-shaped (`{"detail": …}`) like the original
 * service, plus a stable `code`; a stack trace never reaches a client.
 */
const STATUS_BY_CODE: Record<string, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  training_job_not_found: 404,
  model_not_found: 404,
  deployment_not_found: 404,
  artifact_not_found: 404,
  artifact_too_large: 413,
  payload_too_large: 413,
  conflict: 409,
  active_model_exists: 409,
  invalid_request: 422,
  artifact_corrupt: 500,
};

export type ErrorBody = { detail: string | { loc: (string | number)[]; msg: string; type: string }[]; code: string };

export function errorToResponseParts(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof ZodError) {
    return {
      status: 422,
      body: {
        code: 'invalid_request',
        detail: e.issues.map((i) => ({ loc: ['body', ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], msg: i.message, type: i.code })),
      },
    };
  }
  if (e instanceof AuthError || e instanceof ArtifactError || e instanceof ModelDeploymentError) {
    const status = STATUS_BY_CODE[e.code] ?? defaultStatus(e);
    return { status, body: { code: e.code, detail: e.message } };
  }
  console.error('internal error', e);
  return { status: 500, body: { code: 'internal_error', detail: 'Internal error; it has been logged.' } };
}

function defaultStatus(e: Error): number {
  if (e instanceof ModelValidationError || e instanceof ModelCompatibilityError) return 422;
  if (e instanceof ModelExportError) return 400;
  if (e instanceof ModelDeploymentError) return 400;
  return 500;
}

export function errorResponse(e: unknown): Response {
  const { status, body } = errorToResponseParts(e);
  return Response.json(body, { status });
}

/** Generic 404 for a subject: same wording whether it does not exist or the actor may not see it. */
export function notFound(what: string, id: string | number, code = 'not_found'): ModelDeploymentError {
  return new ModelDeploymentError(code, `${what} ${id} not found`);
}
