import { ModelCardView } from '@/components/model-card-view';
import { fmtDate } from '@/lib/format-display';
import type { ModelCard } from '@/lib/registry/model-card';

/**
 * The export's model card as the team wrote it. The public page names no one and no other model
 * (who wrote it, which export it was inherited from): a version and a date are enough to cite it.
 */
export function SharedModelCard({ card }: { card: ModelCard | null }) {
  return (
    <section aria-labelledby="card-h" className="mb-6 rounded-lg border border-slate-200 bg-white p-5">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="card-h" className="text-base font-semibold">
          Model card
        </h2>
        {card && (
          <p className="text-xs text-slate-600">
            Version {card.version}, {fmtDate(card.updatedAt)}
          </p>
        )}
      </div>
      <div className="mt-3">
        {card ? (
          <ModelCardView markdown={card.markdown} />
        ) : (
          <p className="text-sm text-slate-600">The team has not written a model card for this export yet.</p>
        )}
      </div>
    </section>
  );
}
