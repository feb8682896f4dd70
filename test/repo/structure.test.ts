/**
 * The structure a second database engine relies on, checked on the source tree:
 * - SQL lives only in repositories (`*.repository.ts`) and in `server/db/`;
 * - there is one writer: nothing outside `server/db/` opens its own transaction
 *   (`writeTransaction`, `db.transaction()`) — every write goes through the group commit;
 * - the raw SQLite handle stays inside `server/db/`;
 * - no module imports itself back through a cycle (madge over server/, bff/, widget/, contract/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Lines of `file` that match `pattern`, as `file:line: text`. */
function offending(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) && !/^\s*(\*|\/\/)/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  );
}

const server = sources('server');
const outsideDb = server.filter((f) => !f.startsWith('server/db/'));
const outsideRepositories = outsideDb.filter((f) => !f.endsWith('.repository.ts'));

test('SQL is written only in repositories and server/db/', () => {
  const sql =
    /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|selectNoFrom)\(|\bsql(`|\.(raw|ref|table|lit|id|join)\()|^import \{[^}]*\b(sql|Kysely)\b[^}]*\} from 'kysely'/;
  assert.deepEqual(offending(outsideRepositories, sql), [], 'move these statements into a *.repository.ts file');
});

test('one writer: no transaction is opened outside server/db/', () => {
  assert.deepEqual(offending(outsideDb, /\bwriteTransaction\(|\.transaction\(\)/), [], 'write through the group-commit Writer instead');
});

test('the raw SQLite handle stays inside server/db/', () => {
  assert.deepEqual(offending(outsideDb, /from 'better-sqlite3'|\.sqlite\b/), [], 'only server/db/ may know the database is SQLite');
});

test('no import cycles', async () => {
  const graph = await madge(
    ['server', 'bff', 'widget', 'contract'].map((d) => join(ROOT, d)),
    {
      baseDir: ROOT,
      fileExtensions: ['ts'],
      tsConfig: join(ROOT, 'tsconfig.json'),
    },
  );
  assert.deepEqual(graph.circular(), [], 'these modules import each other in a cycle');
});
