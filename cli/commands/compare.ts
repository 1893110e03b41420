import type { ComparisonReference } from '../../lib/registry/compare';
import { computeComparisonReference } from '../../lib/registry/compare';
import { getStore } from '../../lib/storage';
import { UsageError } from '../args';
import { resolveActor, withDb } from '../local';
import { json } from '../output';
import type { CommandImpl } from './types';

function comparisonText(r: ComparisonReference): string {
  const side = (k: 'A' | 'B', s: ComparisonReference['a']) =>
    `${k}: ${s.name} (${s.model_id})\n   flags ${s.flagged} of ${r.samples} above ${s.threshold} (${s.threshold_label})`;
  const byA = r.flips.filter((f) => f.flagged_by === 'a').map((f) => f.index);
  const byB = r.flips.filter((f) => f.flagged_by === 'b').map((f) => f.index);
  return [
    side('A', r.a),
    side('B', r.b),
    `${r.validation_set_note} ${r.samples} samples, onnxruntime-node.`,
    r.max_abs_difference === 0
      ? 'Errors identical on every sample (max |A - B| = 0).'
      : `Largest per-sample error difference |A - B|: ${r.max_abs_difference}.`,
    r.flips.length === 0
      ? 'No flips: both flag exactly the same samples.'
      : `${r.flips.length} flips: flagged by A only [${byA.join(', ')}]; by B only [${byB.join(', ')}].`,
  ].join('\n');
}

export const compareCommand: CommandImpl = {
  help: `Run two exports on the same validation set (A's training job's, B's when A has none) with
onnxruntime-node and print what differs: each model's threshold and how many samples it flags, the
largest per-sample error difference, and the samples whose anomaly flag flips. Each model flags with
its deployment threshold when deployed, else the 95th percentile of its errors on the set. Models of
different input dimension are refused (exit 1, validation_set_dimension_mismatch). The same numbers
as GET /api/v1/training/models/compare and the console's /models/compare?a=A&b=B.

Options:
  --json   Print {validation_set_sha256, samples, a, b (errors, threshold, flagged), max_abs_difference, flips}.

Example:
  drawbridge models compare autoencoder_2.0_3.0_20261201_120000 autoencoder_3.0_4.0_20261201_120500
`,
  async run({ v, args, remote, out }) {
    const cmd = 'models compare';
    const [a, b] = args;
    if (!a || !b) throw new UsageError('models compare needs two model ids: A and B', cmd);
    const r = remote
      ? await remote.get<ComparisonReference>('/api/v1/training/models/compare', { a, b })
      : await withDb(async (db) => computeComparisonReference(db, getStore(), await resolveActor(db, v.as, cmd), a, b));
    out(v.json ? json(r) : comparisonText(r));
    return 0;
  },
};
