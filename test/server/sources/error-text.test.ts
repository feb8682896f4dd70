/**
 * Issue 9, item 10: an exchange whose error echoes the request (URL, headers, body, the API
 * key) — a local server speaking Kraken's error format — leaves none of it in what partners
 * and webhooks see: the integration's message, its sync log and the data API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { api, connect, integrationRow, startSourcesServer } from './helpers.ts';
import type { TestServer } from '../helpers.ts';

const KEY = 'kraken-key-echoed-9f3a7c';
const SECRET = randomBytes(64).toString('base64');
let echo: Server;
let server: TestServer;

before(async () => {
  echo = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += String(c)));
    req.on('end', () => {
      const dump = `EGeneral:Internal error for key ${KEY} POST http://${req.headers.host}${req.url} headers: API-Key: ${String(req.headers['api-key'])} API-Sign: ${String(req.headers['api-sign'])} body: ${body}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ error: [dump] }));
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  server = await startSourcesServer(
    { EXCHANGE_URL_KRAKEN: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`, EXCHANGE_MIN_REQUEST_INTERVAL_MS: '0' },
    { maxAttempts: 1 },
  );
});
after(async () => {
  await server?.stop();
  await new Promise((resolve) => echo.close(resolve));
});

test('no URL, header, body or key material of the request reaches the message, sync log or data API', async () => {
  const conn = await connect(server, { provider: 'kraken', credentials: { apiKey: KEY, secretKey: SECRET } });
  await server.ctx.sync!.waitIdle(45_000);
  const row = await integrationRow(server, conn.integrationIds[0]!);
  assert.ok(row.message, 'the failure is reported');
  const listed = await api(server, conn, '/api/v1/integrations');
  const seen = [row.message, row.sync_log ?? '', JSON.stringify(listed.body)].join('\n');
  for (const leak of [KEY, SECRET, SECRET.slice(0, 24), '127.0.0.1', '/0/private', 'API-Sign', 'nonce=']) {
    assert.ok(!seen.includes(leak), `${leak} leaked: ${seen.slice(0, 600)}`);
  }
  const jobs = await server.ctx.db
    .selectFrom('sync_jobs')
    .selectAll()
    .execute()
    .catch(() => []);
  assert.ok(!JSON.stringify(jobs).includes(KEY), 'nor in the job record');
});
