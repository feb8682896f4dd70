/**
 * The developer portal: the CLI (`npm run -s connect -- …` against a temporary CONNECT_DB)
 * and the admin HTTP API (`/admin/clients`, bearer CONNECT_ADMIN_TOKEN) — create, list,
 * show, update, rotate (with grace), delete, audit, and an online backup taken while a
 * server writes to the same file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../../server/db/database.ts';
import { authenticateClient } from '../../server/clients/clients.service.ts';
import { runCli } from '../../server/cli.ts';
import {
  call,
  DEFAULT_SCOPES,
  exchange,
  guestPublicToken,
  latestCode,
  linkToken,
  newClient,
  SANDBOX_ETH,
  startTestServer,
  TEST_KEY,
  widget,
  type TestServer,
} from './helpers.ts';
import { expectError, pool, REPO_ROOT } from './security/support.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };
const CLIENT_ID = /^client_[0-9a-f]{32}$/;

type Run = { code: number; stdout: string; stderr: string };

const cliEnv = (dbFile: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  CONNECT_DB: dbFile,
  CONNECT_ENCRYPTION_KEY: TEST_KEY,
  NODE_ENV: 'test',
});

/** The CLI in this process (runCli is what `npm run connect` runs), its lines captured. */
async function cli(dbFile: string, ...args: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, { env: cliEnv(dbFile), cwd: REPO_ROOT, stdout: (l) => stdout.push(`${l}\n`), stderr: (l) => stderr.push(`${l}\n`) });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** The CLI as a user runs it: `npm run -s connect -- …` in a process of its own. */
function spawnedCli(dbFile: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '-s', 'connect', '--', ...args],
      {
        cwd: REPO_ROOT,
        timeout: 120_000,
        env: cliEnv(dbFile),
      },
      (error, stdout, stderr) => {
        const signal = error && 'signal' in error && error.signal ? ` (killed by ${String(error.signal)}, timeout?)` : '';
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr: stderr + signal });
      },
    );
  });
}

const json = (r: Run) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

describe('CLI', () => {
  let dir: string;
  let dbFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kc-cli-'));
    dbFile = join(dir, 'connect.db');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('client create --json prints exactly {client_id, client_secret, sandbox}; --production makes sandbox false', async () => {
    const [sandbox, production] = await Promise.all([
      cli(dbFile, 'client', 'create', '--name', 'Sandboxed', '--json'),
      cli(dbFile, 'client', 'create', '--name', 'Live', '--production', '--json'),
    ]);
    for (const [r, expected] of [
      [sandbox, true],
      [production, false],
    ] as const) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split('\n').length, 1, `one line on stdout: ${r.stdout}`);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(out), ['client_id', 'client_secret', 'sandbox']);
      assert.match(out.client_id, CLIENT_ID);
      assert.match(out.client_secret, /^cs_[0-9A-Za-z]{49}$/);
      assert.equal(out.sandbox, expected);
    }
  });

  test('client create/update --privacy-policy --terms set the consent screen links; an empty value removes one; a bad URL is refused', async () => {
    const created = json(
      await cli(
        dbFile,
        'client',
        'create',
        '--name',
        'Links',
        '--privacy-policy',
        'https://links.example/privacy',
        '--terms',
        'https://links.example/terms',
        '--json',
      ),
    );
    const shown = json(await cli(dbFile, 'client', 'show', created.client_id, '--json'));
    assert.equal(shown.privacy_policy_url, 'https://links.example/privacy');
    assert.equal(shown.terms_url, 'https://links.example/terms');
    const updated = json(await cli(dbFile, 'client', 'update', created.client_id, '--terms', '', '--privacy-policy', 'https://links.example/p2', '--json'));
    assert.equal(updated.privacy_policy_url, 'https://links.example/p2');
    assert.equal(updated.terms_url, null);
    const bad = await cli(dbFile, 'client', 'update', created.client_id, '--terms', 'javascript:alert(1)');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /terms_url/);
  });

  test('webhook set (secret once) / show (never the secret) / rotate-secret / deliveries / remove, each audited', async () => {
    const created = json(await cli(dbFile, 'client', 'create', '--name', 'Hooks', '--json'));
    const set = json(await cli(dbFile, 'webhook', 'set', created.client_id, '--url', 'http://127.0.0.1:9/kryptos-webhooks', '--json'));
    assert.equal(set.url, 'http://127.0.0.1:9/kryptos-webhooks');
    assert.match(set.secret, /^whsec_/);
    const again = json(await cli(dbFile, 'webhook', 'set', created.client_id, '--url', 'http://127.0.0.1:9/other', '--json'));
    assert.equal(again.secret, undefined, 'changing the URL keeps the secret and does not print it again');
    const shown = await cli(dbFile, 'webhook', 'show', created.client_id, '--json');
    assert.ok(!shown.stdout.includes(set.secret), 'show never prints the secret');
    assert.equal(json(shown).url, 'http://127.0.0.1:9/other');
    const rotated = json(await cli(dbFile, 'webhook', 'rotate-secret', created.client_id, '--json'));
    assert.match(rotated.secret, /^whsec_/);
    assert.notEqual(rotated.secret, set.secret);
    assert.ok(Array.isArray(json(await cli(dbFile, 'webhook', 'deliveries', created.client_id, '--json'))));
    json(await cli(dbFile, 'webhook', 'remove', created.client_id, '--json'));
    assert.equal(json(await cli(dbFile, 'webhook', 'show', created.client_id, '--json')).url, null);
    const events = json(await cli(dbFile, 'audit', created.client_id, '--json')).map((e: { event: string }) => e.event);
    for (const e of ['webhook.set', 'webhook.secret_rotated', 'webhook.removed']) assert.ok(events.includes(e), `${e} audited`);
    const bad = await cli(dbFile, 'webhook', 'set', created.client_id, '--url', 'ftp://example.com/x');
    assert.notEqual(bad.code, 0);
  });

  test('list, show (default scopes are the contract’s), update, rotate-secret --grace, delete, audit', async () => {
    const created = json(await cli(dbFile, 'client', 'create', '--name', 'Portal', '--origin', 'https://portal.example', '--json'));
    const [shownRun, listed, human] = await Promise.all([
      cli(dbFile, 'client', 'show', created.client_id, '--json'),
      cli(dbFile, 'client', 'list', '--json'),
      cli(dbFile, 'client', 'list'),
    ]);
    const shown = json(shownRun);
    assert.equal(shown.scopes, DEFAULT_SCOPES);
    assert.deepEqual(shown.origins, ['https://portal.example']);
    assert.equal(shown.sandbox, true);
    assert.equal(JSON.stringify(shown).includes(created.client_secret), false, 'show never prints the secret');

    assert.ok(json(listed).some((c: { client_id: string }) => c.client_id === created.client_id));
    assert.match(human.stdout, new RegExp(`${created.client_id}\\s+sandbox\\s+Portal`));

    const updated = json(
      await cli(
        dbFile,
        'client',
        'update',
        created.client_id,
        '--name',
        'Portal 2',
        '--scopes',
        'openid email',
        '--origin',
        'https://a.example',
        '--origin',
        'https://b.example',
        '--production',
        '--json',
      ),
    );
    assert.equal(updated.name, 'Portal 2');
    assert.equal(updated.scopes, 'openid email');
    assert.deepEqual(updated.origins, ['https://a.example', 'https://b.example']);
    assert.equal(updated.sandbox, false);

    const rotated = json(await cli(dbFile, 'client', 'rotate-secret', created.client_id, '--grace', '10', '--json'));
    assert.match(rotated.client_secret, /^cs_/);
    const graceEnds = Date.parse(rotated.previous_secret_expires_at);
    assert.ok(Math.abs(graceEnds - Date.now() - 10 * 60_000) < 60_000, rotated.previous_secret_expires_at);
    const { db } = await openDatabase(dbFile);
    try {
      const now = Date.now();
      assert.ok(await authenticateClient(db, now, created.client_id, created.client_secret), 'old secret inside the grace');
      assert.ok(await authenticateClient(db, now, created.client_id, rotated.client_secret), 'new secret');
      assert.equal(await authenticateClient(db, graceEnds + 1, created.client_id, created.client_secret), undefined, 'old secret after the grace');
      const immediate = json(await cli(dbFile, 'client', 'rotate-secret', created.client_id, '--json'));
      assert.equal(immediate.previous_secret_expires_at, null);
      assert.equal(await authenticateClient(db, Date.now(), created.client_id, rotated.client_secret), undefined, 'grace 0 = revoked at once');
      assert.ok(await authenticateClient(db, Date.now(), created.client_id, immediate.client_secret));
    } finally {
      await db.destroy();
    }

    const audit = json(await cli(dbFile, 'audit', created.client_id, '--json'));
    const events = audit.map((e: { event: string }) => e.event);
    for (const e of ['client.created', 'client.updated', 'client.secret_rotated']) assert.ok(events.includes(e), `${e} in ${events}`);
    assert.equal(JSON.stringify(audit).includes(created.client_secret), false);

    const deleted = json(await cli(dbFile, 'client', 'delete', created.client_id, '--json'));
    assert.deepEqual(deleted, { client_id: created.client_id, deleted: true, grants_revoked: 0 });
    const gone = await cli(dbFile, 'client', 'show', created.client_id);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /CLIENT_NOT_FOUND/);
  });

  test('bad arguments exit non-zero with a message', async () => {
    const cases: [string[], number, RegExp][] = [
      [[], 64, /Usage/],
      [['frobnicate'], 64, /Unknown command/],
      [['client', 'create'], 64, /needs --name/],
      [['client', 'rotate-secret', 'client_' + '0'.repeat(32), '--grace', 'soon'], 64, /--grace must be a whole number/],
      [['client', 'create', '--name', 'x', '--origin', 'https://a.example/path'], 1, /Invalid input/],
      [['client', 'create', '--name', 'x', '--scopes', 'openid root'], 1, /INVALID_SCOPE/],
    ];
    const runs = await pool(cases, 3, ([args]) => cli(dbFile, ...args));
    runs.forEach((r, i) => {
      const [args, code, message] = cases[i]!;
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      // With no command at all the usage goes to stdout (exit 64); every other refusal explains itself on stderr.
      assert.match(args.length === 0 ? r.stdout + r.stderr : r.stderr, message, args.join(' '));
      assert.equal(r.stdout.includes('cs_'), false);
    });
  });

  test('backup while a server writes to the same file: the copy opens, passes integrity_check and has the rows', async () => {
    const live = await startTestServer({ dbFile });
    try {
      const c = await newClient(live, { name: 'Backed up' });
      let writing = true;
      let written = 0;
      const load = (async () => {
        while (writing) {
          const r = await call(live, 'POST', '/link-token', { headers: c.headers, body: { scopes: 'openid' } });
          assert.equal(r.status, 200);
          written++;
        }
      })();
      while (written < 5) await new Promise((r) => setTimeout(r, 20));
      const before = written;
      const backupFile = join(dir, 'backups', 'copy.db');
      // The one spawned run: `npm run -s connect` as a user types it, in a process beside the server.
      const r = await spawnedCli(dbFile, 'backup', backupFile);
      writing = false;
      await load;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Backed up/);
      assert.ok(written > before, 'the server kept writing during the backup');
      const copy = new SQLite(backupFile, { readonly: true });
      try {
        assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
        assert.equal(copy.prepare('select name from clients where id = ?').pluck().get(c.client_id), 'Backed up');
        assert.ok((copy.prepare('select count(*) from link_tokens where client_id = ?').pluck().get(c.client_id) as number) >= before);
      } finally {
        copy.close();
      }
    } finally {
      await live.close();
    }
  });
});

describe('admin HTTP API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('401 without the admin token; 404 when CONNECT_ADMIN_TOKEN is unset', async () => {
    expectError(await call(server, 'GET', '/admin/clients'), 'UNAUTHORIZED');
    expectError(await call(server, 'POST', '/admin/clients', { body: { name: 'x' } }), 'UNAUTHORIZED');
    const off = await startTestServer({ config: { adminToken: undefined } });
    try {
      expectError(await call(off, 'GET', '/admin/clients', { headers: ADMIN }), 'NOT_FOUND');
      expectError(await call(off, 'POST', '/admin/clients', { headers: ADMIN, body: { name: 'x' } }), 'NOT_FOUND');
    } finally {
      await off.stop();
    }
  });

  test('create, list, show, update, rotate, delete', async () => {
    const created = await call(server, 'POST', '/admin/clients', { headers: ADMIN, body: { name: 'Admin made', origins: ['https://made.example/'] } });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body.data), ['client_id', 'client_secret', 'sandbox']);
    const id = created.body.data.client_id as string;
    assert.match(id, CLIENT_ID);
    const list = await call(server, 'GET', '/admin/clients', { headers: ADMIN });
    assert.ok(list.body.data.clients.some((c: { client_id: string }) => c.client_id === id));
    assert.ok(!JSON.stringify(list.body).includes(created.body.data.client_secret));
    const shown = await call(server, 'GET', `/admin/clients/${id}`, { headers: ADMIN });
    assert.equal(shown.body.data.scopes, DEFAULT_SCOPES);
    assert.deepEqual(shown.body.data.origins, ['https://made.example']);
    const patched = await call(server, 'PATCH', `/admin/clients/${id}`, { headers: ADMIN, body: { name: 'Renamed', sandbox: false } });
    assert.equal(patched.body.data.name, 'Renamed');
    assert.equal(patched.body.data.sandbox, false);
    expectError(await call(server, 'PATCH', `/admin/clients/${id}`, { headers: ADMIN, body: { scopes: 'openid nope' } }), 'INVALID_SCOPE');
    expectError(await call(server, 'PATCH', `/admin/clients/${id}`, { headers: ADMIN, body: { secret_digest: 'x' } }), 'INVALID_REQUEST');
    const rotated = await call(server, 'POST', `/admin/clients/${id}/rotate-secret`, { headers: ADMIN, body: { grace_minutes: 3 } });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.data.client_secret, created.body.data.client_secret);
    assert.equal(rotated.body.data.previous_secret_expires_at, new Date(server.clock.now() + 3 * 60_000).toISOString());
    expectError(await call(server, 'POST', `/admin/clients/${id}/rotate-secret`, { headers: ADMIN, body: { grace_minutes: -1 } }), 'INVALID_REQUEST');
    const del = await call(server, 'DELETE', `/admin/clients/${id}`, { headers: ADMIN });
    assert.deepEqual(del.body.data, { client_id: id, deleted: true, grants_revoked: 0 });
    expectError(await call(server, 'GET', `/admin/clients/${id}`, { headers: ADMIN }), 'CLIENT_NOT_FOUND');
    assert.ok(!(await call(server, 'GET', '/admin/clients', { headers: ADMIN })).body.data.clients.some((c: { client_id: string }) => c.client_id === id));
  });

  test('the audit listing shows the security events of a client, with credentials masked', async () => {
    const c = await newClient(server, { name: 'Audited' });
    expectError(
      await call(server, 'POST', '/link-token', { headers: { ...c.headers, 'x-client-secret': 'cs_wrong' }, body: { scopes: 'openid' } }),
      'INVALID_CLIENT',
    );
    const email = (await linkToken(server, c)).link_token;
    const w = widget(server, email);
    await w('POST', '/auth/email/request', { email: 'audit@example.com' });
    const code = await latestCode(server, 'audit@example.com');
    await w('POST', '/auth/email/verify', { email: 'audit@example.com', code: code === '000000' ? '000001' : '000000' });
    assert.equal((await w('POST', '/auth/email/verify', { email: 'audit@example.com', code })).status, 200);
    await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
    const consent = await w('POST', '/consent', { scopes: ['openid'] });
    const first = await exchange(server, c, consent.body.data.public_token);
    assert.equal(first.status, 200);
    expectError(await exchange(server, c, consent.body.data.public_token), 'TOKEN_ALREADY_USED');
    const { public_token } = await guestPublicToken(server, c);
    const second = await exchange(server, c, public_token);
    await call(server, 'POST', '/token/revoke', { headers: c.headers, body: { grant_id: second.body.data.grant_id } });
    await call(server, 'POST', `/admin/clients/${c.client_id}/rotate-secret`, { headers: ADMIN, body: {} });

    const audit = await call(server, 'GET', `/admin/clients/${c.client_id}/audit?limit=1000`, { headers: ADMIN });
    assert.equal(audit.status, 200);
    const events = audit.body.data.events as { event: string; outcome: string; details: Record<string, unknown> }[];
    const names = new Set(events.map((e) => e.event));
    for (const e of [
      'client.auth_failed',
      'link_token.issued',
      'signin.code_sent',
      'signin.code_failed',
      'signin.succeeded',
      'consent.granted',
      'token.exchanged',
      'token.reuse_detected',
      'grant.revoked',
      'client.secret_rotated',
    ])
      assert.ok(names.has(e), `${e} missing from ${[...names].join(', ')}`);
    assert.equal(events.find((e) => e.event === 'client.auth_failed')!.outcome, 'failure');
    assert.equal(events.find((e) => e.event === 'token.reuse_detected')!.details.revoked_grant, first.body.data.grant_id);
    const text = JSON.stringify(events);
    for (const secret of [c.client_secret, consent.body.data.public_token, public_token, first.body.data.access_token, code, 'audit@example.com']) {
      assert.equal(text.includes(secret), false, `audit holds ${secret.slice(0, 8)}…`);
    }
    expectError(await call(server, 'GET', `/admin/clients/${c.client_id}/audit?limit=0`, { headers: ADMIN }), 'INVALID_REQUEST');
  });
});
