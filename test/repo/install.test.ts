/**
 * Installing and running the project with npm: npm is not silenced (installs show their
 * progress), so the CLI's `--json` is clean only as the README runs it (`npm run --silent
 * connect -- … --json`); every install script in the lockfile has been reviewed in
 * package.json "allowScripts"; and `.ci/run` makes npm refuse an unreviewed one where npm
 * can (`--strict-allow-scripts`), which the test checks with a stand-in `npm` on PATH.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_KEY } from '../server/helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type Ran = { code: number | null; stdout: string; stderr: string };

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kc-install-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, CONNECT_DB: join(dir, 'connect.db'), CONNECT_ENCRYPTION_KEY: TEST_KEY });

test('npm is not silenced by the project, and `npm run --silent connect -- … --json` prints JSON only', async () => {
  // One after the other: two first opens of one new database file would race on its migrations.
  const loud = await run('npm', ['run', 'connect', '--', 'client', 'list', '--json'], baseEnv());
  const silent = await run('npm', ['run', '--silent', 'connect', '--', 'client', 'list', '--json'], baseEnv());
  assert.equal(loud.code, 0, loud.stderr);
  assert.match(loud.stdout, /^\s*> kryptos-connect@[\d.]+ connect\n/, 'npm prints its banner (no loglevel=silent in the project config)');
  assert.equal(silent.code, 0, silent.stderr);
  assert.deepEqual(JSON.parse(silent.stdout), [], silent.stdout);
});

test('every install script in the lockfile is reviewed in package.json "allowScripts"', async (t) => {
  const help = await run('npm', ['install-scripts', '--help'], baseEnv());
  if (help.code !== 0) return t.skip(`npm ${(await run('npm', ['--version'], baseEnv())).stdout.trim()} has no install-scripts command to list them`);
  const ls = await run('npm', ['install-scripts', 'ls', '--loglevel=notice'], baseEnv());
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout + ls.stderr, /No packages with unreviewed install scripts/);
  const { allowScripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
  assert.equal(allowScripts['better-sqlite3'], true, 'better-sqlite3 must build: nothing runs without it');
});

/** A stand-in `npm` that records its arguments, knows --strict-allow-scripts or not, and fails `npm test`. */
function fakeNpm(knowsStrict: boolean): { bin: string; log: string } {
  const bin = mkdtempSync(join(dir, 'bin-'));
  const log = join(bin, 'calls.log');
  writeFileSync(
    join(bin, 'npm'),
    `#!/usr/bin/env bash
echo "$*" >> '${log}'
case "$*" in
  "--version") echo 10.9.9 ;;
  "ci --help") echo "npm ci [--ignore-scripts]${knowsStrict ? ' [--strict-allow-scripts]' : ''} [--no-audit]" ;;
  "test") exit 99 ;; # stops .ci/run here: what it runs after the suite is not this test's business
esac
exit 0
`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  return { bin, log };
}

test('.ci/run installs with --strict-allow-scripts when npm knows it, and says so when it does not', async (t) => {
  // .ci/run installs Chromium with apt-get when it is missing: only run it where it is there.
  if (!existsSync('/usr/bin/chromium')) return t.skip('/usr/bin/chromium is missing and .ci/run would apt-get install it');
  for (const knowsStrict of [true, false]) {
    const npm = fakeNpm(knowsStrict);
    const r = await run(join(ROOT, '.ci', 'run'), [], { ...baseEnv(), PATH: `${npm.bin}:${process.env.PATH}` });
    assert.equal(r.code, 99, `.ci/run goes on to the suite (the stand-in's "npm test" ends it with 99)\n${r.stderr}`);
    const calls = readFileSync(npm.log, 'utf8').trim().split('\n');
    const install = calls.find((c) => c.startsWith('ci ') && c !== 'ci --help');
    assert.ok(install, calls.join('\n'));
    assert.equal(install.split(' ').includes('--strict-allow-scripts'), knowsStrict, install);
    assert.equal(calls.at(-1), 'test', 'then the test suite');
    if (!knowsStrict) assert.match(r.stdout, /has no --strict-allow-scripts/);
  }
});
