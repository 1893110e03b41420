// Route modules behind a loopback HTTP server, so a test can run the CLI's real fetch (--server)
// against the real handlers without building the app.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** A path pattern whose capture groups fill `params` in order, and the route module it reaches. */
export type LoopbackRoute = { path: RegExp; params?: string[]; module: unknown };

export async function serveRoutes(routes: LoopbackRoute[]): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const found = routes.map((r) => [r.path.exec(url.pathname), r] as const).find(([m]) => m);
    const handler = found && (found[1].module as Record<string, Handler | undefined>)[req.method ?? 'GET'];
    if (!found || !handler) return void res.writeHead(404).end();
    const [match, route] = found;
    const params = Object.fromEntries((route.params ?? []).map((name, i) => [name, decodeURIComponent(match![i + 1])]));
    const headers = Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string');
    const answer = await handler(
      new Request(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }),
      { params: Promise.resolve(params) },
    );
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
