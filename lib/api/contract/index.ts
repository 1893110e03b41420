/**
 * The API's contract: every wire shape by the name the OpenAPI document gives it, and the path
 * table. lib/api/openapi.ts turns both into the document; tests parse real responses with them.
 */
import { z } from 'zod';
import { artifactPaths } from './artifacts';
import { commonSchemas } from './common';
import { comparePaths, compareSchemas } from './compare';
import { deploymentRequestSchemas, requestPaths } from './deployment-requests';
import { deploymentPaths, deploymentSchemas } from './deployments';
import { mentionPaths, mentionSchemas } from './mentions';
import { modelPaths, modelSchemas } from './models';
import { modelCardPaths, modelCardSchemas } from './model-cards';
import type { Method, PathTable } from './operation';
import { reviewPolicyPaths, reviewPolicySchemas } from './review-policies';
import { shareLinkPaths, shareLinkSchemas } from './share-links';
import { signingKeyPaths, signingKeySchemas } from './signing-keys';
import { systemPaths, systemSchemas } from './system';
import { trainingJobPaths, trainingJobSchemas } from './training-jobs';

export const CONTRACT_SCHEMAS = {
  ...commonSchemas,
  ...systemSchemas,
  ...trainingJobSchemas,
  ...modelSchemas,
  ...modelCardSchemas,
  ...shareLinkSchemas,
  ...signingKeySchemas,
  ...compareSchemas,
  ...deploymentSchemas,
  ...deploymentRequestSchemas,
  ...reviewPolicySchemas,
  ...mentionSchemas,
};
export type SchemaName = keyof typeof CONTRACT_SCHEMAS;

export const PATHS: PathTable = {
  ...systemPaths,
  ...trainingJobPaths,
  ...modelPaths,
  ...modelCardPaths,
  ...shareLinkPaths,
  ...signingKeyPaths,
  ...comparePaths,
  ...deploymentPaths,
  ...requestPaths,
  ...reviewPolicyPaths,
  ...mentionPaths,
  ...artifactPaths,
};

/** The schema a JSON response of `method path` with `status` must match (an array for a list). */
export function responseSchemaOf(method: Method, path: string, status: number | string) {
  const spec = PATHS[path]?.[method]?.responses[String(status)];
  if (!spec || !('schema' in spec)) throw new Error(`no JSON response ${status} for ${method.toUpperCase()} ${path}`);
  const schema = CONTRACT_SCHEMAS[spec.schema as SchemaName];
  return spec.list ? z.array(schema) : schema;
}
