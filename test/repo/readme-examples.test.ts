/** The README example reader and matcher themselves: what they accept, what they refuse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mismatches, readBlocks, ReadmeFormatError, splitComment } from './readme-examples.ts';

const sh = (...lines: string[]) => ['# Title', '', '```sh', ...lines, '```', ''].join('\n');

test('a block becomes assignments and commands with the answers shown after them', () => {
  const [block] = readBlocks(
    sh(
      'H=(-H "X: $Y")',
      'curl -s localhost:4000/health   # → {"status":"OK"}',
      'curl -s -d \'{"a":"# not a comment"}\' localhost:4000/x',
      '# → 201 {"data":{"id":"rpt_…",',
      '#     "status":"queued"}}',
      '#   or {"error":"…"}',
      '# a comment in prose',
      'npm run connect -- client list \\',
      '  --json',
    ),
  );
  assert.equal(block!.heading, 'Title');
  assert.deepEqual(
    block!.steps.map((s) => [s.line, s.kind, s.text]),
    [
      [4, 'assign', 'H=(-H "X: $Y")'],
      [5, 'run', 'curl -s localhost:4000/health'],
      [6, 'run', 'curl -s -d \'{"a":"# not a comment"}\' localhost:4000/x'],
      [11, 'run', 'npm run connect -- client list   --json'],
    ],
  );
  assert.deepEqual(block!.steps[1]!.expect, { line: 5, status: undefined, answers: [{ status: 'OK' }] });
  assert.deepEqual(block!.steps[2]!.expect, { line: 7, status: 201, answers: [{ data: { id: 'rpt_…', status: 'queued' } }, { error: '…' }] });
});

test('answers shown without →, unfinished JSON and → without a command are refused', () => {
  for (const lines of [['curl x', '# {"a":1}'], ['curl x', '# 202 {"a":1}'], ['curl x', '# → {"a":'], ['# → {}'], ['curl x  # → {"a":1}', '# → {"b":2}']]) {
    assert.throws(() => readBlocks(sh(...lines)), ReadmeFormatError, lines.join(' / '));
  }
  assert.deepEqual(splitComment('echo \'a # b\' "c # d"  # e'), ['echo \'a # b\' "c # d"', 'e']);
});

test('the matcher: shown fields must be there and equal; … stands for anything; extra fields pass', () => {
  const actual = { success: true, data: { id: 'rpt_123', list: [1, 2, 3], n: 5, extra: 'x' } };
  assert.deepEqual(mismatches({ success: true, data: { id: 'rpt_…', list: [1, '…'], n: '…' } }, actual), []);
  assert.deepEqual(mismatches({ data: { id: 'cat_…' } }, actual), ['$.data.id: expected "cat_…", got "rpt_123"']);
  assert.deepEqual(mismatches({ data: { missing: '…' } }, actual), ['$.data.missing: missing']);
  assert.deepEqual(mismatches({ data: { list: [1, 2] } }, actual), ['$.data.list: expected 2 element(s), got 3']);
  assert.deepEqual(mismatches({ data: { list: [1, 2, 3, 4, '…'] } }, actual), ['$.data.list: expected at least 4 element(s), got 3']);
  assert.deepEqual(mismatches({ success: false }, actual), ['$.success: expected false, got true']);
  assert.deepEqual(mismatches({ has_valid_session: true }, actual), ['$.has_valid_session: missing'], 'an unwrapped answer is not the envelope');
  assert.deepEqual(mismatches({ data: { n: '5' } }, actual), ['$.data.n: expected a string like "5", got 5']);
});
