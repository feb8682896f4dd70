/**
 * Helpers shared by the security and reliability tests: error-envelope assertions, row
 * counts of every table, connect servers in child processes on one database file, and a
 * tiny SMTP sink (so sign-in codes travel the production path instead of the dev outbox).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type SQLite from 'better-sqlite3';
import { CONNECT_ERROR_STATUS, type ConnectErrorCode } from '../../../server/errors.ts';
import { TEST_KEY, type Reply } from '../helpers.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SERVER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'server-process.ts');

/** Asserts the Connect error envelope and the status CONNECT_ERROR_STATUS gives the code. */
export function expectError(r: Reply, code: ConnectErrorCode, note = ''): void {
  const where = `${note} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
  assert.equal(r.body?.code, code, where);
  assert.equal(r.status, CONNECT_ERROR_STATUS[code], where);
  assert.equal(r.body.success, false, where);
  assert.equal(typeof r.body.error, 'string', where);
  assert.ok(r.body.error.length > 0, where);
}

/** Every table of the schema (read from sqlite_master, so new migrations are covered). */
export function tableNames(sqlite: SQLite.Database): string[] {
  return sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name")
    .pluck()
    .all() as string[];
}

/** Row count of every table. */
export function tableCounts(sqlite: SQLite.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tableNames(sqlite)) out[t] = sqlite.prepare(`select count(*) from "${t}"`).pluck().get() as number;
  return out;
}

/** Rows inserted, updated or deleted by this connection since it opened (SQLite total_changes()). */
export function totalChanges(sqlite: SQLite.Database): number {
  return sqlite.prepare('select total_changes()').pluck().get() as number;
}

export type ChildServer = { url: string; child: ChildProcess; output: string[]; stop(): Promise<void>; kill9(): Promise<void> };

/** `node --import tsx server-process.ts`: a connect server (system clock) on `dbFile`, port 0. */
export async function spawnServer(dbFile: string, env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      KC_TEST_SYNC: process.env.KC_TEST_SYNC,
      NODE_ENV: 'test',
      CONNECT_PORT: '0',
      CONNECT_DB: dbFile,
      CONNECT_ENCRYPTION_KEY: TEST_KEY,
      LOG_LEVEL: 'warn',
      CONNECT_RATE_LIMIT_PER_MINUTE: '10000000',
      CONNECT_IP_RATE_LIMIT_PER_MINUTE: '10000000',
      CONNECT_AUTH_FAILURES_PER_15_MINUTES: '1000000',
      CONNECT_OTP_REQUESTS_PER_HOUR: '10000',
      CONNECT_GUESTS_PER_IP_PER_HOUR: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server child did not start in 60 s:\n${output.join('')}`));
    }, 60_000);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(String(chunk));
      buffered += String(chunk);
      const m = /"url":"(http:\/\/[^"]+)"/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(String(chunk)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited with ${code} before listening:\n${output.join('')}`));
    });
  });
  return {
    url,
    child,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export type SmtpSink = { url: string; mails: { to: string; data: string }[]; close(): Promise<void> };

/** Accepts mail over plain SMTP on 127.0.0.1 and keeps it in memory (no STARTTLS offered). */
export async function smtpSink(): Promise<SmtpSink> {
  const mails: { to: string; data: string }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    let to = '';
    let data = '';
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink ESMTP');
    socket.on('data', (chunk) => {
      buffer += String(chunk);
      let i: number;
      while ((i = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push({ to, data });
            data = '';
            reply('250 queued');
          } else data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 sink');
        else if (verb === 'RCPT') {
          to = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('250 ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The six-digit code in the last mail sent to `email` (SMTP sink). */
export function codeFromSink(sink: SmtpSink, email: string): string {
  const mail = [...sink.mails].reverse().find((m) => m.to === email);
  const code = mail && /\b(\d{6})\b/.exec(mail.data)?.[1];
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}

/** Runs `fn` over `items` with at most `width` in flight. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
