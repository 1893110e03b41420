import 'server-only';
import http from 'node:http';
import https from 'node:https';
import { EgressDnsError, EgressRefusedError, pinnedLookup, vetTarget, type EgressPolicy } from './egress';

/**
 * One webhook request on the wire, apart from the outbox bookkeeping in webhooks.ts. The result is
 * what the delivery log keeps: the status code, how long it took, and a classified error.
 */

/** How an attempt failed, for the log and for people: never anything the receiver wrote. */
export type DeliveryErrorCode =
  | 'forbidden_target'
  | 'dns_failure'
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'unreachable'
  | 'tls_error'
  | 'redirect_not_followed'
  | 'http_error'
  | 'network_error'
  | 'webhook_deleted';

export type SendResult = {
  statusCode: number | null;
  error: string | null;
  errorCode: DeliveryErrorCode | null;
  durationMs: number;
};

/**
 * One POST: resolve and vet the target, connect to the vetted address only, take the status and
 * drop the response unread. Redirects are not followed (a redirect is not a delivery, and following
 * one could carry the event, or the server's reach, somewhere unintended).
 */
export async function sendWebhookRequest(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  opts: { egress: EgressPolicy; timeoutMs: number },
): Promise<SendResult> {
  const { timeoutMs } = opts;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const url = new URL(rawUrl);
    const target = await untilAborted(vetTarget(url, opts.egress), deadline);
    const status = await post(url, pinnedLookup(target), headers, body, deadline);
    const durationMs = elapsed();
    if (status >= 200 && status < 300) return { statusCode: status, error: null, errorCode: null, durationMs };
    if (status >= 300 && status < 400)
      return {
        statusCode: status,
        error: `HTTP ${status} (redirects are not followed)`,
        errorCode: 'redirect_not_followed',
        durationMs,
      };
    return { statusCode: status, error: `HTTP ${status}`, errorCode: 'http_error', durationMs };
  } catch (e) {
    return { statusCode: null, ...classifyError(e, deadline.aborted, timeoutMs), durationMs: elapsed() };
  }
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function post(
  url: URL,
  lookup: ReturnType<typeof pinnedLookup>,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const request = url.protocol === 'https:' ? https.request : http.request;
    const req = request(
      url,
      // agent: false: a fresh socket each time, so no pooled connection outlives the check it was made under.
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup: lookup as never,
        agent: false,
        signal,
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        // The body is the receiver's business: it is neither read nor kept.
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$|HOSTNAME_MISMATCH|ERR_OSSL_)/;

function classifyError(
  e: unknown,
  timedOut: boolean,
  timeoutMs: number,
): { error: string; errorCode: DeliveryErrorCode } {
  if (e instanceof EgressRefusedError) return { error: e.message, errorCode: 'forbidden_target' };
  if (e instanceof EgressDnsError) return { error: e.message, errorCode: 'dns_failure' };
  const err = e as { name?: string; code?: string; address?: string; port?: number };
  if (timedOut || err?.name === 'TimeoutError' || err?.code === 'ETIMEDOUT')
    return { error: `no response within ${timeoutMs / 1000} s`, errorCode: 'timeout' };
  const code = String(err?.code ?? '');
  const where = err?.address ? ` (${err.address}${err.port ? `:${err.port}` : ''})` : '';
  if (code === 'ECONNREFUSED') return { error: `connection refused${where}`, errorCode: 'connection_refused' };
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return { error: `connection closed before an answer${where}`, errorCode: 'connection_reset' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL')
    return { error: `no route to the receiver${where} (${code})`, errorCode: 'unreachable' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { error: `the receiver's name could not be resolved (${code})`, errorCode: 'dns_failure' };
  if (TLS_CODE.test(code)) return { error: `TLS handshake failed (${code})`, errorCode: 'tls_error' };
  if (code === 'ERR_INVALID_URL') return { error: 'the stored URL is not valid', errorCode: 'network_error' };
  return { error: `request failed${code ? ` (${code})` : ''}`, errorCode: 'network_error' };
}
