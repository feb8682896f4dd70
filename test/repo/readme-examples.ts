/**
 * Reads the shell examples of a Markdown file and what they are documented to answer, and
 * compares answers with it. The conventions (README "The examples in this README are tested"):
 *
 * - Every fenced `sh` block is a run of commands in one shell session, in document order.
 *   A line ending in `\` continues on the next one. `NAME=value` lines set shell variables
 *   that later commands use, in later blocks too.
 * - `# → <json>` after a command (on its line or the next ones) is the answer it gives;
 *   `# → 202 <json>` also gives the HTTP status (without one: any 2xx); `#   or <json>`
 *   adds an alternative; a JSON text may continue over the following comment lines.
 *   The answer must hold every field shown, equal to it, where `"…"` stands for any value,
 *   `…` inside a string for any text, and `"…"` as the last element of an array for any
 *   further elements. Fields not shown may be there.
 * - A comment that shows an answer without `→` (`# {…}`, `# 202 {…}`) is refused: shown
 *   answers are checked, or they are prose that does not look like one.
 */

export type Expectation = { line: number; status?: number; answers: unknown[] };
export type Step = { line: number; kind: 'assign' | 'run'; text: string; expect?: Expectation };
export type Block = { line: number; lang: string; heading: string; steps: Step[] };

export class ReadmeFormatError extends Error {}

/** The fenced blocks of `markdown` with the heading they stand under; `sh` blocks parsed into steps. */
export function readBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!fence) {
      if (/^#{1,6} /.test(lines[i]!)) heading = lines[i]!.replace(/^#+ /, '');
      continue;
    }
    const start = i + 1;
    const body: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i]!)) body.push(lines[i]!);
    const lang = fence[1]!;
    blocks.push({ line: start, lang, heading, steps: lang === 'sh' ? parseSteps(body, start + 1) : [] });
  }
  return blocks;
}

const ASSIGNMENT = /^[A-Za-z_]\w*=(?:\([^)]*\)|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"()]*)$/;
const LOOKS_LIKE_AN_ANSWER = /^(?:\d{3}\s*)?[{[]/;

/** Splits `text` at its first shell comment (a `#` after whitespace, outside quotes). */
export function splitComment(text: string): [code: string, comment: string | undefined] {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return [text.slice(0, i).trimEnd(), text.slice(i + 1).trim()];
  }
  return [text.trimEnd(), undefined];
}

function parseSteps(body: string[], firstLine: number): Step[] {
  const steps: Step[] = [];
  let pending: { expect: Expectation; text: string } | undefined; // an answer whose JSON continues on the next comment line
  const fail = (line: number, message: string): never => {
    throw new ReadmeFormatError(`README line ${line}: ${message}`);
  };
  const settle = () => {
    if (!pending) return;
    if (pending.text !== '') {
      try {
        pending.expect.answers.push(JSON.parse(pending.text));
      } catch {
        return; // not complete yet
      }
    }
    pending = undefined;
  };
  const unfinished = () => pending && fail(pending.expect.line, `the answer shown is not JSON: ${pending.text}`);
  const comment = (line: number, text: string) => {
    if (pending) {
      pending.text += text;
      return settle();
    }
    const arrow = /^→\s*(?:(\d{3})\b\s*)?(.*)$/.exec(text);
    const or = /^or\s+(.*)$/.exec(text);
    const last = steps.at(-1);
    if (arrow) {
      if (!last || last.kind !== 'run') return fail(line, '"→" without a command before it');
      if (last.expect) return fail(line, 'a second "→" for one command (use "or")');
      last.expect = { line, status: arrow[1] ? Number(arrow[1]) : undefined, answers: [] };
      pending = { expect: last.expect, text: arrow[2]!.trim() };
    } else if (or && last?.expect) {
      pending = { expect: last.expect, text: or[1]!.trim() };
    } else if (LOOKS_LIKE_AN_ANSWER.test(text)) {
      return fail(line, `an answer shown without "→": ${text}`);
    }
    settle();
  };

  for (let i = 0; i < body.length; i++) {
    const line = firstLine + i;
    let text = body[i]!;
    while (text.endsWith('\\') && i + 1 < body.length) text = text.slice(0, -1) + body[++i]!;
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      comment(line, trimmed.replace(/^#\s*/, ''));
      continue;
    }
    unfinished();
    const [code, note] = splitComment(trimmed);
    steps.push({ line, kind: ASSIGNMENT.test(code) ? 'assign' : 'run', text: code });
    if (note !== undefined) comment(line, note);
  }
  unfinished();
  return steps;
}

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 200);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where `actual` differs from the documented `expected` (empty when it matches). */
export function mismatches(expected: unknown, actual: unknown, path = '$'): string[] {
  if (expected === '…') return [];
  if (typeof expected === 'string') {
    if (typeof actual !== 'string') return [`${path}: expected a string like ${show(expected)}, got ${show(actual)}`];
    const pattern = new RegExp(`^${expected.split('…').map(escape).join('[\\s\\S]*')}$`);
    return pattern.test(actual) ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${show(actual)}`];
    const open = expected.at(-1) === '…';
    const items = open ? expected.slice(0, -1) : expected;
    if (open ? actual.length < items.length : actual.length !== items.length) {
      return [`${path}: expected ${open ? 'at least ' : ''}${items.length} element(s), got ${actual.length}`];
    }
    return items.flatMap((e, i) => mismatches(e, actual[i], `${path}[${i}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected an object, got ${show(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => {
      if (key === '…') return [];
      if (!(key in actual)) return [`${path}.${key}: missing`];
      return mismatches(value, (actual as Record<string, unknown>)[key], `${path}.${key}`);
    });
  }
  return Object.is(expected, actual) ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

/** The answer matches one of the documented alternatives: none of them → the mismatches of each. */
export function answerMismatches(expect: Expectation, actual: unknown): string[] {
  const shown = expect.answers.filter((a) => a !== undefined);
  if (shown.length === 0) return [];
  const each = shown.map((a) => mismatches(a, actual));
  if (each.some((m) => m.length === 0)) return [];
  return each.flatMap((m, i) => (shown.length > 1 ? m.map((x) => `alternative ${i + 1}: ${x}`) : m));
}
