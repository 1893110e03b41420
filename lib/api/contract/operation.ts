/**
 * The shape of one row of the path table: what an operation reads and answers, by contract schema
 * name, so lib/api/openapi.ts can generate the document and tests can look a response schema up.
 */
import type { z } from 'zod';
import type { Permission } from '../../auth/permissions';

export type Tag = 'system' | 'training jobs' | 'models' | 'deployments' | 'reviews' | 'artifacts';
export const TAGS: Tag[] = ['system', 'training jobs', 'models', 'deployments', 'reviews', 'artifacts'];

/** Statuses answered with a shared response of components/responses (the error bodies). */
export type ErrorStatus = 400 | 404 | 409 | 413 | 415 | 416 | 422 | 503;

/** A piece of OpenAPI written as is: binary bodies and headers have no JSON shape to derive. */
export type RawOpenApi = Record<string, unknown>;

export type ResponseSpec =
  /** A JSON body: a contract schema by name (`list`: an array of it); `alternatives`: other media types. */
  { schema: string; list?: boolean; description?: string; alternatives?: RawOpenApi } | { raw: RawOpenApi };

export type BodySpec = {
  schema: string;
  /**
   * params: JSON or (with an API token) the query string, as readParams takes it; json: JSON only;
   * multipart: a form with files (`json` names the schema of the JSON alternative, if any).
   */
  as: 'params' | 'multipart';
  json?: string;
  required?: boolean;
  description?: string;
};

export type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** The permission the route's withActor checks; none: a public route. */
  permission?: Permission;
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  /** Query parameters are the body's own fields (readParams reads either). */
  queryFromBody?: boolean;
  headers?: RawOpenApi[];
  body?: BodySpec;
  responses: Record<string, ResponseSpec>;
  errors?: ErrorStatus[];
};

export type Method = 'get' | 'post' | 'put' | 'delete';
export type PathTable = Record<string, Partial<Record<Method, Operation>>>;
