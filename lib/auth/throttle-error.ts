import { errorFamily, markErrorFamilies } from '../formats/errors';

// Apart from throttle.ts so lib/api/errors.ts can map it without importing the database side.

/** A blocked key: the API answers 429 with Retry-After, the sign-in form says when to retry. */
export class TooManyAttemptsError extends Error {
  readonly code = 'too_many_attempts';
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many failed attempts from this address. Try again in ${waitText(retryAfterSeconds)}.`,
  ) {
    super(message);
    this.name = 'TooManyAttemptsError';
    markErrorFamilies(this, new.target);
  }
}
errorFamily(TooManyAttemptsError, 'TooManyAttemptsError');

export function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

