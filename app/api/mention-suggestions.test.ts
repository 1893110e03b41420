// GET /api/v1/mention-suggestions: the comment box's autocomplete, for those who may comment.
import { describe, expect, it } from 'vitest';
import { responseSchemaOf } from '@/lib/api/contract';
import { mentionSuggestionListResponse } from '@/lib/api/contract/mentions';
import type { Role } from '@/lib/auth/permissions';
import { call, expectError, useSeededApi } from './test-harness';

useSeededApi();

const suggest = (q: string, role: Role | null = 'reviewer') =>
  call('mentions', `/api/v1/mention-suggestions?q=${encodeURIComponent(q)}`, { role });

describe('mention suggestions', () => {
  it('returns active teammates matching a name or email prefix, in the contract’s shape', async () => {
    const res = await suggest('re');
    expect(res.status).toBe(200);
    const json = await res.json();
    expect(responseSchemaOf('get', '/api/v1/mention-suggestions', 200).safeParse(json).success).toBe(true);
    const body = mentionSuggestionListResponse.parse(json);
    expect(body.suggestions).toEqual([
      { id: expect.any(String), name: 'Remy Reviewer', email: 'reviewer@drawbridge.test', mention: '@"Remy Reviewer"' },
    ]);
    const list = async (q: string, role?: Role) =>
      mentionSuggestionListResponse.parse(await (await suggest(q, role)).json()).suggestions;
    expect((await list('@deployer@', 'admin')).map((s) => s.name)).toEqual(['Dana Deployer']);
    const all = { suggestions: await list('') };
    expect(all.suggestions.length).toBeGreaterThanOrEqual(4);
    expect(all.suggestions.length).toBeLessThanOrEqual(8);
  });

  it('is for those who may comment: 401 without credentials, 403 for a viewer, 422 for a long query', async () => {
    await expectError(await suggest('re', null), 401, 'unauthenticated');
    await expectError(await suggest('re', 'viewer'), 403, 'forbidden');
    await expectError(await suggest('x'.repeat(101)), 422);
  });
});
