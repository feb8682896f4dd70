/**
 * The README, checked: every shell example in README.md runs, in document order as one shell
 * session, against a started connect server, and each answer must match what the README
 * shows next to it (readme-examples.ts has the conventions). Change an example or the server
 * so that they disagree and this test fails at that README line.
 *
 * What the test supplies, as a reader's terminal would have it (README "The examples in
 * this README are tested" says the same):
 * - `localhost:4000` is the test server (`127.0.0.1:<port>`); `$CLIENT_ID` / `$CLIENT_SECRET`
 *   a sandbox client made with the defaults of `client create`; the CLI (`npm run connect`)
 *   works on the server's database (CONNECT_DB); `data/admin-token` (what `npm start` writes)
 *   holds the server's admin token in the folder the commands run in.
 * - A placeholder `<kind>_…` (`cat_…`, `client_0123…`, `wallet_…`) is the value of that kind
 *   in the latest answer of the same block that had exactly one; else the reader's own:
 *   `client_…` their client, `cat_…` `cgrant_…` `usr_…` `ws_…` `wallet_…` a sandbox grant of
 *   theirs holding the Ethereum test address, `link_…` a fresh link token of theirs, and
 *   `public_…` what the widget gives for the block's latest link token (a guest, the
 *   Ethereum test address, consent to all asked) or else a sandbox public token of theirs.
 *   `<pagination.nextCursor>` is that field of the latest answer that has it.
 * - A command ending in `npm run server` starts a server: its `CONNECT_PORT` becomes a free
 *   port, `/var/lib/kryptos/` a folder of the test; it must answer /health, then close
 *   gracefully when its process group gets SIGTERM (as Ctrl-C signals it).
 * - Between commands the test waits until background syncs and reports are done (a reader
 *   copying lines by hand is slower than both). Webhook deliveries are not sent (the README's
 *   URLs are not ours to call); test/server/webhooks covers delivery.
 *
 * `README_TRACE=1` prints every command as run and its answer (for writing new examples).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  call,
  DEFAULT_SCOPES,
  exchange,
  linkToken,
  newClient,
  runningClock,
  SANDBOX_ETH,
  startTestServer,
  TEST_KEY,
  widget,
  type TestClient,
  type TestServer,
} from '../server/helpers.ts';
import { answerMismatches, readBlocks, type Block, type Step } from './readme-examples.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789'; // what startTestServer configures

/** Commands the test does not run, and why (each shows as a skipped test with its reason). */
const NOT_RUN: { command: RegExp; why: string }[] = [
  {
    command: /^npm install && npm start\b/,
    why: "installs the project (what .ci/run does) and serves the demo from the project's own data/ folder on fixed ports (test/e2e wires the same pieces)",
  },
  { command: /^npm test\b/, why: 'the test suite this test is part of' },
];

const KINDS = ['client', 'cat', 'cgrant', 'link', 'public', 'usr', 'ws', 'wallet', 'rpt', 'whd', 'trx'] as const;
type Kind = (typeof KINDS)[number];
const PLACEHOLDER = new RegExp(`\\b(${KINDS.join('|')})_[0-9A-Za-z]*…`, 'g');
const FIELD_PLACEHOLDER = /<([A-Za-z_]\w*(?:\.\w+)+)>/g;
const SERVER_COMMAND = /\bnpm run server$/;
const PREAMBLE = [
  'set -o pipefail',
  // Every request reports its HTTP status after the body (curl -s alone hides it).
  `curl() { command curl --max-time 60 --write-out '\\n@@HTTP %{http_code}@@\\n' "$@"; }`,
].join('\n');

let server: TestServer;
let client: TestClient;
let cwd: string;
let env: NodeJS.ProcessEnv;
/** The reader's own grant: a sandbox guest with the Ethereum test address, synced. */
let grant: { cat: string; cgrant: string; usr: string; ws: string; wallet: string };
/** Shell variables set so far (`H=(…)`, `T="…"`), with their placeholders already filled in. */
const variables: string[] = [];

before(async () => {
  server = await startTestServer({ clock: runningClock(), env: { LOG_LEVEL: 'info' }, sync: { pollMs: 25, backoffMs: () => 30 }, webhooks: false });
  client = await newClient(server, { name: 'Acme Portfolio' });
  const sandbox = await call(server, 'POST', '/sandbox/public-token', {
    headers: client.headers,
    body: { scopes: DEFAULT_SCOPES, integrations: [{ provider: 'ethereum', address: SANDBOX_ETH }] },
  });
  assert.equal(sandbox.status, 200, JSON.stringify(sandbox.body));
  const ex = await exchange(server, client, sandbox.body.data.public_token);
  assert.equal(ex.status, 200, JSON.stringify(ex.body));
  grant = {
    cat: ex.body.data.access_token,
    cgrant: ex.body.data.grant_id,
    usr: ex.body.data.user_id,
    ws: ex.body.data.workspace_id,
    wallet: sandbox.body.data.integrations[0],
  };
  await idle();
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  cwd = mkdtempSync(join(ROOT, '.tmp', 'readme-'));
  mkdirSync(join(cwd, 'data'));
  writeFileSync(join(cwd, 'data', 'admin-token'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CLIENT_ID: client.client_id,
    CLIENT_SECRET: client.client_secret,
    CONNECT_DB: server.dbFile,
    CONNECT_ENCRYPTION_KEY: TEST_KEY,
  };
});
after(async () => {
  await server?.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

async function idle() {
  await server.ctx.sync?.waitIdle(120_000);
  await server.ctx.reports?.waitIdle(120_000);
}

/** What one block has seen: values learned from its answers, its own fresh tokens, its JSON answers. */
type BlockState = { learned: Map<Kind, string>; fresh: Map<Kind, string>; answers: unknown[] };

async function ownValue(kind: Kind, state: BlockState, where: string): Promise<string> {
  const cached = state.fresh.get(kind);
  if (cached) return cached;
  let value: string;
  if (kind === 'client') value = client.client_id;
  else if (kind === 'cat' || kind === 'cgrant' || kind === 'usr' || kind === 'ws' || kind === 'wallet') value = grant[kind];
  else if (kind === 'link') value = (await linkToken(server, client)).link_token;
  else if (kind === 'public') value = await publicToken(state.learned.get('link'));
  else throw new Error(`${where}: no earlier answer in this block gives a ${kind}_… to put here`);
  state.fresh.set(kind, value);
  return value;
}

/**
 * What the widget hands the page for `link` (the block's latest link token): a guest, the
 * Ethereum test address, consent to every scope asked for. Without one, a sandbox public token.
 */
async function publicToken(link: string | undefined): Promise<string> {
  if (!link) {
    const r = await call(server, 'POST', '/sandbox/public-token', { headers: client.headers, body: { scopes: 'openid portfolios:read' } });
    return r.body.data.public_token;
  }
  const w = widget(server, link);
  assert.equal((await w('POST', '/auth/guest', {})).status, 200);
  assert.equal((await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH })).status, 201);
  const scopes = ((await w('GET', '/session')).body.data.scopes as { scope: string }[]).map((s) => s.scope);
  const consent = await w('POST', '/consent', { scopes });
  assert.equal(consent.status, 200, JSON.stringify(consent.body));
  return consent.body.data.public_token;
}

async function fillIn(text: string, state: BlockState, where: string): Promise<string> {
  let out = text.replaceAll('localhost:4000', new URL(server.url).host);
  for (const [placeholder, kind] of new Set([...out.matchAll(PLACEHOLDER)].map((m) => [m[0], m[1] as Kind] as const))) {
    out = out.replaceAll(placeholder, state.learned.get(kind) ?? (await ownValue(kind, state, where)));
  }
  for (const [placeholder, path] of [...out.matchAll(FIELD_PLACEHOLDER)].map((m) => [m[0], m[1]!] as const)) {
    const value = state.answers
      .map((a) => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), a))
      .findLast((v) => typeof v === 'string' || typeof v === 'number');
    if (value === undefined) throw new Error(`${where}: no earlier answer in this block has ${path} for ${placeholder}`);
    out = out.replaceAll(placeholder, String(value));
  }
  return out;
}

/** Values of each kind in an answer; a kind is learned only when the answer names exactly one. */
function learn(text: string, state: BlockState) {
  for (const kind of KINDS) {
    const found = new Set(text.match(new RegExp(`\\b${kind}_[0-9A-Za-z]{8,}`, 'g')) ?? []);
    if (found.size === 1) state.learned.set(kind, [...found][0]!);
  }
}

type Ran = { code: number | null; stdout: string; stderr: string };

function bash(script: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, env: { ...env, ...extraEnv }, timeout: 180_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
        stdout,
        stderr: stderr + (error?.signal ? ` (killed by ${error.signal})` : ''),
      });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A command that starts a server: it must answer /health, then stop cleanly on SIGTERM. */
async function runServerCommand(command: string, where: string) {
  const port = await freePort();
  const dataDir = join(cwd, 'var', 'lib', 'kryptos');
  mkdirSync(dataDir, { recursive: true });
  const filled = command.replace(/\bCONNECT_PORT=\d+/, `CONNECT_PORT=${port}`).replaceAll('/var/lib/kryptos/', `${dataDir}/`);
  const script = [PREAMBLE, ...variables, filled].join('\n');
  const child = spawn('bash', ['-c', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  // Every process of the command (npm, tsx, the server) holds these pipes: they close when the last one ends.
  const ended = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]);
  let health: unknown;
  const deadline = Date.now() + 120_000;
  try {
    while (health === undefined && Date.now() < deadline && child.exitCode === null) {
      health = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => (r.ok ? r.json() : undefined),
        () => undefined,
      );
      if (health === undefined) await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    // Stopped as Ctrl-C stops it: a signal to the whole process group (npm, tsx, the server).
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
  }
  const kill = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* the group is gone already */
    }
  }, 30_000);
  await ended;
  clearTimeout(kill);
  assert.ok(health, `${where}: the server never answered /health\n${output}`);
  assert.equal((health as { status?: string }).status, 'OK', `${where}: ${JSON.stringify(health)}`);
  // npm reports a signal as its own exit status; what matters is that the server closed cleanly.
  assert.match(output, /"msg":"stopped"/, `${where}: the server did not finish its graceful shutdown\n${output}`);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

async function runStep(step: Step, state: BlockState) {
  const where = `README line ${step.line}`;
  const text = await fillIn(step.text, state, where);
  if (step.kind === 'assign') {
    variables.push(text);
    return;
  }
  if (SERVER_COMMAND.test(text)) return runServerCommand(text, where);
  const waited = Date.now();
  await idle();
  const started = Date.now();
  const ran = await bash([PREAMBLE, ...variables, text].join('\n'));
  const took = `waited ${started - waited} ms, ran ${Date.now() - started} ms`;
  const context = `${where}: ${step.text}\nran: ${text}\nexit ${ran.code}\nstdout: ${ran.stdout.slice(0, 4000)}\nstderr: ${ran.stderr.slice(0, 2000)}`;
  assert.equal(ran.code, 0, context);
  const requests = [...ran.stdout.matchAll(/\n@@HTTP (\d{3})@@\n/g)];
  assert.ok(requests.length <= 1, `${where}: one request per example line\n${context}`);
  const status = requests[0] ? Number(requests[0][1]) : undefined;
  const output = requests[0] ? ran.stdout.slice(0, requests[0].index) : ran.stdout;
  if (status !== undefined) {
    if (step.expect?.status !== undefined) assert.equal(status, step.expect.status, `HTTP status\n${context}`);
    else assert.ok(status >= 200 && status < 300, `HTTP ${status}, the README shows no error status\n${context}`);
  }
  if (process.env.README_TRACE) process.stderr.write(`\n--- ${where} (HTTP ${status ?? '-'}; ${took})\n${text}\n${output.slice(0, 3000)}\n`);
  const json = parseJson(output);
  if (json.ok) state.answers.push(json.value);
  if (step.expect?.answers.length) {
    assert.ok(json.ok, `the README shows a JSON answer; this is not JSON\n${context}`);
    const wrong = answerMismatches(step.expect, json.value);
    assert.deepEqual(wrong, [], `the answer differs from README line ${step.expect.line}\n${context}`);
  } else if (/\s--json\b/.test(text)) {
    assert.ok(json.ok, `--json prints JSON only on stdout\n${context}`);
  } else if (json.ok && (json.value as { success?: unknown } | null)?.success === false) {
    assert.fail(`the README shows no error here\n${context}`);
  }
  learn(output, state);
}

let blocks: Block[] = [];
let formatError: unknown;
try {
  blocks = readBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
} catch (error) {
  formatError = error;
}

test('the README has examples to check, and every fenced block is either shell examples or a known non-example', () => {
  if (formatError) throw formatError;
  const sh = blocks.filter((b) => b.lang === 'sh');
  assert.ok(sh.length >= 10 && sh.reduce((n, b) => n + b.steps.length, 0) >= 60, `${sh.length} sh blocks`);
  // '' = a diagram; 'http' = a request the server sends (test/server/webhooks checks its headers).
  const others = blocks.filter((b) => b.lang !== 'sh').map((b) => `line ${b.line}: ${b.lang || '(none)'}`);
  assert.deepEqual(
    others.filter((o) => !/: (\(none\)|http)$/.test(o)),
    [],
    'a block in another language would escape the check: make it sh, or say here why it is not run',
  );
});

describe('README examples, in order, as one shell session', () => {
  for (const block of blocks.filter((b: Block) => b.lang === 'sh')) {
    test(`line ${block.line} (${block.heading})`, async (t) => {
      const state: BlockState = { learned: new Map(), fresh: new Map(), answers: [] };
      let failed: string | undefined;
      for (const step of block.steps) {
        const name = `line ${step.line}: ${step.text.slice(0, 100)}`;
        const skip = failed ? `not run: ${failed} failed, and later lines build on it` : NOT_RUN.find((n) => n.command.test(step.text))?.why;
        if (skip) {
          await t.test(name, { skip }, () => undefined);
          continue;
        }
        await t.test(name, async () => {
          try {
            await runStep(step, state);
          } catch (error) {
            failed = `line ${step.line}`;
            throw error;
          }
        });
      }
      if (failed) assert.fail(`README ${failed} failed`);
    });
  }
});
