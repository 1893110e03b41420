/**
 * The OpenAPI 3.1 document of every route under app/api (served at /api/v1/openapi.json),
 * generated from the contract (lib/api/contract): its zod schemas become components/schemas through
 * zod's own z.toJSONSchema, its path table becomes `paths`. A field added to a contract schema is in
 * the document without a second edit; app/api/openapi.test.ts holds the table to the route files.
 */
import { z } from 'zod';
import { PERMISSIONS } from '../auth/permissions';
import { CONTRACT_SCHEMAS, PATHS } from './contract';
import {
  TAGS,
  type BodySpec,
  type ErrorStatus,
  type Operation,
  type PathTable,
  type ResponseSpec,
} from './contract/operation';

type JsonSchema = Record<string, unknown>;
type Override = NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'];

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

/**
 * What zod writes that says less than it seems: the safe-integer bounds of every z.int(), the
 * long regexes behind `format: date-time` and `email`, propertyNames on a JSON object. A z.date()
 * (the registry coerces timestamps) travels as a date-time string. On the input side zod drops the
 * default of a field whose type transforms (the query-string booleans): the caller still gets it.
 */
const tidy: Override = ({ zodSchema, jsonSchema: s }) => {
  const def = zodSchema._zod.def;
  if (def.type === 'date') Object.assign(s, { type: 'string', format: 'date-time' });
  if (def.type === 'default' && s.default === undefined) s.default = def.defaultValue;
  if (s.format === 'date-time' || s.format === 'email') delete s.pattern;
  if (s.type === 'integer') {
    if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
    if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
  }
  if (
    s.type === 'object' &&
    s.propertyNames &&
    typeof s.additionalProperties === 'object' &&
    !Object.keys(s.additionalProperties).length
  ) {
    delete s.propertyNames;
    s.additionalProperties = true;
  }
};

// Input side: requests are documented as callers send them (defaults optional, before transforms);
// the response schemas have neither defaults nor transforms, so both read the same either way.
const SCHEMA_OPTIONS = { io: 'input', unrepresentable: 'any', override: tidy } as const;

function withoutDialect(s: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = s;
  return rest;
}

/** Every named schema, with references between them as components/schemas refs. */
export function componentSchemas(schemas: Record<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { ...SCHEMA_OPTIONS, uri: (id) => `#/components/schemas/${id}` }).schemas;
  return Object.fromEntries(Object.entries(out).map(([id, s]) => [id, withoutDialect(s as JsonSchema)]));
}

type ObjectSchema = { properties?: Record<string, JsonSchema>; required?: string[] };

function parametersOf(object: z.ZodObject, where: 'query' | 'path') {
  const s = z.toJSONSchema(object, SCHEMA_OPTIONS) as ObjectSchema;
  return Object.entries(s.properties ?? {}).map(([name, schema]) => {
    if (where === 'query') return { name, in: where, required: !!s.required?.includes(name), schema };
    const { description, ...rest } = schema;
    return { name, in: where, required: true, description, schema: rest };
  });
}

const PARAMS_NOTE =
  'With an API token the same fields are accepted as query parameters (body fields win); a session-cookie request sending them is refused (400 query_parameters_refused).';

function requestBodyOf(body: BodySpec) {
  if (body.as === 'multipart') {
    return {
      required: !!body.required,
      content: { 'multipart/form-data': { schema: ref(body.schema) }, ...(body.json ? json(ref(body.json)) : {}) },
    };
  }
  return {
    required: !!body.required,
    description: `${body.description} ${PARAMS_NOTE}`,
    content: json(ref(body.schema)),
  };
}

function responseOf(spec: ResponseSpec) {
  if ('raw' in spec) return spec.raw;
  const schema = spec.list ? { type: 'array', items: ref(spec.schema) } : ref(spec.schema);
  return { description: spec.description ?? 'OK', content: { ...json(schema), ...spec.alternatives } };
}

const ERROR_RESPONSES: Record<ErrorStatus | 401 | 403 | 429, string> = {
  400: 'BadRequest',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  416: 'RangeNotSatisfiable',
  422: 'Unprocessable',
  429: 'TooManyAttempts',
  503: 'WorkerUnavailable',
};
const errorRefs = (statuses: (keyof typeof ERROR_RESPONSES)[]) =>
  Object.fromEntries(statuses.map((c) => [String(c), { $ref: `#/components/responses/${ERROR_RESPONSES[c]}` }]));

function operationOf(o: Operation, schemas: Record<string, JsonSchema>) {
  const secured = !!o.permission;
  const bodyFields = o.queryFromBody && o.body ? ((schemas[o.body.schema] as ObjectSchema).properties ?? {}) : {};
  const parameters = [
    ...(o.pathParams ? parametersOf(o.pathParams, 'path') : []),
    ...(o.query ? parametersOf(o.query, 'query') : []),
    ...Object.entries(bodyFields).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
    ...(o.headers ?? []),
  ];
  const responses = Object.fromEntries(Object.entries(o.responses).map(([status, spec]) => [status, responseOf(spec)]));
  return {
    operationId: o.operationId,
    summary: o.summary,
    ...(o.description ? { description: o.description } : {}),
    tags: [o.tag],
    ...(o.permission ? { 'x-permission': o.permission, 'x-roles': PERMISSIONS[o.permission] } : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(o.body ? { requestBody: requestBodyOf(o.body) } : {}),
    // 429: a bearer token from an address in back-off after failed tokens (lib/auth/throttle.ts).
    // 400: every secured route passes the input guard (NUL, lone surrogates, broken %-escapes).
    responses: { ...responses, ...errorRefs(o.errors ?? []), ...(secured ? errorRefs([400, 401, 403, 429]) : {}) },
  };
}

const errorResponse = (description: string, schema: JsonSchema = ref('Error')) => ({
  description,
  content: json(schema),
});

/** The document for any set of schemas and paths: the real one is `openApiDocument()`. */
export function buildOpenApiDocument(contract: { schemas: Record<string, z.ZodType>; paths: PathTable }) {
  const schemas = componentSchemas(contract.schemas);
  const paths = Object.fromEntries(
    Object.entries(contract.paths).map(([p, ops]) => [
      p,
      Object.fromEntries(Object.entries(ops).map(([m, o]) => [m, operationOf(o, schemas)])),
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Drawbridge API',
      version: '1.0.0',
      description:
        'Registry and deployment API for the age-group autoencoders. Errors are `{"detail": …, "code": …}`; 422 validation errors carry a `detail` list of `{loc, msg, type}`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    tags: TAGS.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            "An API token (dbt_…). The server that owns an embedded data directory also accepts its local-operator credential (dbl_…, kept in the data directory's lock file, new at every start) with an optional X-Drawbridge-Act-As: EMAIL header: how `drawbridge` in local mode works through it.",
        },
        cookieAuth: {
          type: 'apiKey',
          in: 'cookie',
          name: 'drawbridge_session',
          description:
            "A browser session. A POST, PUT, PATCH or DELETE it authenticates must come from the console: Origin this server's, Sec-Fetch-Site same-origin when sent, and X-Drawbridge-Request: 1 or an application/json body (else 403 csrf_refused); its parameters in the body, not the query string (else 400 query_parameters_refused).",
        },
      },
      schemas,
      responses: {
        BadRequest: errorResponse(
          'Malformed request: a NUL, lone surrogate, control character, broken %-escape, over-long value or over-deep JSON in a parameter or field, or a value the database cannot store (malformed_input); bad JSON or multipart; an unusable parameter such as model_export_path; query-string parameters on a session-cookie mutation (query_parameters_refused)',
        ),
        Unauthenticated: errorResponse('No valid token or session'),
        Forbidden: errorResponse(
          'The role may not do this (forbidden), this user may not (self_review), or a session-cookie mutation does not show it comes from the console (csrf_refused)',
        ),
        NotFound: errorResponse('Nothing by that name'),
        Conflict: errorResponse(
          'The registry’s state does not allow it (active model exists, no backup, job not completed, approval_required, not_approved, policy_not_satisfied, …)',
        ),
        PayloadTooLarge: errorResponse(
          'Over DRAWBRIDGE_MAX_ARTIFACT_MB (artifact_too_large) or the body limit (payload_too_large)',
        ),
        UnsupportedMediaType: errorResponse('A body type this endpoint does not read'),
        RangeNotSatisfiable: { description: 'The Range misses the object (Content-Range: bytes */size)' },
        TooManyAttempts: {
          ...errorResponse(
            'Too many failed bearer tokens from this client address (too_many_attempts): refused, even a valid token, until Retry-After has passed',
          ),
          headers: {
            'Retry-After': {
              description: 'Seconds until a token from this address is checked again',
              schema: { type: 'integer', minimum: 1 },
            },
          },
        },
        WorkerUnavailable: errorResponse(
          'The task worker processing the file crashed (worker_crashed) or every worker is busy (server_busy); try again',
        ),
        Unprocessable: errorResponse(
          'Invalid parameters (invalid_request), ages that disagree (age_range_mismatch), or bytes that are not an acceptable model or validation set',
          {
            anyOf: [ref('ValidationError'), ref('Error')],
          },
        ),
      },
    },
  };
}

let generated: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The document of this API, generated once per process (the contract does not change at run time). */
export function openApiDocument() {
  generated ??= buildOpenApiDocument({ schemas: CONTRACT_SCHEMAS, paths: PATHS });
  return generated;
}
