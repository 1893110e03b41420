import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { ReconstructionPreview } from '@/components/preview/reconstruction-preview';
import { PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { DomainError } from '@/lib/errors';
import { ortBasePath } from '@/lib/preview/ort-assets';
import { getModelComparison, type ModelComparison } from '@/lib/registry/compare';
import { CompareFacts } from './_components/compare-facts';

export const metadata: Metadata = { title: 'Compare models' };

type Search = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

export default async function ComparePage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const query = new URLSearchParams(Object.entries(sp).flatMap(([k, v]) => [v ?? []].flat().map((x) => [k, x])));
  // Back to the same comparison after signing in.
  const actor = await requirePageActor(`/models/compare${query.size ? `?${query}` : ''}`);
  // The models list's checkboxes send ?m=…&m=… (no script needed): two of them become A and B.
  const ticked = sp.m === undefined ? [] : [sp.m].flat().filter(Boolean);
  if (ticked.length === 2) redirect(`/models/compare?${new URLSearchParams({ a: ticked[0], b: ticked[1] })}`);
  const a = first(sp.a);
  const b = first(sp.b);
  if (ticked.length > 0 || !a || !b || a === b) {
    const why =
      ticked.length > 0
        ? `You ticked ${ticked.length} ${ticked.length === 1 ? 'model' : 'models'}; tick exactly two.`
        : a && a === b
          ? 'A and B are the same model; pick two different ones.'
          : `Name both models: /models/compare?a=<model id>&b=<model id>${a || b ? ` (${a ? 'B' : 'A'} is missing)` : ''}.`;
    return (
      <>
        <PageHeader title="Compare models" />
        <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          <p className="font-medium">Pick two models to compare</p>
          <p className="mt-1">
            {why} On the{' '}
            <Link href="/models" className="underline">
              models list
            </Link>
            , tick two models and choose Compare selected.
          </p>
        </div>
      </>
    );
  }
  let cmp: ModelComparison;
  try {
    cmp = await getModelComparison(await getDb(), actor, a, b);
  } catch (e) {
    if (e instanceof DomainError && e.code === 'model_not_found') notFound();
    throw e;
  }
  return (
    <>
      <PageHeader
        title="Compare models"
        description="Two exports side by side: facts (rows that differ are marked), then both run in your browser on the same samples."
      />
      <dl className="mb-4 grid gap-3 text-sm sm:grid-cols-2">
        {(['a', 'b'] as const).map((k) => (
          <div key={k} className="rounded-lg border border-slate-200 bg-white p-3">
            <dt className="text-xs font-medium uppercase text-slate-600">{k.toUpperCase()}</dt>
            <dd>
              <Link href={`/models/${cmp[k].exp.modelId}`} className="font-medium text-indigo-800 hover:underline">
                {cmp[k].name}
              </Link>
              <div className="font-mono text-xs text-slate-600">{cmp[k].exp.modelId}</div>
            </dd>
          </div>
        ))}
      </dl>
      <p className="mb-4 text-sm">
        <Link href={`/models/compare?${new URLSearchParams({ a: b, b: a })}`} className="text-indigo-800 underline">
          Swap A and B
        </Link>
      </p>
      <CompareFacts a={cmp.a} b={cmp.b} />
      <section aria-labelledby="preview-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <ComparePreview cmp={cmp} />
      </section>
    </>
  );
}

function ComparePreview({ cmp }: { cmp: ModelComparison }) {
  if (cmp.dimensionMismatch || !cmp.validationSet) {
    return (
      <>
        <h2 id="preview-h" className="text-base font-semibold">
          Reconstruction preview
        </h2>
        <p role="alert" className="mt-2 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {cmp.dimensionMismatch
            ? `${cmp.dimensionMismatch} Compare models of the same input dimension.`
            : 'Neither model has a validation set (their training jobs registered none, or they were exported directly), so there are no shared samples to run them on. Compare an export of a training job that has one.'}
        </p>
      </>
    );
  }
  const b = cmp.b.preview;
  return (
    <>
      <p className="mb-3 text-sm text-slate-700" data-testid="validation-set-note">
        {cmp.validationSet.note} Each model flags with its deployment threshold when deployed, else the 95th percentile
        of its own errors on this set.
      </p>
      <ReconstructionPreview
        ortBase={ortBasePath()}
        candidate={cmp.a.preview.candidate}
        validationSet={cmp.validationSet}
        deploymentThreshold={cmp.a.preview.deploymentThreshold}
        production={{
          ...b.candidate,
          // Not read in compare mode: B's threshold is chosen from bDeployment and its errors.
          threshold: b.deploymentThreshold?.value ?? Number.NaN,
          deploymentId: b.deploymentThreshold?.deploymentId ?? 0,
        }}
        compare={{ labels: { candidate: 'A', production: 'B' }, bDeployment: b.deploymentThreshold }}
      />
    </>
  );
}
