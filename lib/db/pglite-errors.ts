import { DriverAdapterError, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

/**
 * pglite-prisma-adapter 0.6 reports every PostgreSQL error as a raw `{kind: 'postgres', code}`;
 * Prisma 6.19 expects the adapter to classify them (as @prisma/adapter-pg does), or a unique
 * violation surfaces as "23505" instead of P2002 and a serialization failure is not retried.
 * This wraps the factory so both databases raise the same Prisma errors.
 */
type PgCause = { kind: string; code?: string; message?: string; detail?: string; column?: string };

function classify(cause: PgCause): Record<string, unknown> | null {
  if (cause.kind !== 'postgres' || !cause.code) return null;
  const fields = cause.detail?.match(/Key \(([^)]+)\)/)?.[1]?.split(', ');
  const base = { originalCode: cause.code, originalMessage: cause.message };
  switch (cause.code) {
    case '23505':
      return { ...base, kind: 'UniqueConstraintViolation', constraint: fields ? { fields } : undefined };
    case '23502':
      return { ...base, kind: 'NullConstraintViolation', constraint: fields ? { fields } : undefined };
    case '23503':
      return { ...base, kind: 'ForeignKeyConstraintViolation', constraint: cause.column ? { fields: [cause.column] } : undefined };
    case '40001':
      return { ...base, kind: 'TransactionWriteConflict' };
    case '22001':
      return { ...base, kind: 'LengthMismatch', column: cause.column };
    case '22003':
      return { ...base, kind: 'ValueOutOfRange', cause: cause.message };
    default:
      return null;
  }
}

function rethrow(e: unknown): never {
  const err = e as { name?: string; cause?: PgCause; code?: unknown; severity?: unknown; message?: string; detail?: string; column?: string; hint?: string };
  if (err?.name === 'DriverAdapterError' && err.cause) {
    const mapped = classify(err.cause);
    if (mapped) throw new DriverAdapterError(mapped as never);
  }
  // The adapter's `instanceof DatabaseError` check fails across PGlite's ESM/CJS builds, so raw
  // PGlite errors also arrive here unclassified.
  if (err && typeof err.code === 'string' && typeof err.severity === 'string') {
    const cause: PgCause = { kind: 'postgres', code: err.code, message: err.message, detail: err.detail, column: err.column };
    throw new DriverAdapterError((classify(cause) ?? { ...cause, severity: err.severity, hint: err.hint }) as never);
  }
  throw e;
}

const WRAPPED = new Set(['queryRaw', 'executeRaw', 'executeScript']);

function wrap<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      if (WRAPPED.has(prop as string)) {
        return (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args).catch(rethrow);
      }
      if (prop === 'startTransaction' || prop === 'connect' || prop === 'connectToShadowDb') {
        return async (...args: unknown[]) => wrap((await (value as (...a: unknown[]) => Promise<object>).apply(obj, args)) as object);
      }
      return value.bind(obj);
    },
  });
}

export function withClassifiedErrors(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  return wrap(factory);
}
