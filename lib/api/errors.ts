import { ZodError } from 'zod';
import { DomainError, errorFamily, kindOfCode, messageOf } from '../errors';
import { TooManyAttemptsError } from '../auth/throttle-error';

/**
 * The one place errors become HTTP. Bodies are FastAPI-shaped (`{"detail": …}`) like the original
 * service, plus a stable `code`; a stack trace never reaches a client. The status is the kind's
 * (lib/errors.ts), so a code has it wherever it is thrown.
 */

/** An error raised by the HTTP layer itself (bad syntax, media type, limits), after dub's DubApiError. */
export class ApiError extends DomainError {
  constructor(code: string, message: string) {
    super(kindOfCode(code, 'invalid'), code, message);
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
  if (e instanceof DomainError) return { status: e.status, body: { code: e.code, detail: e.message } };
  const input = inputRefusedByDatabase(e);
  if (input) return { status: 400, body: { code: 'malformed_input', detail: input } };
  if ((e as { code?: unknown } | null)?.code === 'P2028') {
    // Prisma could not start a transaction within maxWait: the database is saturated, not broken.
    return { status: 503, body: { code: 'server_busy', detail: messageOf('server_busy') } };
  }
  console.error('internal error', e);
  return { status: 500, body: { code: 'internal_error', detail: messageOf('internal_error') } };
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
    const x = queue[i] as {
      code?: unknown;
      originalCode?: unknown;
      cause?: unknown;
      meta?: unknown;
      driverAdapterError?: unknown;
    } | null;
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

export function errorResponse(e: unknown): Response {
  const { status, body } = errorToResponseParts(e);
  if (e instanceof TooManyAttemptsError)
    return Response.json(body, { status, headers: { 'Retry-After': String(e.retryAfterSeconds) } });
  return Response.json(body, { status });
}
