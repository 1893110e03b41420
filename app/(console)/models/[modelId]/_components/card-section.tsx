import { ModelCardView } from '@/components/model-card-view';
import { Badge } from '@/components/ui';
import { fmtDate } from '@/lib/format-display';
import { plural } from '@/lib/display-values';
import type { ModelCard, ModelCardVersion } from '@/lib/registry/model-card';
import { CardEditor } from './card-editor';

/**
 * The model card: its latest version rendered, the history (every version, expandable), and for
 * reviewers and above the editor, starting from the four-section template while there is no card.
 */
export function CardSection({
  modelId,
  card,
  versions,
  canWrite,
  template,
  maxChars,
}: {
  modelId: string;
  card: ModelCard | null;
  versions: ModelCardVersion[];
  canWrite: boolean;
  template: string;
  maxChars: number;
}) {
  return (
    <>
      {card ? (
        <>
          <p className="mt-1 text-xs text-slate-600">
            Version {card.version}, saved {fmtDate(card.updatedAt)}
            {card.updatedByName ? ` by ${card.updatedByName}` : ''}
            {card.copiedFrom ? ` · carried over from ${card.copiedFrom} (same training job)` : ''}
          </p>
          <div className="mt-3">
            <ModelCardView markdown={card.markdown} />
          </div>
        </>
      ) : (
        <p className="mt-2 text-sm text-slate-600">
          No model card yet: its intended use, training data, evaluation and limitations are not written down.
          {canWrite ? ' Start from the template below.' : ' Reviewers and above can write it.'}
        </p>
      )}
      {versions.length > 0 && (
        <details className="mt-4 text-sm">
          <summary className="cursor-pointer font-medium text-slate-800">
            History ({plural(versions.length, 'version')})
          </summary>
          <ol className="mt-2 space-y-2" aria-label="Model card versions, newest first">
            {versions.map((v) => (
              <li key={v.version} className="rounded border border-slate-100 p-2">
                <details>
                  <summary className="cursor-pointer">
                    Version {v.version} · {fmtDate(v.createdAt)}
                    {v.createdByName ? ` · ${v.createdByName}` : ''}{' '}
                    {v.inherited && <Badge tone="slate">carried over</Badge>}
                  </summary>
                  <div className="mt-2 border-t border-slate-100 pt-2">
                    <ModelCardView markdown={v.markdown} />
                  </div>
                </details>
              </li>
            ))}
          </ol>
        </details>
      )}
      {canWrite && (
        <CardEditor
          modelId={modelId}
          baseVersion={card?.version ?? 0}
          initial={card?.markdown ?? template}
          maxChars={maxChars}
        />
      )}
    </>
  );
}
