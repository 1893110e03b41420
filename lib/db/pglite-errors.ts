import 'server-only';
import {
  DriverAdapterError,
  type SqlMigrationAwareDriverAdapterFactory,
  type Transaction,
} from '@prisma/driver-adapter-utils';

/**
 * pglite-prisma-adapter 0.6 reports every PostgreSQL error as a raw `{kind: 'postgres', code}`;
 * Prisma 6.19 expects the adapter to classify them (as @prisma/adapter-pg does), or a unique
 * violation surfaces as "23505" instead of P2002 and a serialization failure or deadlock is not
 * recognised (no originalCode).
 * This wraps the factory so both databases raise the same Prisma errors.
 */
type PgCause = {
  kind: string;
  code?: string;
  message?: string;
  detail?: string;
  column?: string;
  severity?: string;
  hint?: string;
};

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
      return {
        ...base,
        kind: 'ForeignKeyConstraintViolation',
        constraint: cause.column ? { fields: [cause.column] } : undefined,
      };
    case '40001':
      return { ...base, kind: 'TransactionWriteConflict' };
    case '22001':
      return { ...base, kind: 'LengthMismatch', column: cause.column };
    case '22003':
      return { ...base, kind: 'ValueOutOfRange', cause: cause.message };
    default:
      // What @prisma/adapter-pg reports for the rest (a deadlock, 40P01, among them): the SQLSTATE
      // as originalCode too, so Prisma's message and the retry in lib/registry/transactions.ts see it.
      return {
        ...base,
        kind: 'postgres',
        code: cause.code,
        severity: cause.severity ?? 'ERROR',
        message: cause.message,
        detail: cause.detail,
        column: cause.column,
        hint: cause.hint,
      };
  }
}

function rethrow(e: unknown): never {
  const err = e as {
    name?: string;
    cause?: PgCause;
    code?: unknown;
    severity?: unknown;
    message?: string;
    detail?: string;
    column?: string;
    hint?: string;
  };
  if (err?.name === 'DriverAdapterError' && err.cause) {
    const mapped = classify(err.cause);
    if (mapped) throw new DriverAdapterError(mapped as never);
  }
  // The adapter's `instanceof DatabaseError` check fails across PGlite's ESM/CJS builds, so raw
  // PGlite errors also arrive here unclassified.
  if (err && typeof err.code === 'string' && typeof err.severity === 'string') {
    const cause: PgCause = {
      kind: 'postgres',
      code: err.code,
      message: err.message,
      detail: err.detail,
      column: err.column,
      severity: err.severity as string,
      hint: err.hint,
    };
    throw new DriverAdapterError(classify(cause) as never);
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
      if (prop === 'startTransaction') {
        return async (...args: unknown[]) =>
          committingVisibly(
            wrap((await (value as (...a: unknown[]) => Promise<object>).apply(obj, args)) as Transaction),
          );
      }
      if (prop === 'connect' || prop === 'connectToShadowDb') {
        return async (...args: unknown[]) =>
          wrap((await (value as (...a: unknown[]) => Promise<object>).apply(obj, args)) as object);
      }
      return value.bind(obj);
    },
  });
}

/**
 * pglite-prisma-adapter's commit() lets PGlite run COMMIT and drops its error (the promise's
 * rejection goes to an already settled promise): a COMMIT that fails (a deferred constraint, a
 * serialization failure found at commit) rolls back while Prisma reports success. Measured:
 * a deferred trigger raising 40001 at COMMIT, and $transaction resolved with the row absent.
 * So we run the COMMIT ourselves, where its error is seen; PGlite's own COMMIT afterwards finds
 * no transaction and only warns. A failed COMMIT closes PGlite's transaction with rollback().
 */
function committingVisibly(tx: Transaction): Transaction {
  return new Proxy(tx, {
    get(obj, prop, receiver) {
      if (prop !== 'commit') return Reflect.get(obj, prop, receiver);
      return async () => {
        try {
          await obj.executeRaw({ sql: 'COMMIT', args: [], argTypes: [] });
        } catch (e) {
          await obj.rollback();
          throw e;
        }
        await obj.commit();
      };
    },
  });
}

export function withClassifiedErrors(
  factory: SqlMigrationAwareDriverAdapterFactory,
): SqlMigrationAwareDriverAdapterFactory {
  return wrap(factory);
}
