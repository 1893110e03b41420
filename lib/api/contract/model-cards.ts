/** Wire shapes of /api/v1/training/models/exports/{model_id}/card: an export's Markdown model card. */
import { z } from 'zod';
import { MODEL_CARD_MAX_CHARS } from '../../registry/model-card';
import { dateTime } from './common';
import type { PathTable } from './operation';

/** Body of PUT …/card: the whole new text, and the version it was written on top of. */
export const modelCardUpdateBody = z.object({
  markdown: z
    .string({ message: 'Send the card as a Markdown string in "markdown".' })
    .describe(
      `The whole card, Markdown (at most ${MODEL_CARD_MAX_CHARS} characters; raw HTML is shown as text, links only http, https or mailto)`,
    ),
  base_version: z.coerce
    .number({ message: 'a whole number: the version you edited (0 when there was no card)' })
    .int('a whole number: the version you edited (0 when there was no card)')
    .min(0)
    .optional()
    .describe(
      'The version you edited (0: there was none). When it is no longer the latest the save is refused with 409 model_card_conflict; omit it to save on top of whatever is latest',
    ),
});

export const modelCardVersionResponse = z.object({
  version: z.int().min(1),
  created_at: dateTime(),
  created_by: z.string().nullable().describe('Who wrote this text'),
  inherited: z.boolean().describe("Copied from the training job's latest card when this export was made"),
});

export const modelCardResponse = z.object({
  model_id: z.string(),
  markdown: z.string().nullable().describe('The latest version; null when the export has no card yet'),
  version: z.int().min(0).describe('The latest version; 0 when there is none'),
  updated_at: dateTime().nullable(),
  updated_by: z.string().nullable(),
  copied_from: z.string().nullable().describe('The model id whose card this export inherited, if it did'),
  template: z
    .string()
    .describe('The four sections to start from (intended use, training data, evaluation, limitations)'),
  max_characters: z.int(),
  history: z.array(modelCardVersionResponse).describe('Every version, newest first'),
});
export type ModelCardResponse = z.infer<typeof modelCardResponse>;

export const modelCardSchemas = {
  ModelCard: modelCardResponse,
  ModelCardVersion: modelCardVersionResponse,
  ModelCardUpdate: modelCardUpdateBody,
};

const modelIdParam = z.object({ model_id: z.string().describe('The export’s model id') });

export const modelCardPaths: PathTable = {
  '/api/v1/training/models/exports/{model_id}/card': {
    get: {
      operationId: 'getModelCard',
      summary: 'An export’s model card (latest version, history, the template when empty)',
      tag: 'models',
      permission: 'models.read',
      pathParams: modelIdParam,
      responses: { '200': { schema: 'ModelCard' } },
      errors: [404],
    },
    put: {
      operationId: 'saveModelCard',
      summary: 'Save a new version of an export’s model card (reviewers and above)',
      description:
        'Each save adds the next version; saving on top of a version that is no longer the latest answers 409 model_card_conflict, naming the latest. Over the size limit: 413 model_card_too_large.',
      tag: 'models',
      permission: 'model_cards.write',
      pathParams: modelIdParam,
      body: { schema: 'ModelCardUpdate', as: 'params', required: true, description: 'The card.' },
      responses: { '200': { schema: 'ModelCard' } },
      errors: [404, 409, 413, 415, 422],
    },
  },
};
