import 'server-only';
import { DomainError, errorFamily } from '../errors';

// Apart from throttle.ts so lib/api/errors.ts can map it without importing the database side.

/** A blocked key: the API answers 429 with Retry-After, the sign-in form says when to retry. */
export class TooManyAttemptsError extends DomainError {
  declare readonly code: 'too_many_attempts';
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many failed attempts from this address. Try again in ${waitText(retryAfterSeconds)}.`,
  ) {
    super('rate_limited', 'too_many_attempts', message);
  }
}
errorFamily(TooManyAttemptsError, 'TooManyAttemptsError');

export function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}
