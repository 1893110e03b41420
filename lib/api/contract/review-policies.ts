/** Wire shapes of /api/v1/review-policies: each environment's rules for approving a deployment. */
import { z } from 'zod';
import { ENVIRONMENTS } from '../../registry/deploy';
import { strictBoolean } from '../params';
import { dateTime, environmentName } from './common';
import type { PathTable } from './operation';

/** Path segment of /api/v1/review-policies/{environment}. */
export const policyEnvironmentParam = z.enum(ENVIRONMENTS, { message: 'production or staging' });

/** Body of PUT /api/v1/review-policies/{environment}: an omitted field keeps its current value. */
export const policyUpdateBody = z
  .object({
    required_approvals: z.coerce
      .number({ message: 'a whole number from 1 to 10' })
      .int('a whole number from 1 to 10')
      .min(1)
      .max(10)
      .optional(),
    require_preview_summary: strictBoolean
      .optional()
      .describe('Require the preview summary on approvals (true/false/1/0)'),
  })
  .describe('An omitted field keeps its current value.');

export const reviewPolicyResponse = z.object({
  deployment_environment: environmentName(),
  required_approvals: z.int().min(1).max(10),
  require_preview_summary: z
    .boolean()
    .describe('Each approval must carry the reviewer’s reconstruction preview summary of the bytes'),
  is_default: z
    .boolean()
    .describe('No admin has set it: the defaults apply (staging 1, production 2, preview required)'),
});

export const reviewPolicyRowResponse = z.intersection(
  reviewPolicyResponse,
  z.object({ updated_at: dateTime().nullable(), updated_by: z.string().nullable() }),
);
export type ReviewPolicyRowResponse = z.infer<typeof reviewPolicyRowResponse>;

export const reviewPolicyListResponse = z.object({ policies: z.array(reviewPolicyRowResponse) });

export const reviewPolicySchemas = {
  ReviewPolicy: reviewPolicyResponse,
  ReviewPolicyRow: reviewPolicyRowResponse,
  ReviewPolicyList: reviewPolicyListResponse,
  ReviewPolicyUpdate: policyUpdateBody,
};

export const reviewPolicyPaths: PathTable = {
  '/api/v1/review-policies': {
    get: {
      operationId: 'listReviewPolicies',
      summary: 'Each environment’s review policy',
      tag: 'reviews',
      permission: 'reviews.read',
      responses: { '200': { schema: 'ReviewPolicyList' } },
    },
  },
  '/api/v1/review-policies/{environment}': {
    put: {
      operationId: 'setReviewPolicy',
      summary: 'Set an environment’s review policy; requests under review there are re-evaluated',
      tag: 'reviews',
      permission: 'policy.manage',
      pathParams: z.object({ environment: z.enum(ENVIRONMENTS).describe('Deployment environment') }),
      body: { schema: 'ReviewPolicyUpdate', as: 'params', description: 'The rules.' },
      responses: { '200': { schema: 'ReviewPolicyRow' } },
      errors: [409, 415, 422],
    },
  },
};
