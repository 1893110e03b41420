/**
 * The building blocks every contract file uses: one spelling of a SHA-256, a timestamp, an age, a
 * JSON object, a query-string boolean, and the error bodies every route answers with.
 */
import { z } from 'zod';
import { EXPORT_FORMATS } from '../../formats/export';
import { ENVIRONMENTS } from '../../registry/deploy';
import { strictBoolean } from '../params';

export const sha256 = (description = 'SHA-256, lowercase hex') =>
  z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe(description);
/** Every timestamp on the wire is Date.toISOString(): UTC, with milliseconds. */
export const dateTime = () => z.iso.datetime();
export const jsonObject = () => z.record(z.string(), z.unknown());
export const age = (which: string) =>
  z.number().min(2).max(18).describe(`${which} age of the group, in years (2.0–18.0)`);
export const exportFormat = () => z.enum(EXPORT_FORMATS).describe('Export format');
/** An environment a request may leave out (production); `environmentName` where a response always names one. */
export const environment = () => z.enum(ENVIRONMENTS).default('production').describe('Deployment environment');
export const environmentName = () => z.enum(ENVIRONMENTS).describe('Deployment environment');

/** A boolean a query string or JSON can carry, with its default. */
export function booleanParam(description: string, dflt: boolean) {
  return strictBoolean.default(dflt).describe(`${description} (true/false/1/0)`);
}

/** Page metadata of every listing, around its items under `key`. */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z
    .object({ total: z.int(), page: z.int(), page_size: z.int() })
    .extend({ [key]: z.array(item) } as { [P in K]: z.ZodArray<T> });
}

/** A listing's total counted up to 1000 and said so: an exact count is a full scan at 100 000 rows. */
export function cappedTotal(noun: string) {
  return {
    total: z.int().describe(`Matching ${noun}, counted up to 1000 (an exact count is a full scan at 100 000)`),
    total_exact: z.boolean().describe('false: more than `total` match'),
  };
}

export const errorBody = z.object({
  detail: z.string().describe('What went wrong, for a person'),
  code: z.string().describe('Stable machine-readable code'),
});
export type ErrorBody = z.infer<typeof errorBody>;

export const validationErrorBody = z.object({
  detail: z.array(z.object({ loc: z.array(z.union([z.string(), z.int()])), msg: z.string(), type: z.string() })),
  code: z.literal('invalid_request'),
});
export type ValidationErrorBody = z.infer<typeof validationErrorBody>;

export const commonSchemas = { Error: errorBody, ValidationError: validationErrorBody };

type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;
type SnakeShape<T extends z.ZodRawShape> = { [K in keyof T & string as SnakeCase<K>]: T[K] };

const snakeCase = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * A registry (camelCase) object schema under the original service's snake_case keys, with the same
 * rules per field: the wire shape derives from the domain schema instead of restating it.
 */
export function snakeKeys<T extends z.ZodRawShape>(schema: z.ZodObject<T>): z.ZodObject<SnakeShape<T>> {
  const shape = Object.fromEntries(Object.entries(schema.shape).map(([k, v]) => [snakeCase(k), v]));
  return z.object(shape) as unknown as z.ZodObject<SnakeShape<T>>;
}

const camelCase = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The other way: the fields of a snake_case body that `schema` names, under the registry's
 * camelCase names. Only those: a key the contract does not name never reaches the registry.
 */
export function camelFields(body: Record<string, unknown>, schema: z.ZodObject): Record<string, unknown> {
  return Object.fromEntries(Object.keys(schema.shape).map((k) => [camelCase(k), body[k]]));
}
