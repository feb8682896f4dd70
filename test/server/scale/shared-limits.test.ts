/**
 * Several instances, one budget: with CONNECT_REDIS_URL set, two connect servers share their
 * rate limits and failure counters through Redis (rate-limit-redis), so a caller cannot
 * double its budget by alternating between instances. Without Redis each instance counts
 * alone, which the first test shows is what Redis changes. Needs Redis on 127.0.0.1:6379
 * (`.ci/run` starts it when installed); without it the shared tests say so and do not run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { call, startTestServer, type TestServer } from '../helpers.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

const reachable = await redisReachable();
const skip = reachable ? false : `Redis is not reachable at ${REDIS_URL} (start it: redis-server --daemonize yes --port 6379)`;
if (skip) console.log(`# shared-limits: ${skip}`);

/** Partner requests with unknown credentials: each counts against the per-IP budget and the failure budget. */
const badClient = { 'x-client-id': `client_${'0'.repeat(32)}`, 'x-client-secret': 'cs_wrong' };
const attempt = (server: TestServer) => call(server, 'POST', '/link-token', { headers: badClient, body: { scopes: 'openid' } });

async function instances(n: number, env: NodeJS.ProcessEnv, rateLimits: Partial<TestServer['ctx']['config']['rateLimits']>) {
  const first = await startTestServer({ env, rateLimits });
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => startTestServer({ env, rateLimits, dbFile: first.dbFile })));
  return [first, ...rest];
}

describe('rate limits across instances', { skip }, () => {
  let servers: TestServer[] = [];
  const prefix = `kc-test-${randomBytes(6).toString('hex')}:`;
  before(async () => {
    servers = await instances(2, { CONNECT_REDIS_URL: REDIS_URL, CONNECT_REDIS_PREFIX: prefix }, { authFailuresPer15Minutes: 4 });
  });
  after(async () => {
    for (const s of servers.reverse()) await s.stop();
  });

  test('failed client authentications: one budget of 4 across both instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(servers[i % 2]!)).status);
    // Four failures (alternating A, B, A, B) use the shared budget; the fifth, on A, is refused.
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    const refused = await attempt(servers[1]!);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  });
});

describe('per-IP request budget across instances', { skip }, () => {
  let servers: TestServer[] = [];
  before(async () => {
    servers = await instances(2, { CONNECT_REDIS_URL: REDIS_URL, CONNECT_REDIS_PREFIX: `kc-test-${randomBytes(6).toString('hex')}:` }, { perIpPerMinute: 6 });
  });
  after(async () => {
    for (const s of servers.reverse()) await s.stop();
  });

  test('six requests a minute per address, whichever instance answers', async () => {
    const partner: number[] = [];
    for (let i = 0; i < 8; i++) partner.push((await attempt(servers[i % 2]!)).status);
    assert.deepEqual(
      partner.map((s) => (s === 429 ? 429 : 'ok')),
      ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 429, 429],
    );
  });
});

describe('without Redis, each instance counts alone', () => {
  test('the same alternating failures are not refused (the reason Redis is needed)', async () => {
    const servers = await instances(2, {}, { authFailuresPer15Minutes: 4 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await attempt(servers[i % 2]!)).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 401]);
      assert.equal((await attempt(servers[0]!)).status, 429, 'the fifth failure on one instance is refused');
    } finally {
      for (const s of servers.reverse()) await s.stop();
    }
  });
});
