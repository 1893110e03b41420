/** Pure formatting for the CLI: tables, key/value blocks, error lines. Returns strings; callers write them. */
import { ZodError } from 'zod';
import { describeError as describeDomainError } from '../lib/errors';
import { UsageError } from './args';

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return (
    [head, ...rows]
      .map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]))).join('  '))
      .join('\n') + '\n'
  );
}

/** `key  value` lines, keys aligned; objects and arrays as compact JSON. */
export function keyValues(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj);
  const w = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(w)}  ${scalar(obj[k])}`).join('\n') + '\n';
}

export function scalar(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export function json(v: unknown): string {
  return `${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x), 2)}\n`;
}

export function ages(min: number, max: number): string {
  return `${min}–${max}`;
}

/** What the user sees for a failure: one line (or a few), a stable code where there is one, and the exit status. */
export type Failure = { message: string; code?: string; exitCode: number; hint?: string };

/** What to do next, for the failures a pipeline meets most. */
const HINTS: Record<string, string> = {
  deploy_conflict:
    'Another change to the same deployments won the race and nothing was changed: run the same command again.',
  active_model_exists:
    'Add --replace to replace it (the replaced deployment is kept as a backup for "drawbridge rollback").',
  validation_failed: 'Run "drawbridge validate MODEL_ID" for the full checks.',
  validation_set_missing:
    'Register the training job with --validation-set: the deployment threshold is derived from it.',
  forbidden: 'Act as a user with that role: --as EMAIL (local) or a token of such a user (--server).',
  approval_required:
    'Open a deployment request: drawbridge requests create MODEL_ID --env ENV --rationale "why"; once approved, deploy it with "drawbridge requests deploy REQUEST_ID". An admin may add --break-glass "REASON".',
  self_review: 'A teammate has to review it: the requester never reviews their own request.',
  not_approved: 'See what it still needs: drawbridge requests show REQUEST_ID.',
  policy_not_satisfied: 'See what it still needs: drawbridge requests show REQUEST_ID.',
  validation_required: 'Validate the export first: drawbridge validate MODEL_ID.',
  preview_summary_required:
    'Attach your reconstruction preview summary: --preview-summary FILE (or "Attach to review" on the model page).',
};

/** A failure with its own hint (e.g. the exact "requests create" line for this model). */
export class HintedError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'HintedError';
  }
}

export function describeError(e: unknown): Failure {
  if (e instanceof UsageError) {
    return {
      message: e.message,
      exitCode: 2,
      hint: e.command ? `Run "drawbridge ${e.command} --help" for usage.` : 'Run "drawbridge --help" for usage.',
    };
  }
  if (e instanceof ZodError) return { message: zodMessage(e), code: 'invalid_request', exitCode: 1 };
  if (e instanceof HintedError) return { message: e.message, code: e.code, exitCode: 1, hint: e.hint };
  if (e instanceof RemoteError)
    return { message: e.message, code: e.code, exitCode: 1, hint: e.hint ?? (e.code ? HINTS[e.code] : undefined) };
  // The words a server action shows for the same error (lib/errors.ts describeError).
  const described = describeDomainError(e);
  if (described) return { message: described.message, code: described.code, exitCode: 1, hint: HINTS[described.code] };
  if (e instanceof Error) {
    // Anything else is unexpected (a database or I/O failure): its message, never its stack.
    const lines = e.message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return { message: lines.slice(0, 4).join(' ') || e.name, exitCode: 1 };
  }
  return { message: String(e), exitCode: 1 };
}

export function failureText(f: Failure): string {
  return `drawbridge: ${f.message}${f.code ? ` (${f.code})` : ''}\n${f.hint ? `${f.hint}\n` : ''}`;
}

function zodMessage(e: ZodError): string {
  return e.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/** An error answer from a Drawbridge server: `{"detail": string | [{loc, msg, type}], "code"}`. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

type DetailItem = { loc?: unknown; msg?: unknown; type?: unknown };

/** Turns a server's error answer into a readable RemoteError. */
export function remoteError(status: number, statusText: string, body: unknown): RemoteError {
  const b = body && typeof body === 'object' ? (body as { detail?: unknown; code?: unknown }) : {};
  const code = typeof b.code === 'string' ? b.code : undefined;
  let message: string;
  if (typeof b.detail === 'string' && b.detail) message = b.detail;
  else if (Array.isArray(b.detail) && b.detail.length) {
    message = (b.detail as DetailItem[])
      .map((d) => {
        const loc = Array.isArray(d.loc)
          ? d.loc.filter((p, i) => !(i === 0 && (p === 'body' || p === 'query' || p === 'path'))).map(String)
          : [];
        const msg = typeof d.msg === 'string' ? d.msg : JSON.stringify(d);
        return loc.length ? `${loc.join('.')}: ${msg}` : msg;
      })
      .join('; ');
  } else message = `the server answered ${status}${statusText ? ` ${statusText}` : ''}`;
  const hint =
    status === 401
      ? 'Check --token (or DRAWBRIDGE_TOKEN): create an API token on the API tokens page or with "drawbridge tokens create".'
      : status === 404 && !code
        ? 'Is --server the base URL of a Drawbridge server (e.g. http://localhost:3000)?'
        : undefined;
  return new RemoteError(message, status, code, hint);
}
