import { ModelDeploymentError } from '../../lib/formats/errors';
import { SYSTEM_ACTOR } from '../../lib/registry/audit';
import { deployByConfigJson } from '../../lib/api/deployment-requests';
import {
  deploymentToDict,
  ENVIRONMENTS,
  listDeployedModels,
  rollbackDeployment,
  undeployModel,
} from '../../lib/registry/deploy';
import { getStore } from '../../lib/storage';
import { idArgument, oneOf, requiredNumber, UsageError } from '../args';
import { resolveActor, withDb } from '../local';
import { ages, HintedError, json, keyValues, table } from '../output';
import { API, deployBody, rollbackBody } from '../remote';
import type { CommandImpl } from './types';

type DeploymentJson = ReturnType<typeof deploymentToDict>;
type DeployResult = Awaited<ReturnType<typeof deployByConfigJson>>;
type RollbackResult = Awaited<ReturnType<typeof rollbackDeployment>>;

const ENV_HELP = `--env E                  production (default) or staging.`;

export function deployText(
  r: Omit<DeployResult, 'request_id'> & { request_id?: string | null },
  environment: string,
  min: number,
  max: number,
): string {
  const v = r.validation_result;
  return (
    `deployed ${r.model_id} to ${environment}, ages ${ages(min, max)} (deployment ${r.deployment_id})\n` +
    (r.break_glass_reason ? `BREAK-GLASS: deployed without approvals: ${r.break_glass_reason}\n` : '') +
    keyValues({
      request: r.request_id ?? null,
      deployment_path: r.deployment_path,
      backup_path: r.backup_path,
      threshold: r.threshold,
      sample_count: r.sample_count,
      validation: v
        ? `${v.is_valid ? 'valid' : 'INVALID'} (validation run ${v.validation_run_id})`
        : 'skipped (--no-validate)',
    }) +
    (r.warnings.length ? `warnings:\n${r.warnings.map((w) => `  - ${w}`).join('\n')}\n` : '')
  );
}

/** The "requests create" line for what the user tried to deploy. */
function approvalHint(
  modelId: string | undefined,
  exportPath: string | undefined,
  environment: string,
  replace: boolean,
): string {
  const id = modelId ?? /(autoencoder_[0-9._]+)\.\w+$/.exec(exportPath ?? '')?.[1] ?? 'MODEL_ID';
  return (
    `Open a deployment request and have a teammate approve it:\n` +
    `  drawbridge requests create ${id} --env ${environment}${replace ? ' --replace' : ''} --rationale "why"\n` +
    `then deploy it ("drawbridge requests deploy REQUEST_ID", or this deploy again). An admin may add --break-glass "REASON" (at least 20 characters).`
  );
}

export const deployCommand: CommandImpl = {
  help: `Deploy an exported model as the active model of its age group. Deployments are review-gated: this
deploys the approved deployment request for this export, environment and age range (see "drawbridge
requests create" and "drawbridge review"); the request's reviewed flags (replace, backup, validate)
govern, and flags given here that differ are reported as warnings. Without an approved request it
fails with approval_required (exit 1) and prints the "requests create" line to run.

In one transaction it re-checks the review policy, validates (unless the request said not to),
derives the anomaly threshold from the training job's validation set (95th percentile of
reconstruction error) and activates the model. At most one model is active per age group and
environment: a request without replace fails with active_model_exists when one is.

Name the export by its model id, or by its export path as the original service did
(exports/models/<model_id>.<onnx|pth|pkl|safetensors>; it names a known export and is never read
from disk). --min/--max must be the age group it was exported for.

Options:
  --path P                 The export's path instead of MODEL_ID.
  --min AGE, --max AGE     The age group (required).
  --replace, --no-validate, --no-backup
                           The deployment config's flags (the approved request's govern; with
                           --break-glass they are the flags of the request opened on the spot).
  ${ENV_HELP}
  --break-glass REASON     Admins only: deploy without approvals, for this written reason (at least
                           20 characters). Flagged on the deployment and in the audit log.
  --json                   Print the deployment result as JSON.

Examples:
  drawbridge deploy autoencoder_2.0_3.0_20261127_071000 --min 2 --max 3
  drawbridge deploy --path exports/models/autoencoder_2.0_3.0_20261127_071000.onnx --min 2 --max 3 --replace
  drawbridge deploy autoencoder_4.0_5.0_20261127_071500 --min 4 --max 5 --env staging \\
    --break-glass "Production incident 4711: the current model flags every drawing"
`,
  async run({ v, args, remote, out }) {
    const cmd = 'deploy';
    const modelId = args[0];
    if (!!modelId === !!v.path)
      throw new UsageError('deploy needs exactly one of MODEL_ID or --path exports/models/<model_id>.<ext>', cmd);
    const environment = oneOf(v.env, ENVIRONMENTS, 'env', cmd) ?? 'production';
    const ageGroupMin = requiredNumber(v, 'min', cmd);
    const ageGroupMax = requiredNumber(v, 'max', cmd);
    if (v['no-backup'] && !v.replace) throw new UsageError('--no-backup only matters with --replace', cmd);
    const breakGlass = v['break-glass'];
    if (breakGlass !== undefined && breakGlass.trim() === '')
      throw new UsageError('--break-glass needs a written REASON', cmd);
    const body = {
      ...deployBody({
        modelId,
        path: v.path,
        ageGroupMin,
        ageGroupMax,
        replace: !!v.replace,
        validate: !v['no-validate'],
        backup: !v['no-backup'],
        environment,
      }),
      ...(breakGlass !== undefined ? { break_glass_reason: breakGlass } : {}),
    };
    let r: DeployResult;
    try {
      r = remote
        ? await remote.post(API.deploy, { json: body })
        : await withDb(async (db) => deployByConfigJson(db, getStore(), await resolveActor(db, v.as, cmd), body));
    } catch (e) {
      if ((e as { code?: unknown }).code === 'approval_required')
        throw new HintedError(
          (e as Error).message,
          'approval_required',
          approvalHint(modelId, v.path, environment, !!v.replace),
        );
      throw e;
    }
    out(v.json ? json(r) : deployText(r, environment, ageGroupMin, ageGroupMax));
    return 0;
  },
};

export function deploymentsTable(ds: DeploymentJson[]): string {
  if (!ds.length) return 'no deployments\n';
  const rows = ds.map((d) => [
    String(d.id),
    d.deployment_environment,
    ages(d.age_min, d.age_max),
    d.model_id ?? '—',
    d.export_format ?? '—',
    d.threshold.toPrecision(4),
    String(d.sample_count),
    d.status ?? (d.is_active ? 'active' : 'inactive'),
    d.created_timestamp.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  ]);
  return table(['ID', 'ENV', 'AGES', 'MODEL ID', 'FORMAT', 'THRESHOLD', 'SAMPLES', 'STATUS', 'DEPLOYED'], rows);
}

export const deployedCommand: CommandImpl = {
  help: `List deployed models: the active model of each age group, per environment.

Options:
  --env E        Only environment E (production or staging); default: all environments.
  --all          Include inactive deployments (backups, retired, undeployed): the history.
  --json         Print {"deployments": [...]} as JSON.

Examples:
  drawbridge deployed
  drawbridge deployed --env production --all --json
`,
  async run({ v, remote, out }) {
    const environment = oneOf(v.env, ENVIRONMENTS, 'env', 'deployed');
    let deployments: DeploymentJson[];
    if (remote) {
      const r = await remote.get<DeploymentJson[] | { deployments?: DeploymentJson[]; models?: DeploymentJson[] }>(
        API.deployed,
        {
          environment,
          include_inactive: v.all ? 'true' : undefined,
        },
      );
      deployments = Array.isArray(r) ? r : (r.deployments ?? r.models ?? []);
    } else {
      deployments = await withDb(async (db) => {
        const actor = v.as ? await resolveActor(db, v.as, 'deployed') : SYSTEM_ACTOR;
        return (await listDeployedModels(db, actor, { environment, includeInactive: !!v.all })).map(deploymentToDict);
      });
    }
    out(v.json ? json({ deployments }) : deploymentsTable(deployments));
    return 0;
  },
};

function notActive(id: number): ModelDeploymentError {
  // The API's code for the same answer (POST …/{id}/undeploy → 404), so pipelines see one code in both modes.
  return new ModelDeploymentError(
    'deployment_not_found',
    `deployment ${id} is not active (already undeployed or replaced, or no such deployment); nothing changed`,
  );
}

export const undeployCommand: CommandImpl = {
  help: `Deactivate an active deployment. Its age group then has no active model in that environment
until another is deployed or "drawbridge rollback" restores a backup.

Exit status: 0 when the deployment was active and now is not; 1 when it was not active (already
undeployed or replaced, or no such deployment: deployment_not_found), nothing changed.

Options:
  --json         Print {"success": true, "deployment_id": ID} as JSON.

Example:
  drawbridge deployed            # find the deployment's ID
  drawbridge undeploy 4
`,
  async run({ v, args, remote, out }) {
    const id = idArgument(args[0], 'a DEPLOYMENT_ID (see "drawbridge deployed")', 'undeploy');
    let ok: boolean;
    if (remote) {
      const r = await remote.post<{ success?: boolean; undeployed?: boolean } | boolean>(API.undeploy(id));
      ok = typeof r === 'boolean' ? r : (r.success ?? r.undeployed ?? false);
    } else {
      ok = await withDb(async (db) => undeployModel(db, await resolveActor(db, v.as, 'undeploy'), id));
    }
    if (!ok) throw notActive(id);
    out(v.json ? json({ success: true, deployment_id: id }) : `undeployed deployment ${id}\n`);
    return 0;
  },
};

export function rollbackText(r: RollbackResult): string {
  const d = r.restored;
  return (
    `rolled back ages ${ages(d.age_min, d.age_max)} in ${d.deployment_environment}: deployment ${d.id} (${d.model_id ?? 'unknown model'}) is active again\n` +
    (r.retired_deployment_id ? `retired deployment ${r.retired_deployment_id}\n` : '')
  );
}

export const rollbackCommand: CommandImpl = {
  help: `Roll an age group back: re-activate the backup that the current deployment replaced (or, with
nothing active, the newest backup of the group) after re-verifying its bytes, and retire the
current one, in one transaction. Fails with no_backup when there is nothing to roll back to.

Options:
  --min AGE, --max AGE     The age group (required).
  ${ENV_HELP}
  --json                   Print the result ({success, restored, retired_deployment_id}) as JSON.

Example:
  drawbridge rollback --min 2 --max 3
`,
  async run({ v, remote, out }) {
    const cmd = 'rollback';
    const environment = oneOf(v.env, ENVIRONMENTS, 'env', cmd) ?? 'production';
    const body = rollbackBody({
      ageGroupMin: requiredNumber(v, 'min', cmd),
      ageGroupMax: requiredNumber(v, 'max', cmd),
      environment,
    });
    const r: RollbackResult = remote
      ? await remote.post(API.rollback, { json: body })
      : await withDb(async (db) => rollbackDeployment(db, getStore(), await resolveActor(db, v.as, cmd), body));
    out(v.json ? json(r) : rollbackText(r));
    return 0;
  },
};
