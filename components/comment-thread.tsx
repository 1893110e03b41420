import type { FormAction } from '@/lib/auth/action-state';
import { fmtDate } from '@/lib/format-display';
import type { CommentNode } from '@/lib/registry/comments';
import { CommentForm } from './comment-form';

type Target = { requestId: string } | { modelId: string };

/**
 * A threaded discussion (server-rendered); replies nest under their comment. `commentAction` is
 * given only to those who may write: without it the thread is read-only.
 */
export function CommentThread({
  comments,
  names,
  target,
  commentAction,
}: {
  comments: CommentNode[];
  names: Map<string, string>;
  target: Target;
  commentAction?: FormAction;
}) {
  return (
    <div className="space-y-4">
      {comments.length === 0 ? (
        <p className="text-sm text-slate-600">No comments yet.</p>
      ) : (
        <ol className="space-y-3">
          {comments.map((c) => (
            <CommentItem key={c.id} c={c} names={names} target={target} commentAction={commentAction} depth={0} />
          ))}
        </ol>
      )}
      {commentAction && <CommentForm commentAction={commentAction} {...target} label="Add a comment" />}
    </div>
  );
}

function CommentItem({
  c,
  names,
  target,
  commentAction,
  depth,
}: {
  c: CommentNode;
  names: Map<string, string>;
  target: Target;
  commentAction?: FormAction;
  depth: number;
}) {
  return (
    <li id={`comment-${c.id}`} className="rounded border border-slate-100 p-3 text-sm">
      <p className="text-xs text-slate-600">
        <span className="font-medium text-slate-900">{c.author.name}</span> ·{' '}
        <time dateTime={c.createdAt.toISOString()}>{fmtDate(c.createdAt)}</time>
        {c.mentions.length > 0 && <> · mentions {c.mentions.map((m) => names.get(m) ?? 'a former user').join(', ')}</>}
      </p>
      <p className="mt-1 whitespace-pre-wrap break-words">{c.body}</p>
      {commentAction && (
        <details className="mt-2">
          <summary className="cursor-pointer text-xs text-indigo-800">Reply</summary>
          <div className="mt-2">
            <CommentForm
              commentAction={commentAction}
              {...target}
              parentId={c.id}
              label={`Reply to ${c.author.name}`}
            />
          </div>
        </details>
      )}
      {c.replies.length > 0 && (
        <ol
          className={`mt-3 space-y-3 ${depth < 4 ? 'border-l-2 border-slate-100 pl-4' : ''}`}
          aria-label={`Replies to ${c.author.name}`}
        >
          {c.replies.map((r) => (
            <CommentItem
              key={r.id}
              c={r}
              names={names}
              target={target}
              commentAction={commentAction}
              depth={depth + 1}
            />
          ))}
        </ol>
      )}
    </li>
  );
}
