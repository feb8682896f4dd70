/**
 * The partner side of the framework apps: a node:http server on 127.0.0.1:0 that serves the
 * built apps and answers `POST /api/link-token` by calling the connect server's
 * `POST /link-token` with the client credentials (which stay in this process, never in a page).
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

export type AppServer = { origin: string; linkTokensIssued: () => number; close(): Promise<void> };

export async function startAppServer(o: {
  dir: string;
  connectUrl: string;
  clientId: string;
  clientSecret: string;
  userReference: string;
  scopes: string;
}): Promise<AppServer> {
  let issued = 0;
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/api/link-token') {
        if (req.method !== 'POST' || req.headers['x-requested-with'] !== 'kryptos-connect') {
          res.writeHead(405).end();
          return;
        }
        const upstream = await fetch(new URL('/link-token', o.connectUrl), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Client-Id': o.clientId, 'X-Client-Secret': o.clientSecret },
          body: JSON.stringify({ scopes: o.scopes, user_reference: o.userReference }),
          signal: AbortSignal.timeout(10_000),
        });
        const json = (await upstream.json()) as { success?: boolean; data?: { link_token: string; expires_at: string; has_existing_grant?: boolean } };
        if (!upstream.ok || !json.data) {
          res.writeHead(502, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify({ code: 'LINK_TOKEN_FAILED' }));
          return;
        }
        issued++;
        const { link_token, expires_at, has_existing_grant } = json.data;
        res
          .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
          .end(JSON.stringify({ link_token, expires_at, isAuthorized: has_existing_grant === true }));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      const path = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
      const file = join(o.dir, path.endsWith('/') || path === '' ? join(path, 'index.html') : path);
      if (!file.startsWith(o.dir + sep)) {
        res.writeHead(404).end();
        return;
      }
      const body = await readFile(file).catch(() => undefined);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' }).end(body);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    linkTokensIssued: () => issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
