import 'server-only';
import type { DeploymentRequest, ModelExport, ValidationRun } from '../../db/generated/client';
import type { Tx } from '../audit';
import { ageRangeMismatch, findActiveDeployment, replaceConflict, thresholdBasis } from '../deploy';
import type { Precondition } from '../review-policy';

/** The request as the deploy would read it (a LoadedRequest is one). */
export type PreconditionRequest = Pick<
  DeploymentRequest,
  'id' | 'ageGroupMin' | 'ageGroupMax' | 'environment' | 'replaceExisting' | 'artifactSha256'
> & { modelExport: Pick<ModelExport, 'modelId' | 'ageGroupMin' | 'ageGroupMax' | 'trainingJobId'> };

/**
 * What deployModel would refuse for this request, found while it waits rather than at deploy: the
 * deploy's own checks (deploy.ts), run against the world now. Cheap reads only (no forward pass):
 * the threshold's computability is read from the latest validation run, which computed it. The
 * export's validation itself is the policy's (validationPrecondition in review-policy.ts).
 */
export async function checkDeployPreconditions(
  tx: Tx,
  req: PreconditionRequest,
  latest: ValidationRun | null,
): Promise<Precondition[]> {
  const cfg = {
    age_group_min: req.ageGroupMin,
    age_group_max: req.ageGroupMax,
    deployment_environment: req.environment as 'production' | 'staging',
    replace_existing: req.replaceExisting,
  };
  const ages = `${req.ageGroupMin}–${req.ageGroupMax}`;
  const found: Precondition[] = [];

  const mismatch = ageRangeMismatch(req.modelExport, cfg);
  if (mismatch)
    found.push({
      code: mismatch.code,
      message: `${mismatch.message}.`,
      fix: `Amend the request to an export of ages ${ages}.`,
    });

  const current = await findActiveDeployment(tx, cfg);
  // A request that has deployed serves the range itself; only another deployment stands in its way.
  if (current && current.requestId !== req.id && replaceConflict(current, cfg))
    found.push({
      code: 'active_model_exists',
      message: `Ages ${ages} in ${req.environment} are served by ${current.modelExport.modelId} (deployment ${current.id}), and this request does not replace it.`,
      fix: `Tick Replace: ages ${ages} in ${req.environment} are served by ${current.modelExport.modelId} (deployment ${current.id}). Or withdraw the request.`,
    });

  const basis = await thresholdBasis(tx, req.modelExport);
  if (basis.error)
    found.push({
      code: basis.error.code,
      message: basis.error.message,
      fix: 'Register the training job’s validation set (drawbridge jobs push --validation-set), then export again.',
    });
  else if (thresholdNotFinite(latest, req.artifactSha256))
    found.push({
      code: 'non_finite_threshold',
      message: `${req.modelExport.modelId} reconstructs its validation set’s normal samples to a non-finite error (Infinity or NaN), so no deployment threshold can be derived.`,
      fix: 'Retrain or re-export the model (its latest validation run says why), then amend the request to it.',
    });
  return found;
}

/** The latest run on these bytes found the threshold's basis non-finite (validate.ts records it). */
function thresholdNotFinite(latest: ValidationRun | null, sha256: string): boolean {
  if (!latest || latest.artifactSha256 !== sha256) return false;
  const perf = (latest.performanceChecks ?? {}) as { validation_set?: { threshold_finite?: boolean } };
  return perf.validation_set?.threshold_finite === false;
}
