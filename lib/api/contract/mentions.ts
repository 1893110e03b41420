/** Wire shapes of /api/v1/mention-suggestions: the comment box's @-autocomplete. */
import { z } from 'zod';
import type { PathTable } from './operation';

export const mentionSuggestionQuery = z.object({
  q: z
    .string()
    .max(100, 'At most 100 characters.')
    .default('')
    .describe('What follows the @ so far: the start of a name (any word of it) or of an email'),
});

export const mentionSuggestionResponse = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  mention: z.string().describe('The text to insert: it mentions exactly this person (`@"Full Name"` or `@email`)'),
});

export const mentionSuggestionListResponse = z.object({
  suggestions: z.array(mentionSuggestionResponse).max(8).describe('Active teammates, by name; at most 8'),
});

export const mentionSchemas = {
  MentionSuggestion: mentionSuggestionResponse,
  MentionSuggestionList: mentionSuggestionListResponse,
};

export const mentionPaths: PathTable = {
  '/api/v1/mention-suggestions': {
    get: {
      operationId: 'suggestMentions',
      summary: 'Teammates whose name or email starts with the text after @, for comment autocomplete',
      tag: 'reviews',
      permission: 'comments.write',
      query: mentionSuggestionQuery,
      responses: { '200': { schema: 'MentionSuggestionList' } },
      errors: [422],
    },
  },
};
