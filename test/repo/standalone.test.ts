/**
 * The repository stands alone: someone who clones it finds everything a file points at
 * inside it. No tracked file names a path outside the clone — a relative path that climbs
 * above the repository root (the sibling folder of notes this project was written beside),
 * or an absolute path of the machine it was written on (under work, home, root or Users, also
 * as a file URL). Example paths of a deployment (`/var/lib/kryptos/connect.db`) and system
 * tools (`/usr/bin/chromium`) are not references to this repository's surroundings and stay
 * allowed. This file spells the patterns it looks for in pieces, so it passes its own check
 * (and `git grep` for them finds nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Tracked files (and new ones not ignored), as `git ls-files` lists them. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\0').filter(Boolean);
}

const MACHINE_PATH = new RegExp(String.raw`(?:(?<![\w.:/-])|file:/{2})/(?:work|home|root|Users)/`, 'g');
const CLIMB = /(?<![\w.])(?:\.\.\/)+[\w.@-]*/g;

type Finding = { file: string; line: number; text: string; why: string };

/** Every place in `text` (the content of `file`, relative to the root) that points outside the repository. */
export function outsideReferences(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((lineText, i) => {
    for (const m of lineText.matchAll(MACHINE_PATH)) findings.push({ file, line: i + 1, text: lineText.trim(), why: `machine path ${m[0]}` });
    for (const m of lineText.matchAll(CLIMB)) {
      const target = resolve(ROOT, dirname(file), m[0]);
      const inside = relative(ROOT, target);
      if (inside === '..' || inside.startsWith(`..${sep}`)) findings.push({ file, line: i + 1, text: lineText.trim(), why: `${m[0]} leaves the repository` });
    }
  });
  return findings;
}

const UP = '..';
const SLASH = '/';

test('the checker finds what it is for (a climb above the root, machine paths) and lets repository paths pass', () => {
  assert.equal(outsideReferences('README.md', `see \`${UP}/shared/SECURITY.md\``).length, 1);
  assert.equal(outsideReferences('server/x.ts', `import '${UP}/${UP}/shared/x.ts';`).length, 1);
  assert.equal(outsideReferences('docs/x.md', `at ${SLASH}work${SLASH}shared/reference/kryptos-connect.md`).length, 1);
  assert.equal(outsideReferences('docs/x.md', `open file:${SLASH}${SLASH}${SLASH}home/me/x.html`).length, 1);
  assert.equal(outsideReferences('test/server/x.ts', "import { a } from '../../server/a.ts';").length, 0);
  assert.equal(outsideReferences('widget/steps/a.ts', "import { shared } from '../shared.styles.ts';").length, 0);
  assert.equal(outsideReferences('README.md', 'CONNECT_DB=/var/lib/kryptos/connect.db and https://example.com/home/x').length, 0);
});

test('no file of the repository references a path outside it', () => {
  const findings: Finding[] = [];
  let read = 0;
  for (const file of repositoryFiles()) {
    let content: Buffer;
    try {
      content = readFileSync(join(ROOT, file));
    } catch {
      continue; // deleted in the working tree
    }
    if (content.includes(0)) continue; // binary (screenshots)
    read++;
    findings.push(...outsideReferences(file, content.toString('utf8')));
  }
  assert.ok(read > 100, `read ${read} text files`);
  assert.deepEqual(
    findings.map((f) => `${f.file}:${f.line}: ${f.why}: ${f.text.slice(0, 160)}`),
    [],
  );
});

test('the public contract and the threat model the code cites are in docs/', () => {
  const contract = readFileSync(join(ROOT, 'docs/reference/kryptos-connect.md'), 'utf8');
  assert.match(contract, /^## 4\. Connect session endpoints/m);
  assert.match(contract, /^## 8\. Data API v1/m);
  const security = readFileSync(join(ROOT, 'docs/security-model.md'), 'utf8');
  for (const id of ['T1', 'T8', 'T11', 'T16', 'T32', 'T40']) assert.match(security, new RegExp(`^\\| ${id} \\|`, 'm'), id);
  assert.match(security, /^## Decisions/m);
});
