// GET /api/v1/mention-suggestions?q=re - teammates to @mention, for the comment box's autocomplete.
import { mentionSuggestionQuery } from '@/lib/api/contract/mentions';
import { withActor } from '@/lib/api/handler';
import { parseQuery, queryParams } from '@/lib/api/params';
import { suggestMentions } from '@/lib/registry/comments';

// comments.write: only someone who may write a comment needs the team's names and emails.
export const GET = withActor('comments.write', async (req, { actor, db }) => {
  const { q } = parseQuery(mentionSuggestionQuery, queryParams(req));
  return Response.json({ suggestions: await suggestMentions(db, actor, q) });
});
