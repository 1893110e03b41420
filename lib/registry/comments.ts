import 'server-only';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import { notFound } from '../errors';
import { recordAudit } from './audit';
import { emitEvent, kickDispatcher } from './events';
import { markHandled, MENTION_KINDS } from './notifications-handled';
import { findVisibleRequest, notifyUsers, requestLink } from './requests';
import { WorkflowError } from './review-state';

/**
 * Threaded comments on a deployment request or a model page. A teammate is mentioned by name or
 * email: `@Remy` (a first name or an email's local part), `@"Remy Reviewer"` (a full name),
 * `@remy@drawbridge.test` (a full email). Mentions resolve to user ids, are stored on the comment,
 * and each mentioned person gets an inbox notification; a mention that matches nobody (or more than
 * one person) is handed back so the author hears it.
 */

// Not preceded by a word character, dot or @ (so "ann@example.com" in prose mentions nobody).
// A quoted full name, or a bare token (a name, a local part or a whole email).
const MENTION = /(?<![\w.@])@(?:"([^"\n]{1,100})"|([\p{L}\p{N}._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?))/gu;

const norm = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

/** The mention tokens in a body, lower-cased, without trailing punctuation ("@ann." → "ann"). */
export function parseMentions(body: string): string[] {
  const out = new Set<string>();
  for (const m of body.matchAll(MENTION)) {
    const token = m[1] !== undefined ? norm(m[1]) : m[2].replace(/[._%+-]+$/, '').toLowerCase();
    if (token) out.add(token);
  }
  return [...out];
}

type MentionCandidate = { id: string; email: string; name: string };

/**
 * Who a token names, most specific first: a full email exactly; else an email's local part; else a
 * full name; else a first name. The first kind that matches anyone decides, and it must match one
 * person: an ambiguous token mentions nobody (and is reported) rather than pinging the wrong one.
 */
function matchMention(users: MentionCandidate[], token: string): MentionCandidate[] {
  if (token.includes('@')) return users.filter((u) => u.email.toLowerCase() === token);
  const tiers: ((u: MentionCandidate) => boolean)[] = [
    (u) => u.email.toLowerCase().split('@')[0] === token,
    (u) => norm(u.name) === token,
    (u) => norm(u.name).split(' ')[0] === token,
  ];
  for (const tier of tiers) {
    const hits = users.filter(tier);
    if (hits.length) return hits;
  }
  return [];
}

/** Resolves tokens to active users; `unresolved` lists the tokens that named nobody or several people. */
export async function resolveMentions(db: Pick<Db, 'user'>, tokens: string[]) {
  if (!tokens.length) return { userIds: [] as string[], unresolved: [] as string[] };
  const users = await db.user.findMany({
    where: { disabledAt: null },
    select: { id: true, email: true, name: true },
  });
  const userIds = new Set<string>();
  const unresolved: string[] = [];
  for (const t of tokens) {
    const hits = matchMention(users, t);
    if (hits.length === 1) userIds.add(hits[0].id);
    else unresolved.push(t.includes(' ') ? `"${t}"` : t);
  }
  return { userIds: [...userIds], unresolved };
}

const SUGGESTION_LIMIT = 8;

/**
 * The comment box's autocomplete: active teammates whose name (any word of it) or email starts
 * with `prefix`, at most 8, each with the text that mentions exactly them (`@"Full Name"` when the
 * name names only them, else their email).
 */
export async function suggestMentions(db: Pick<Db, 'user'>, actor: Actor, prefix: string) {
  requirePermission(actor, 'comments.write');
  const q = norm(prefix.replace(/^@/, '').replace(/^"/, '')).slice(0, 100);
  const users = await db.user.findMany({
    where: { disabledAt: null },
    select: { id: true, email: true, name: true },
    orderBy: [{ name: 'asc' }, { email: 'asc' }],
  });
  const hits = users.filter(
    (u) =>
      !q ||
      u.email.toLowerCase().startsWith(q) ||
      norm(u.name).startsWith(q) ||
      norm(u.name)
        .split(' ')
        .some((w) => w.startsWith(q)),
  );
  return hits.slice(0, SUGGESTION_LIMIT).map((u) => {
    const name = norm(u.name);
    // The text must resolve back to this person through the same rule that reads it.
    const back = matchMention(users, name);
    const mention =
      back.length === 1 && back[0].id === u.id && !u.name.includes('"') ? `@"${u.name.trim()}"` : `@${u.email}`;
    return { id: u.id, name: u.name, email: u.email, mention };
  });
}

export const commentSchema = z
  .object({
    requestId: z.string().min(1).optional(),
    modelId: z.string().min(1).optional(),
    parentId: z.string().min(1).optional(),
    body: z.string().trim().min(1, 'Write something first.').max(8000, 'At most 8000 characters.'),
  })
  .refine((c) => !!c.requestId !== !!c.modelId, {
    message: 'A comment belongs to a request or to a model page.',
    path: ['body'],
  });
export type CommentInput = z.input<typeof commentSchema>;

export async function addComment(db: Db, actor: Actor, raw: CommentInput) {
  requirePermission(actor, 'comments.write');
  const input = commentSchema.parse(raw);
  // Another person's draft is not found here either (requestWhereVisibleTo), as on its page.
  const request = input.requestId
    ? await findVisibleRequest(db, actor, input.requestId, { modelExport: { select: { modelId: true } } })
    : null;
  const exp = input.modelId
    ? await db.modelExport.findUnique({ where: { modelId: input.modelId }, select: { id: true, modelId: true } })
    : null;
  if (input.modelId && !exp) throw notFound('Model', input.modelId, 'model_not_found');
  if (input.parentId) {
    const parent = await db.comment.findUnique({
      where: { id: input.parentId },
      select: { requestId: true, modelExportId: true },
    });
    if (!parent || parent.requestId !== (request?.id ?? null) || parent.modelExportId !== (exp?.id ?? null)) {
      throw new WorkflowError('invalid_parent', 'You can only reply to a comment in the same thread.', {
        field: 'body',
      });
    }
  }
  const { userIds, unresolved } = await resolveMentions(db, parseMentions(input.body));
  const comment = await db.$transaction(async (tx) => {
    const c = await tx.comment.create({
      data: {
        authorId: actor.id,
        requestId: request?.id ?? null,
        modelExportId: exp?.id ?? null,
        parentId: input.parentId ?? null,
        body: input.body,
        mentions: userIds,
      },
    });
    await recordAudit(tx, actor, {
      action: 'comment.create',
      subjectType: request ? 'deployment_request' : 'model_export',
      subjectId: request?.id ?? exp!.modelId,
      after: { commentId: c.id, parentId: c.parentId, mentions: userIds },
    });
    const link = request ? `${requestLink(request.id)}#comment-${c.id}` : `/models/${exp!.modelId}#comment-${c.id}`;
    const where = request
      ? `the request to deploy ${request.modelExport.modelId} to ${request.environment}`
      : exp!.modelId;
    // Writing in the thread answers the author's own mentions there (a reply or a new comment).
    await markHandled(tx, { userId: actor.id, kinds: MENTION_KINDS, requestId: request?.id, modelId: exp?.modelId });
    const mentioned = userIds.filter((id) => id !== actor.id);
    if (mentioned.length) {
      await emitEvent(tx, {
        type: 'comment.mention',
        environment: request?.environment ?? 'production',
        payload: {
          comment_id: c.id,
          request_id: request?.id ?? null,
          model_id: request?.modelExport.modelId ?? exp!.modelId,
        },
        notify: {
          userIds: mentioned,
          message: `${actor.name} mentioned you on ${where}: “${snippet(input.body)}”`,
          link,
          requestId: request?.id,
        },
      });
    }
    // The requester hears about discussion on their request (unless they wrote it or were mentioned).
    if (request && request.requesterId !== actor.id && !mentioned.includes(request.requesterId)) {
      await notifyUsers(
        tx,
        'request.comment',
        [request.requesterId],
        `${actor.name} commented on ${where}: “${snippet(input.body)}”`,
        { requestId: request.id, link },
      );
    }
    return c;
  });
  kickDispatcher();
  return { comment, unresolved };
}

function snippet(s: string, n = 140) {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

export type CommentNode = {
  id: string;
  body: string;
  createdAt: Date;
  author: { id: string; name: string };
  mentions: string[];
  replies: CommentNode[];
};

/** A thread as a tree, oldest first at every level. */
export async function listComments(db: Db, actor: Actor, target: { requestId: string } | { modelExportId: string }) {
  requirePermission(actor, 'reviews.read');
  const rows = await db.comment.findMany({
    where: 'requestId' in target ? { requestId: target.requestId } : { modelExportId: target.modelExportId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: { author: { select: { id: true, name: true } } },
    take: 1000,
  });
  const nodes = new Map<string, CommentNode>(
    rows.map((r) => [
      r.id,
      { id: r.id, body: r.body, createdAt: r.createdAt, author: r.author, mentions: r.mentions, replies: [] },
    ]),
  );
  const roots: CommentNode[] = [];
  for (const r of rows) {
    const n = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    (parent ? parent.replies : roots).push(n);
  }
  return roots;
}

/** Names for mention ids (to render "@Remy Reviewer"). */
export async function userNames(db: Db, ids: string[]) {
  if (!ids.length) return new Map<string, string>();
  const users = await db.user.findMany({
    where: { id: { in: [...new Set(ids)] } },
    select: { id: true, name: true, email: true },
  });
  return new Map(users.map((u) => [u.id, u.name]));
}
