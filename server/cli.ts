/**
 * `npm run connect -- <command>`: the developer portal on the command line (clients,
 * audit trail), online backups and the development outbox. Opens the same database file
 * as the server (CONNECT_DB); safe while the server runs (WAL, busy_timeout).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config.ts';
import { openDatabase, backupDatabase } from './db/database.ts';
import { createGroupCommit } from './db/group-commit.ts';
import { HttpError } from './errors.ts';
import { ZodError } from 'zod';
import { listAudit } from './audit.ts';
import { readOutbox } from './mailer.ts';
import { listActiveClients } from './clients/clients.repository.ts';
import { clientView, createClient, deleteClient, getClient, rotateClientSecret, updateClient, type ClientUpdate } from './clients/clients.service.ts';
import { createSealer } from './crypto.ts';
import { removeWebhook, rotateWebhookSecret, setWebhook, showWebhook } from './webhooks/webhooks.service.ts';
import { listDeliveries } from './webhooks/outbox.repository.ts';
import { listKeys, rotateSigningKey } from './oauth/keys.ts';

const USAGE = `Usage: npm run connect -- <command>

  client create --name <name> [--origin <url>]... [--redirect-uri <url>]... [--scopes "<a b c>"]
                [--logo <url>] [--privacy-policy <url>] [--terms <url>] [--description <text>] [--production] [--json]
  client list [--json]
  client show <client_id> [--json]
  client update <client_id> [--name <name>] [--origin <url>]... [--redirect-uri <url>]... [--scopes "<…>"]
                [--logo <url>] [--privacy-policy <url>] [--terms <url>] [--description <text>] [--production | --sandbox] [--json]
                (an empty value, e.g. --terms "", removes a link)
  client rotate-secret <client_id> [--grace <minutes>] [--json]
  client delete <client_id> [--json]
  audit <client_id> [--limit <n>] [--json]
  webhook set <client_id> --url <url> [--json]        (prints the signing secret once, when new)
  webhook show <client_id> [--json]
  webhook rotate-secret <client_id> [--json]          (prints the new secret once)
  webhook remove <client_id> [--json]
  webhook deliveries <client_id> [--limit <n>] [--json]
  oauth keys [--json]                                 (the id_token signing keys: signing, published, expired)
  oauth rotate-keys [--json]                          (a new signing key now; the old one stays published 7 days)
  backup <file>
  outbox [--to <email>] [--limit <n>]

Environment: CONNECT_DB (default data/connect.db). With --json, run \`npm run --silent connect -- …\`: npm prints its
banner on stdout otherwise.`;

const options = {
  name: { type: 'string' },
  origin: { type: 'string', multiple: true },
  'redirect-uri': { type: 'string', multiple: true },
  scopes: { type: 'string' },
  logo: { type: 'string' },
  'privacy-policy': { type: 'string' },
  terms: { type: 'string' },
  description: { type: 'string' },
  production: { type: 'boolean' },
  sandbox: { type: 'boolean' },
  url: { type: 'string' },
  json: { type: 'boolean' },
  grace: { type: 'string' },
  limit: { type: 'string' },
  to: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

/** Where the CLI reads its environment and writes its lines: the process, or a test's buffers. */
export type CliIo = { env: NodeJS.ProcessEnv; cwd: string; stdout(line: string): void; stderr(line: string): void };

const processIo: CliIo = {
  env: process.env,
  cwd: process.cwd(),
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one command; the answer is the exit status (0 done, 1 refused or failed, 64 usage). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`${(error as Error).message}\n\n${USAGE}`);
      return 64;
    }
    if (error instanceof HttpError) io.stderr(`${error.code}: ${error.message}`);
    else if (error instanceof ZodError) io.stderr(`Invalid input:\n  ${error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('\n  ')}`);
    else if (error instanceof ConfigError) io.stderr(error.message);
    else io.stderr(String((error as Error)?.stack ?? error));
    return 1;
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: v, positionals: p } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  if (v.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (p.length === 0) {
    io.stderr(USAGE);
    return 64;
  }
  const config = loadConfig(io.env);
  const { db, sqlite } = await openDatabase(config.dbFile);
  // The CLI's writes go through its own group commit, like the server's.
  const write = createGroupCommit(db);
  const out = (human: string, json: unknown) => io.stdout(v.json ? JSON.stringify(json, null, 2) : human);
  const now = Date.now();
  try {
    const [cmd, sub, id] = p;
    if (cmd === 'client' && sub === 'create') {
      if (!v.name) throw new UsageError('client create needs --name');
      const created = await createClient(write, now, {
        name: v.name,
        origins: v.origin,
        redirect_uris: v['redirect-uri'],
        scopes: v.scopes,
        logo_url: v.logo,
        description: v.description,
        sandbox: !v.production,
        privacy_policy_url: v['privacy-policy'] || undefined,
        terms_url: v.terms || undefined,
      });
      if (v.json) io.stdout(JSON.stringify(created));
      else
        io.stdout(
          `Created ${created.sandbox ? 'sandbox' : 'production'} client\n  client_id:     ${created.client_id}\n  client_secret: ${created.client_secret}\n\nThe secret is shown only this once; store it in your backend's secret manager.`,
        );
    } else if (cmd === 'client' && sub === 'list') {
      const clients = (await listActiveClients(db)).map(clientView);
      out(clients.map((c) => `${c.client_id}  ${c.sandbox ? 'sandbox   ' : 'production'}  ${c.name}`).join('\n') || 'No clients.', clients);
    } else if (cmd === 'client' && sub === 'show' && id) {
      const c = clientView(await getClient(db, id));
      out(
        Object.entries(c)
          .map(([k, val]) => `${k.padEnd(26)} ${Array.isArray(val) ? val.join(', ') || '-' : String(val ?? '-')}`)
          .join('\n'),
        c,
      );
    } else if (cmd === 'client' && sub === 'update' && id) {
      if (v.production && v.sandbox) throw new UsageError('choose one of --production and --sandbox');
      const update: ClientUpdate = {};
      if (v.name !== undefined) update.name = v.name;
      if (v.origin !== undefined) update.origins = v.origin;
      if (v['redirect-uri'] !== undefined) update.redirect_uris = v['redirect-uri'];
      if (v.scopes !== undefined) update.scopes = v.scopes;
      if (v.logo !== undefined) update.logo_url = v.logo;
      if (v['privacy-policy'] !== undefined) update.privacy_policy_url = v['privacy-policy'] || null;
      if (v.terms !== undefined) update.terms_url = v.terms || null;
      if (v.description !== undefined) update.description = v.description;
      if (v.production) update.sandbox = false;
      if (v.sandbox) update.sandbox = true;
      const c = clientView(await updateClient(write, now, id, update));
      out(`Updated ${c.client_id}`, c);
    } else if (cmd === 'client' && sub === 'rotate-secret' && id) {
      const r = await rotateClientSecret(write, now, id, int(v.grace, 'grace', 0));
      out(
        `New client_secret: ${r.client_secret}\n${r.previous_secret_expires_at ? `The old secret works until ${r.previous_secret_expires_at}.` : 'The old secret no longer works.'}`,
        r,
      );
    } else if (cmd === 'client' && sub === 'delete' && id) {
      const r = await deleteClient(write, now, id);
      out(`Deleted ${id}; ${r.grants_revoked} grant(s) revoked.`, r);
    } else if (cmd === 'audit' && sub) {
      await getClient(db, sub);
      const events = await listAudit(db, sub, int(v.limit, 'limit', 50));
      out(
        events
          .map((e) => `${e.created_at}  ${e.outcome === 'failure' ? 'FAIL' : 'ok  '}  ${e.event.padEnd(24)} ${e.ip ?? ''} ${JSON.stringify(e.details)}`)
          .join('\n') || 'No events.',
        events,
      );
    } else if (cmd === 'webhook' && sub === 'set' && id) {
      if (!v.url) throw new UsageError('webhook set needs --url');
      const url = v.url;
      const r = await write((trx) => setWebhook(trx, createSealer(config.encryptionKey), now, id, url, config.webhookPrivateTargets));
      out(
        `Webhook of ${id}: ${r.url}\n${r.secret ? `  signing secret: ${r.secret}\n\nThe secret is shown only this once; verify X-Webhook-Signature with it.` : 'The signing secret is unchanged (rotate it with: webhook rotate-secret).'}`,
        r,
      );
    } else if (cmd === 'webhook' && sub === 'show' && id) {
      const r = await showWebhook(db, id);
      out(`Webhook of ${id}: ${r.url ?? '(none)'}\n  secret: ${r.has_secret ? `set ${r.secret_created_at}` : 'none'}\n  events: ${r.events.join(', ')}`, r);
    } else if (cmd === 'webhook' && sub === 'rotate-secret' && id) {
      const r = await write((trx) => rotateWebhookSecret(trx, createSealer(config.encryptionKey), now, id));
      out(`New signing secret: ${r.secret}\nIt signs every delivery from now on; the old one no longer does.`, r);
    } else if (cmd === 'webhook' && sub === 'remove' && id) {
      const r = await write((trx) => removeWebhook(trx, now, id));
      out(`Webhook of ${id} removed.`, r);
    } else if (cmd === 'webhook' && sub === 'deliveries' && id) {
      await getClient(db, id);
      const rows = await listDeliveries(db, id, int(v.limit, 'limit', 20));
      out(
        rows
          .map(
            (d) =>
              `${new Date(d.created_at).toISOString()}  ${d.id}  ${d.event.padEnd(20)} ${d.status.padEnd(9)} attempts ${d.attempts}${d.last_status ? ` last HTTP ${d.last_status}` : ''}${d.last_error ? ` (${d.last_error})` : ''}`,
          )
          .join('\n') || 'No deliveries.',
        rows,
      );
    } else if (cmd === 'oauth' && sub === 'keys') {
      const keys = await listKeys(db, now);
      out(
        keys.map((k) => `${k.kid}  ${k.alg}  ${k.state.padEnd(9)}  created ${k.created_at}${k.retired_at ? `  retired ${k.retired_at}` : ''}`).join('\n') ||
          'No keys yet (the first is made on first use).',
        keys,
      );
    } else if (cmd === 'oauth' && sub === 'rotate-keys') {
      const kid = await rotateSigningKey(write, createSealer(config.encryptionKey), now);
      out(`New signing key ${kid}; the previous one stays in the JWKS for 7 days.`, { kid });
    } else if (cmd === 'backup' && sub) {
      // npm runs scripts in the project root; a relative path means where the user typed the command.
      const file = resolve(io.env.INIT_CWD ?? io.cwd, sub);
      const r = await backupDatabase(sqlite, file);
      out(`Backed up ${config.dbFile} to ${file} (${r.totalPages} pages).`, { file, pages: r.totalPages });
    } else if (cmd === 'outbox') {
      const mails = await readOutbox(db, v.to, int(v.limit, 'limit', 10));
      out(mails.map((m) => `#${m.id} ${new Date(m.created_at).toISOString()} to ${m.to_address}\n  ${m.subject}`).join('\n') || 'The outbox is empty.', mails);
    } else {
      throw new UsageError(`Unknown command: ${p.join(' ')}`);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}

// Run as a program (npm run connect); imported by the tests, it only exports runCli.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
