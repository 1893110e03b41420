// The `drawbridge` CLI, end to end in local mode: a fresh (migrated, empty) embedded database and
// artifact store in a temporary DRAWBRIDGE_DATA_DIR, the real demo checkpoints, one pipeline run from push to rollback.
// Tests share the data directory and run in order. The help and usage errors, a refused push (exit
// 1) and a failed validate (exit 3) run the real binary; the other ~45 commands run the CLI's main()
// in this process, in the same working directory (each spawned binary cost ~1.2 s of node start,
// bundle load and PGlite start-up).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewSummaryFromReconstruction } from '../lib/preview/summary-from-reconstruction';
import { reconstruction } from '../lib/workers/tasks';
import { createMigratedDataDir, ok, runCli, runCliInProcess, type CliRun } from './test-support';

const root = path.join(import.meta.dirname, '..');
const demo = path.join(root, 'prisma', 'demo');
const manifest = JSON.parse(fs.readFileSync(path.join(demo, 'manifest.json'), 'utf8'));
const group = manifest.groups.find((g: { age_group_min: number }) => g.age_group_min === 2);

let dir: string;
let dataDir: string;

type Run = CliRun;

const drawbridge = (...args: string[]): Promise<Run> => runCliInProcess(args, { cwd: dir, dataDir });
const binary = (...args: string[]): Promise<Run> => runCli(args, { cwd: dir, dataDir });

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** preview.json as the model page's preview would write it for the exported ONNX file (onnxruntime-node here). */
async function writePreview(onnxFile: string, meta: { model_id: string; checksum: string }) {
  const r = await reconstruction({
    artifact: new Uint8Array(fs.readFileSync(onnxFile)),
    format: 'onnx',
    validationSet: new Uint8Array(fs.readFileSync(path.join(demo, group.files.validation.path))),
    modelId: meta.model_id,
  });
  const summary = previewSummaryFromReconstruction({
    model_id: meta.model_id,
    checksum: meta.checksum,
    validation_set_sha256: group.files.validation.sha256,
    errors: Array.from(r.errors),
    is_anomaly: r.isAnomaly ? Array.from(r.isAnomaly) : null,
  });
  fs.writeFileSync(path.join(dir, 'preview.json'), JSON.stringify(summary));
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-cli-'));
  dataDir = path.join(dir, 'data');
  await createMigratedDataDir(dataDir);
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(group.report));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(group.config_parameters));
  fs.writeFileSync(path.join(dir, 'preview.json'), JSON.stringify({ backend: 'wasm', samples: 40, threshold: 0.0123 }));
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('drawbridge CLI (local mode)', () => {
  let jobId: number;
  const exported: Record<string, { model_id: string; checksum: string }> = {};
  let firstDeployment: number;
  let secondDeployment: number;
  let requestId: string;
  const REVIEWER = 'reviewer@drawbridge.test';
  const DEPLOYER = 'deployer@drawbridge.test';

  it('prints help for the tool and each command; usage errors exit 2', async () => {
    const help = ok(await binary('--help'));
    for (const c of [
      'jobs push',
      'jobs show',
      'export',
      'exports list',
      'validate',
      'requests create',
      'requests list',
      'requests show',
      'review',
      'requests deploy',
      'requests withdraw',
      'policy set',
      'deploy',
      'deployed',
      'undeploy',
      'rollback',
    ]) {
      expect(help.stdout).toContain(`  ${c}`);
    }
    expect(help.stdout).toMatch(/3 validate: the model is not valid/);
    const deployHelp = ok(await binary('deploy', '--help'));
    expect(deployHelp.stdout).toMatch(/^Usage: drawbridge deploy/);
    expect(deployHelp.stdout).toContain('--no-backup');
    expect(deployHelp.stdout).toContain('--break-glass REASON');
    const reviewHelp = ok(await binary('review', '--help'));
    expect(reviewHelp.stdout).toMatch(/^Usage: drawbridge review REQUEST_ID \(--approve/);
    const twoDecisions = await binary('review', 'abc', '--approve', '--reject', '--comment', 'x');
    expect(twoDecisions.code).toBe(2);
    expect(twoDecisions.stderr).toContain('exactly one of --approve, --request-changes or --reject');
    const bad = await binary('deploy', 'autoencoder_2.0_3.0_20261127_071000', '--min', '2', '--max', 'three');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max must be a number');
    expect(bad.stderr).toContain('drawbridge deploy --help');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('seeds the demo team and jobs', async () => {
    // Jobs only: the tests below deploy into the demo's age groups themselves.
    const r = ok(await drawbridge('seed', '--jobs-only'));
    expect(r.stdout).toMatch(/seeded 4 demo users and \d+ training jobs/);
  });

  it('pushes a training job with its checkpoint, validation set and report', async () => {
    const r = ok(
      await drawbridge(
        'jobs',
        'push',
        '--name',
        'pipeline-2-3',
        '--checkpoint',
        path.join(demo, group.files.checkpoint.path),
        '--validation-set',
        path.join(demo, group.files.validation.path),
        '--report',
        'report.json',
        '--config',
        'config.json',
        '--dataset-path',
        's3://bucket/drawings/2-3',
        '--min',
        '2',
        '--max',
        '3',
        '--json',
      ),
    );
    expect(r.stderr).toContain('acting as admin@drawbridge.test (admin)');
    const job = JSON.parse(r.stdout);
    expect(job).toMatchObject({
      job_name: 'pipeline-2-3',
      status: 'completed',
      dataset_path: 's3://bucket/drawings/2-3',
      checkpoint_sha256: group.files.checkpoint.sha256,
      validation_set_sha256: group.files.validation.sha256,
      age_group_min: 2,
      age_group_max: 3,
      report: { final_loss: group.report.final_loss, best_epoch: group.report.best_epoch },
    });
    jobId = job.id;
    const shown = ok(await drawbridge('jobs', 'show', String(jobId)));
    expect(shown.stdout).toContain('pipeline-2-3');
    expect(shown.stdout).toMatch(/^age_group\s+2–3$/m);
    expect(shown.stdout).toContain(group.files.checkpoint.sha256);
  });

  it('refuses a malicious checkpoint with its code and records nothing', async () => {
    const before = JSON.parse(ok(await drawbridge('jobs', 'list', '--json')).stdout).total;
    const r = await binary(
      'jobs',
      'push',
      '--name',
      'evil',
      '--checkpoint',
      path.join(root, 'lib/formats/fixtures/malicious/torch-os-system.pth'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^drawbridge: .*posix\.system.* \(unsafe_pickle_global\)$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const after = JSON.parse(ok(await drawbridge('jobs', 'list', '--json')).stdout);
    expect(after.total).toBe(before);
    expect(after.jobs.map((j: { job_name: string }) => j.job_name)).not.toContain('evil');
  });

  it('exports the job in two formats; each written file hashes to the printed checksum', async () => {
    const onnx = path.join(dir, 'model.onnx');
    const r = ok(
      await drawbridge(
        'export',
        '--job',
        String(jobId),
        '--min',
        '2',
        '--max',
        '3',
        '--format',
        'onnx',
        '--out',
        onnx,
        '--json',
      ),
    );
    const meta = JSON.parse(r.stdout);
    // The original's 16 fields, plus age_range_override (null: exported for the job's own ages).
    expect(Object.keys(meta)).toHaveLength(17);
    expect(meta.age_range_override).toBeNull();
    expect(meta).toMatchObject({
      training_job_id: jobId,
      export_format: 'onnx',
      age_group_min: 2,
      age_group_max: 3,
      input_dimension: 832,
      output_dimension: 832,
    });
    expect(sha256(onnx)).toBe(meta.checksum);
    expect(fs.statSync(onnx).size).toBe(meta.file_size_bytes);
    exported.onnx = meta;

    // The table form: the 16 fields as "key  value" lines.
    const pth = path.join(dir, 'model.pth');
    const t = ok(
      await drawbridge(
        'export',
        '--job',
        String(jobId),
        '--min',
        '2',
        '--max',
        '3',
        '--format',
        'pytorch',
        '--out',
        pth,
      ),
    );
    const field = (k: string) => new RegExp(`^${k}\\s+(\\S+)$`, 'm').exec(t.stdout)?.[1];
    expect(field('export_format')).toBe('pytorch');
    expect(field('checksum')).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256(pth)).toBe(field('checksum'));
    expect(t.stderr).toContain(`wrote ${fs.statSync(pth).size} bytes to ${pth}`);
    exported.pytorch = { model_id: field('model_id')!, checksum: field('checksum')! };
  });

  it('lists the exports as JSON, newest first', async () => {
    const r = JSON.parse(ok(await drawbridge('exports', 'list', '--job', String(jobId), '--json')).stdout);
    expect(r.total).toBe(2);
    expect(r.exports.map((e: { model_id: string }) => e.model_id)).toEqual([
      exported.pytorch.model_id,
      exported.onnx.model_id,
    ]);
    expect(r.exports[1]).toEqual(exported.onnx);
  });

  it('refuses to export a job for other ages than it was trained for, unless --reason says why (flagged)', async () => {
    const jobs = JSON.parse(ok(await drawbridge('jobs', 'list', '--json')).stdout).jobs;
    const job912 = jobs.find((j: { job_name: string }) => j.job_name === 'autoencoder-age-9-12-2026-11');
    const ask = ['export', '--job', String(job912.id), '--min', '8', '--max', '9', '--format', 'onnx'];
    const refused = await drawbridge(...ask);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Training job ${job912.id} was trained for ages 9–12; this export asks for 8–9`);
    expect(refused.stderr).toMatch(/\(age_range_mismatch\)$/m);
    const reason = 'No 8-9 run yet; the 9-12 model serves until the December retrain.';
    const flagged = ok(await drawbridge(...ask, '--reason', reason, '--json'));
    expect(JSON.parse(flagged.stdout).age_range_override).toEqual({
      job_age_group_min: 9,
      job_age_group_max: 12,
      reason,
    });
    expect(flagged.stderr).toContain(`flagged: exported for ages 8–9 but trained on 9–12: ${reason}`);
  });

  it('validates an export (exit 0)', async () => {
    const r = ok(await drawbridge('validate', exported.onnx.model_id));
    expect(r.stdout).toContain(`${exported.onnx.model_id}: VALID`);
    expect(r.stdout).toMatch(/checksum_verified\s+true/);
    expect(r.stdout).toMatch(/onnxruntime_ok\s+true/);
  });

  it('deploys only an approved request: approval_required with the command to run, self-review refused, two approvals with preview summaries', async () => {
    const id = exported.onnx.model_id;
    await writePreview(path.join(dir, 'model.onnx'), exported.onnx);
    const refused = await drawbridge('deploy', id, '--min', '2', '--max', '3');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^drawbridge: No approved deployment request deploys .* \(approval_required\)$/m);
    expect(refused.stderr).toContain(`drawbridge requests create ${id} --env production --rationale "why"`);
    expect(refused.stderr).toContain('--break-glass');

    const created = ok(
      await drawbridge(
        'requests',
        'create',
        id,
        '--env',
        'production',
        '--rationale',
        'Nightly retrain of the 2–3 autoencoder',
        '--as',
        REVIEWER,
        '--json',
      ),
    );
    const req = JSON.parse(created.stdout);
    expect(req).toMatchObject({
      state: 'open',
      model_id: id,
      requester: { email: REVIEWER },
      policy: { required_approvals: 2, require_preview_summary: true },
      evaluation: { approvals: 0, required: 2 },
    });
    requestId = req.request_id;

    const self = await drawbridge(
      'review',
      requestId,
      '--approve',
      '--preview-summary',
      'preview.json',
      '--as',
      REVIEWER,
    );
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(
      /^drawbridge: You requested this deployment, so you cannot review it: a teammate has to\. \(self_review\)$/m,
    );
    const noPreview = await drawbridge('review', requestId, '--approve');
    expect(noPreview.code).toBe(1);
    expect(noPreview.stderr).toContain('(preview_summary_required)');
    expect(noPreview.stderr).toContain('--preview-summary FILE');

    const a1 = ok(
      await drawbridge(
        'review',
        requestId,
        '--approve',
        '--comment',
        'Histogram looks right',
        '--preview-summary',
        'preview.json',
      ),
    );
    expect(a1.stdout).toContain(`approved request ${requestId} (with your verified preview summary)`);
    expect(a1.stdout).toContain('approvals 1 of 2');
    const notYet = await drawbridge('requests', 'deploy', requestId, '--as', DEPLOYER);
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toContain('(not_approved)');
    const a2 = JSON.parse(
      ok(
        await drawbridge(
          'review',
          requestId,
          '--approve',
          '--preview-summary',
          'preview.json',
          '--as',
          DEPLOYER,
          '--json',
        ),
      ).stdout,
    );
    expect(a2.request).toMatchObject({ state: 'approved', evaluation: { satisfied: true, approvals: 2 } });

    const shown = ok(await drawbridge('requests', 'show', requestId));
    expect(shown.stdout).toContain(`request ${requestId} (approved)`);
    expect(shown.stdout).toMatch(/admin@drawbridge\.test\s+approve\s+yes\s+counts/);
    const awaiting = JSON.parse(ok(await drawbridge('requests', 'list', '--state', 'approved', '--json')).stdout);
    expect(awaiting.requests.map((r: { request_id: string }) => r.request_id)).toEqual([requestId]);

    const deployed = JSON.parse(
      ok(await drawbridge('requests', 'deploy', requestId, '--as', DEPLOYER, '--json')).stdout,
    );
    expect(deployed).toMatchObject({
      success: true,
      model_id: id,
      request_id: requestId,
      break_glass: false,
      sample_count: expect.any(Number),
    });
    expect(deployed.validation_result.is_valid).toBe(true);
    firstDeployment = deployed.deployment_id;
    expect(JSON.parse(ok(await drawbridge('requests', 'show', requestId, '--json')).stdout)).toMatchObject({
      state: 'deployed',
      deployments: [{ id: firstDeployment }],
    });
  });

  it('deploys the approved request for a config with "deploy --path --replace" under a one-approval policy', async () => {
    const deployerSets = await drawbridge(
      'policy',
      'set',
      '--env',
      'production',
      '--approvals',
      '1',
      '--no-preview',
      '--as',
      DEPLOYER,
    );
    expect(deployerSets.code).toBe(1);
    expect(deployerSets.stderr).toContain('(forbidden)');
    const pol = ok(await drawbridge('policy', 'set', '--env', 'production', '--approvals', '1', '--no-preview'));
    expect(pol.stdout).toBe('review policy of production: 1 approval(s), preview summary not required\n');

    const py = exported.pytorch.model_id;
    const opened = ok(
      await drawbridge(
        'requests',
        'create',
        py,
        '--env',
        'production',
        '--replace',
        '--rationale',
        'The PyTorch export replaces the ONNX one',
        '--as',
        REVIEWER,
      ),
    );
    const id = /^opened request (\S+) \(open\)/m.exec(opened.stdout)![1];
    const unvalidated = await drawbridge('review', id, '--approve');
    expect(unvalidated.code).toBe(1);
    expect(unvalidated.stderr).toContain('(validation_required)');
    ok(await drawbridge('validate', py));
    expect(ok(await drawbridge('review', id, '--approve')).stdout).toContain(`request ${id} (approved)`);

    const exportPath = `exports/models/${py}.pth`;
    const replaced = ok(
      await drawbridge('deploy', '--path', exportPath, '--min', '2', '--max', '3', '--replace', '--as', DEPLOYER),
    );
    expect(replaced.stdout).toContain(`deployed ${py} to production, ages 2–3`);
    expect(replaced.stdout).toMatch(new RegExp(`request\\s+${id}`));
    expect(replaced.stdout).toMatch(
      new RegExp(`backup_path\\s+deployments/production/2-3/${exported.onnx.model_id}\\.onnx`),
    );
    secondDeployment = Number(/\(deployment (\d+)\)/.exec(replaced.stdout)![1]);

    const deployed = JSON.parse(ok(await drawbridge('deployed', '--all', '--json')).stdout).deployments;
    expect(deployed.map((d: { id: number; status: string }) => [d.id, d.status])).toEqual(
      expect.arrayContaining([
        [secondDeployment, 'active'],
        [firstDeployment, 'backup'],
      ]),
    );
  });

  it('break-glass: an admin deploys to staging without approvals with a written reason, flagged; a deployer may not; drafts can be withdrawn', async () => {
    const id = exported.onnx.model_id;
    const reason = 'Incident 4711: staging must mirror production for the on-call check';
    const deployer = await drawbridge(
      'deploy',
      id,
      '--min',
      '2',
      '--max',
      '3',
      '--env',
      'staging',
      '--break-glass',
      reason,
      '--as',
      DEPLOYER,
    );
    expect(deployer.code).toBe(1);
    expect(deployer.stderr).toContain('(forbidden)');
    const bg = ok(
      await drawbridge('deploy', id, '--min', '2', '--max', '3', '--env', 'staging', '--break-glass', reason),
    );
    expect(bg.stdout).toContain(`deployed ${id} to staging, ages 2–3`);
    expect(bg.stdout).toContain(`BREAK-GLASS: deployed without approvals: ${reason}`);
    const staging = JSON.parse(ok(await drawbridge('deployed', '--env', 'staging', '--json')).stdout).deployments;
    expect(staging).toMatchObject([{ model_id: id, break_glass_reason: reason }]);
    ok(await drawbridge('undeploy', String(staging[0].id)));

    const draft = ok(
      await drawbridge(
        'requests',
        'create',
        id,
        '--env',
        'staging',
        '--draft',
        '--rationale',
        'Not sure yet, keeping a draft',
        '--as',
        REVIEWER,
      ),
    );
    const draftId = /^drafted request (\S+) \(draft\)/m.exec(draft.stdout)![1];
    const mine = JSON.parse(ok(await drawbridge('requests', 'list', '--mine', '--as', REVIEWER, '--json')).stdout);
    expect(mine.requests.map((r: { request_id: string }) => r.request_id)).toContain(draftId);
    expect(ok(await drawbridge('requests', 'withdraw', draftId, '--as', REVIEWER)).stdout).toBe(
      `withdrew request ${draftId}\n`,
    );
  });

  it('rolls back to the backup, undeploys, and refuses to undeploy twice', async () => {
    const rb = ok(await drawbridge('rollback', '--min', '2', '--max', '3'));
    expect(rb.stdout).toContain(`deployment ${firstDeployment} (${exported.onnx.model_id}) is active again`);
    expect(rb.stdout).toContain(`retired deployment ${secondDeployment}`);

    const un = ok(await drawbridge('undeploy', String(firstDeployment)));
    expect(un.stdout).toBe(`undeployed deployment ${firstDeployment}\n`);
    const again = await drawbridge('undeploy', String(firstDeployment));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not active.*\(deployment_not_found\)/);
  });

  it('exits 3 from validate when the stored artifact no longer matches its checksum', async () => {
    const c = exported.pytorch.checksum;
    const object = path.join(dataDir, 'artifacts', 'objects', c.slice(0, 2), c.slice(2, 4), c);
    fs.chmodSync(object, 0o644);
    fs.appendFileSync(object, Buffer.from([0]));
    const r = await binary('validate', exported.pytorch.model_id, '--json');
    expect(r.code).toBe(3);
    const v = JSON.parse(r.stdout);
    expect(v.is_valid).toBe(false);
    expect(v.integrity_checks.checksum_verified).toBe(false);
  });
});
