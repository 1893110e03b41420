import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from './webhook-dispatch';

type Received = {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  body: Record<string, unknown>;
  valid: boolean;
};
type Responder = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A receiver as a customer would write one: node:http on 127.0.0.1, verifying each request's
 * signature with the secret it was given for that path, answering as the test says.
 */
export async function startReceiver() {
  const secrets = new Map<string, string>();
  const responders = new Map<string, Responder[]>();
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const secret = secrets.get(path) ?? '';
      const valid = verifyWebhookSignature(
        secret,
        req.headers['x-drawbridge-timestamp'] as string,
        raw,
        req.headers['x-drawbridge-signature'] as string,
        300,
      );
      received.push({ path, headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')), valid });
      const queue = responders.get(path);
      const respond = queue && queue.length > 1 ? queue.shift()! : queue?.[0];
      if (respond) return respond(req, res);
      res.writeHead(valid ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    secrets,
    /** Answers in turn; the last one repeats. */
    respond(path: string, ...rs: Responder[]) {
      responders.set(path, rs);
    },
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const status =
  (code: number, body = ''): Responder =>
  (_req, res) =>
    res.writeHead(code, { 'content-type': 'text/plain' }).end(body);
