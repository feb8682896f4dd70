/**
 * GET /metrics: Prometheus text behind the admin token, request latency labelled by the
 * matched route pattern (never the raw path, which would let callers mint label values),
 * rate-limit refusals by limiter, and the queues an operator watches.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from './helpers.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };
let server: TestServer;
before(async () => {
  server = await startTestServer({ rateLimits: { perIpPerMinute: 3 } });
});
after(() => server.stop());

const scrape = async () => {
  const r = await fetch(`${server.url}/metrics`, { headers: ADMIN });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return r.text();
};

test('without the admin token: 401 in the Connect shape, nothing exposed', async () => {
  const r = await call(server, 'GET', '/metrics');
  assert.equal(r.status, 401);
  assert.equal(r.body.code, 'UNAUTHORIZED');
  assert.equal((await call(server, 'GET', '/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789abcdef0123456789' } })).status, 401);
});

test('latency by matched route pattern, status class and method', async () => {
  await call(server, 'GET', '/health');
  await call(server, 'GET', '/integrations/logos/ethereum.svg');
  await call(server, 'GET', '/integrations/logos/no-such-provider-xyz.svg');
  const text = await scrape();
  assert.match(text, /kc_http_request_duration_seconds_count\{method="GET",route="\/health",status="2xx"\} [1-9]/);
  assert.match(text, /kc_http_request_duration_seconds_count\{method="GET",route="\/integrations\/logos\/:file",status="2xx"\} 1/);
  assert.match(text, /kc_http_request_duration_seconds_count\{method="GET",route="\/integrations\/logos\/:file",status="4xx"\} 1/);
  assert.doesNotMatch(text, /no-such-provider-xyz/, 'raw paths never become labels');
});

test('queues and the writer are reported; a refusal is counted by limiter', async () => {
  const bad = { 'x-client-id': `client_${'0'.repeat(32)}`, 'x-client-secret': 'cs_wrong' };
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await call(server, 'POST', '/link-token', { headers: bad, body: {} })).status);
  assert.deepEqual(statuses, [401, 401, 401, 429]);
  const text = await scrape();
  assert.match(text, /kc_rate_limit_refusals_total\{limiter="partner-ip"\} 1/);
  assert.match(text, /kc_sync_queue_jobs\{state="queued"\} \d+/);
  assert.match(text, /kc_sync_queue_jobs\{state="running"\} \d+/);
  assert.match(text, /kc_sync_queue_lag_seconds \d/);
  assert.match(text, /kc_webhook_deliveries\{state="pending"\} 0/);
  assert.match(text, /kc_db_writer_queue \d+/);
  assert.match(text, /kc_process_cpu_user_seconds_total/);
});
