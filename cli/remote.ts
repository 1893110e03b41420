/**
 * Remote mode: the same commands over the REST API of a running Drawbridge (`--server URL --token T`).
 * The request builders are pure and unit-tested; `Remote` only adds fetch.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { UsageError } from './args';
import { MultipartUpload, type UploadPart } from './multipart-upload';
import { progressBar, type ProgressSink } from './progress';
import type { z } from 'zod';
import type { createRequestBody, reviewBody } from '../lib/api/contract/deployment-requests';
import type { modelDeploymentConfig, rollbackRequest } from '../lib/api/contract/deployments';
import type { ENVIRONMENTS } from '../lib/registry/deploy';
import { remoteError, RemoteError } from './output';

export type Environment = (typeof ENVIRONMENTS)[number];

/** The REST API's paths (app/api/v1/**), in one place. */
export const API = {
  jobs: '/api/v1/training/jobs',
  job: (id: number) => `/api/v1/training/jobs/${id}`,
  exportFromJob: '/api/v1/training/models/export',
  exportDirect: '/api/v1/training/models/export/direct',
  exports: '/api/v1/training/models/exports',
  download: (modelId: string) => `/api/v1/training/models/exports/${encodeURIComponent(modelId)}/download`,
  validate: '/api/v1/training/models/validate',
  deploy: '/api/v1/training/models/deploy',
  deployed: '/api/v1/training/models/deployed',
  undeploy: (id: number) => `/api/v1/training/models/${id}/undeploy`,
  rollback: '/api/v1/training/models/rollback',
  requests: '/api/v1/deployment-requests',
  request: (id: string) => `/api/v1/deployment-requests/${encodeURIComponent(id)}`,
  requestReviews: (id: string) => `/api/v1/deployment-requests/${encodeURIComponent(id)}/reviews`,
  requestDeploy: (id: string) => `/api/v1/deployment-requests/${encodeURIComponent(id)}/deploy`,
  requestBreakGlass: (id: string) => `/api/v1/deployment-requests/${encodeURIComponent(id)}/break-glass`,
  requestWithdraw: (id: string) => `/api/v1/deployment-requests/${encodeURIComponent(id)}/withdraw`,
  requestSubmit: (id: string) => `/api/v1/deployment-requests/${encodeURIComponent(id)}/submit`,
  requestAmend: (id: string) => `/api/v1/deployment-requests/${encodeURIComponent(id)}/amend`,
  policies: '/api/v1/review-policies',
  policy: (environment: string) => `/api/v1/review-policies/${encodeURIComponent(environment)}`,
  backup: '/api/v1/backup',
  auditVerify: '/api/v1/audit/verify',
} as const;

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `server` + `path` + the query parameters that are set. Refuses anything but http(s) URLs. */
export function buildUrl(server: string, apiPath: string, query: Query = {}): URL {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL such as http://localhost:3000 (got "${server}")`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new UsageError(`--server must be an http:// or https:// URL (got "${server}")`);
  // Keep a path prefix (https://host/drawbridge) when the server is mounted below the root.
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${prefix}${apiPath}`, base.origin);
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  return url;
}

export type JobPushMetadata = {
  job_name: string;
  environment?: string;
  config_parameters?: Record<string, unknown>;
  dataset_path?: string | null;
  status?: string;
  start_timestamp?: string | null;
  end_timestamp?: string | null;
  age_group_min?: number;
  age_group_max?: number;
  report?: {
    final_loss: number;
    validation_accuracy?: number | null;
    best_epoch?: number | null;
    training_time_seconds?: number | null;
    metrics_summary?: Record<string, unknown>;
    report_file_path?: string;
  } | null;
};

/**
 * The multipart body of POST /api/v1/training/jobs: `metadata` (JSON) first, so the server refuses
 * bad metadata before the checkpoint behind it is sent, then the files, streamed from disk.
 */
export async function jobPushForm(
  metadata: JobPushMetadata,
  files: { checkpoint?: string; validationSet?: string },
): Promise<MultipartUpload> {
  const parts: UploadPart[] = [{ name: 'metadata', value: JSON.stringify(dropUndefined(metadata)) }];
  if (files.checkpoint) parts.push({ name: 'checkpoint', file: files.checkpoint });
  if (files.validationSet) parts.push({ name: 'validation_set', file: files.validationSet });
  return MultipartUpload.of(parts);
}

/** The multipart body of POST /api/v1/training/models/export/direct (fields first, then the file). */
export async function exportDirectForm(x: {
  checkpoint: string;
  modelInfo?: Record<string, unknown>;
  ageGroupMin: number;
  ageGroupMax: number;
  exportFormat: string;
}): Promise<MultipartUpload> {
  return MultipartUpload.of([
    { name: 'model_info', value: JSON.stringify(x.modelInfo ?? {}) },
    { name: 'age_group_min', value: String(x.ageGroupMin) },
    { name: 'age_group_max', value: String(x.ageGroupMax) },
    { name: 'export_format', value: x.exportFormat },
    { name: 'checkpoint', file: x.checkpoint },
  ]);
}

export type DeployOptions = {
  modelId?: string;
  path?: string;
  ageGroupMin: number;
  ageGroupMax: number;
  replace: boolean;
  validate: boolean;
  backup: boolean;
  environment: Environment;
};

// The bodies below are typed by the API's contract (lib/api/contract): a field it renames or drops
// stops the CLI compiling instead of reaching the server as an unknown key.

/** ModelDeploymentConfig as the registry (and POST …/deploy) takes it. */
export function deployBody(o: DeployOptions): z.input<typeof modelDeploymentConfig> {
  return dropUndefined({
    model_id: o.modelId,
    model_export_path: o.path,
    age_group_min: o.ageGroupMin,
    age_group_max: o.ageGroupMax,
    replace_existing: o.replace,
    validate_before_deployment: o.validate,
    backup_existing: o.backup,
    deployment_environment: o.environment,
  });
}

/** POST /api/v1/deployment-requests. */
export function requestCreateBody(o: {
  modelId: string;
  environment: Environment;
  rationale: string;
  replace: boolean;
  backup: boolean;
  validate: boolean;
  draft: boolean;
}): z.input<typeof createRequestBody> {
  return {
    model_id: o.modelId,
    deployment_environment: o.environment,
    replace_existing: o.replace,
    backup_existing: o.backup,
    validate_before_deployment: o.validate,
    rationale: o.rationale,
    submit: !o.draft,
  };
}

/** POST /api/v1/deployment-requests/{id}/reviews. */
export function reviewBodyOf(o: {
  decision: 'approve' | 'request_changes' | 'reject';
  comment?: string;
  previewSummary?: Record<string, unknown>;
}): z.input<typeof reviewBody> {
  return dropUndefined({ decision: o.decision, comment: o.comment, preview_summary: o.previewSummary });
}

export function rollbackBody(o: {
  ageGroupMin: number;
  ageGroupMax: number;
  environment: Environment;
}): z.input<typeof rollbackRequest> {
  return { age_group_min: o.ageGroupMin, age_group_max: o.ageGroupMax, deployment_environment: o.environment };
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A request's body: JSON, or a multipart upload streamed from files (with progress on a terminal). */
type SendOptions = { query?: Query; json?: unknown; upload?: MultipartUpload };

export class Remote {
  constructor(
    readonly server: string,
    private readonly token: string,
    /** Sent with every request: the local-operator route names the user to act as (X-Drawbridge-Act-As). */
    private readonly extraHeaders: Record<string, string> = {},
    /** Where upload progress is drawn (only when it is a terminal). */
    private readonly progressOut: ProgressSink = process.stderr,
  ) {
    buildUrl(server, '/'); // fail early on a bad --server
  }

  private async send(method: string, apiPath: string, opts: SendOptions = {}): Promise<Response> {
    const url = buildUrl(this.server, apiPath, opts.query);
    const headers: Record<string, string> = {
      ...this.extraHeaders,
      Authorization: `Bearer ${this.token}`,
      Accept: 'application/json',
      // Artifacts and archives are mostly float32s that do not compress, and Node's fetch inflates
      // gzip at under 1 MB/s: ask for the bytes as they are.
      'Accept-Encoding': 'identity',
    };
    let body: BodyInit | undefined;
    let bar: ReturnType<typeof progressBar> = null;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.upload) {
      const up = opts.upload;
      headers['Content-Type'] = up.contentType;
      // Declared, so the server can refuse an oversize upload before it is sent.
      headers['Content-Length'] = String(up.contentLength);
      bar = progressBar(
        this.progressOut,
        `uploading ${up.files.map((f) => path.basename(f)).join(' + ') || 'form'}`,
        up.contentLength,
      );
      body = up.body((n) => bar?.add(n)) as unknown as BodyInit;
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body,
        redirect: 'error',
        ...(opts.upload ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new RemoteError(
        `could not reach ${url.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        0,
        'unreachable',
      );
    } finally {
      bar?.end();
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: a proxy's error page, say */
      }
      throw remoteError(res.status, res.statusText, body);
    }
    return res;
  }

  async request<T>(method: string, apiPath: string, opts: SendOptions = {}): Promise<T> {
    const res = await this.send(method, apiPath, opts);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RemoteError(`the server's answer to ${method} ${apiPath} is not JSON`, res.status, 'bad_response');
    }
  }

  get<T>(apiPath: string, query?: Query) {
    return this.request<T>('GET', apiPath, { query });
  }

  put<T>(apiPath: string, opts: { query?: Query; json?: unknown } = {}) {
    return this.request<T>('PUT', apiPath, opts);
  }

  post<T>(apiPath: string, opts: SendOptions = {}) {
    return this.request<T>('POST', apiPath, opts);
  }

  /** A DELETE: its success is 204 No Content, with no JSON to read. */
  async delete(apiPath: string): Promise<void> {
    await (await this.send('DELETE', apiPath)).body?.cancel();
  }

  /** The answer to a GET whose body the caller streams itself (a backup archive). */
  open(apiPath: string): Promise<Response> {
    return this.send('GET', apiPath);
  }

  /**
   * Streams a download to `dest` (via a temporary file, renamed into place) and checks its SHA-256
   * against the checksum the metadata gave; a mismatch leaves no file behind.
   */
  async download(apiPath: string, dest: string, expectedSha256: string): Promise<{ bytes: number; sha256: string }> {
    const res = await this.send('GET', apiPath);
    if (!res.body) throw new RemoteError(`the server sent no body for ${apiPath}`, res.status, 'bad_response');
    const tmp = `${dest}.${process.pid}.part`;
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    const fh = await fsp.open(tmp, 'w');
    try {
      for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
        hash.update(chunk as Uint8Array);
        bytes += (chunk as Uint8Array).byteLength;
        await fh.write(chunk as Uint8Array);
      }
      await fh.close();
    } catch (e) {
      await fh.close().catch(() => {});
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== expectedSha256) {
      await fsp.rm(tmp, { force: true });
      throw new RemoteError(
        `the downloaded bytes hash to ${sha256}, not the export's checksum ${expectedSha256}; nothing was written`,
        res.status,
        'artifact_hash_mismatch',
      );
    }
    await fsp.rename(tmp, dest);
    return { bytes, sha256 };
  }
}
