/**
 * The background sync runner over the persisted `sync_jobs` queue. It claims due jobs (a
 * conditional UPDATE: two processes never run one job), runs up to `concurrency` at once,
 * renews their leases, re-queues jobs a crashed process left running, retries failures
 * with exponential backoff and ends in `failed` with the reason after `maxAttempts`.
 *
 * A job runs the source's functions one by one — Balances, Defi Balances, NFT Holdings,
 * Transactions — each in short write transactions with no network I/O inside, then fills
 * daily prices and re-runs the workspace's cost-basis pass. The integration shows ONGOING
 * while queued or running, then COMPLETED, PARTIALLY SYNCED (some functions failed, or the
 * transaction limit was reached) or FAILED, with `sync_log` per function.
 */
import { sanitizeSourceError } from './error-text.ts';
import { ensureFxRates, workspaceCurrency } from '../prices/fx.ts';
import type { Db } from '../db/database.ts';
import type { Integration } from '../db/tables.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Sealer } from '../crypto.ts';
import type { Writer } from '../db/group-commit.ts';
import * as jobs from './jobs.repository.ts';
import * as store from './portfolio.repository.ts';
import { computeCostBasis } from './cost-basis.ts';
import type { TaxPasses } from '../tax/pass.ts';
import { createPoller } from '../lib/poller.ts';
import { effectiveTransactionLimit, limitMessage } from './limits.ts';
import type { SourceRegistry } from './sources/registry.ts';
import { PermanentSourceError, type Source, type SyncContext } from './source.ts';
import { dayOf } from '../lib/time.ts';

export type SyncFunction = 'Balances' | 'Defi Balances' | 'NFT Holdings' | 'Transactions';
export type SyncLogEntry = { status: 'COMPLETED' | 'FAILED'; message?: string; limitExceeded?: boolean };
export type SyncLog = Partial<Record<SyncFunction, SyncLogEntry>>;

export type SyncRunnerOptions = {
  concurrency: number;
  maxAttempts: number;
  /** Delay before retry number `attempt` + 1 (attempt counts from 1). */
  backoffMs: (attempt: number) => number;
  pollMs: number;
  leaseMs: number;
  clock: Clock;
  sources: SourceRegistry;
};

export type SyncEngine = {
  start(): Promise<void>;
  /** Stops claiming, aborts running jobs and puts them back in the queue. */
  stop(): Promise<void>;
  /** Queues syncs (through group commit) and wakes the runner; returns the job ids. */
  queue(integrationIds: string[], mode: jobs.SyncMode): Promise<string[]>;
  /** Wakes the runner after jobs were queued by someone else's transaction. */
  kick(): void;
  /** Resolves when no job is queued or running (tests). */
  waitIdle(timeoutMs?: number): Promise<void>;
};

/** What the runner uses (start.ts hands it these). */
export type SyncDeps = { db: Db; logger: Logger; sealer: Sealer; write: Writer; taxPasses: TaxPasses };

export const defaultBackoff = (attempt: number) => Math.min(30_000 * 2 ** (attempt - 1), 3_600_000);

const FUNCTIONS: SyncFunction[] = ['Balances', 'Defi Balances', 'NFT Holdings', 'Transactions'];
const PRICE_HISTORY_DAYS = 800;

class Aborted extends Error {
  override name = 'AbortError';
}

/** A source error as partners may see it (sanitised: no URL, header, body or key material; README "Security"). */
const errorText = (e: unknown, secrets: readonly string[] = []) => sanitizeSourceError(e instanceof Error ? e.message : String(e), secrets);

export function createSyncRunner(deps: SyncDeps, options: SyncRunnerOptions): SyncEngine {
  const { db, logger, write } = deps;
  /** The integration's own key material, removed from any error text wherever it appears. */
  const credentialSecrets = (integration: Integration): string[] => {
    if (!integration.credentials) return [];
    try {
      return Object.values(
        JSON.parse(deps.sealer.open(integration.credentials, `integrations:${integration.id}:credentials`)) as Record<string, unknown>,
      ).filter((v): v is string => typeof v === 'string');
    } catch {
      return [];
    }
  };
  const { clock, sources } = options;
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let lastRecover = -Infinity;
  let lastRenew = -Infinity;

  /** Re-queues jobs whose lease ran out, renews the leases of ours, claims due jobs: one write. */
  async function tick(): Promise<void> {
    const now = clock.now();
    const mine = [...active.keys()];
    const recover = now - lastRecover >= options.leaseMs / 2 || now < lastRecover;
    if (recover) lastRecover = now;
    const renew = mine.length > 0 && (now - lastRenew >= options.leaseMs / 3 || now < lastRenew);
    if (renew) lastRenew = now;
    const free = options.concurrency - active.size;
    const claim = free > 0 && poller.running;
    if (!recover && !renew && !claim) return;
    const { requeued, claimed } = await write(async (trx) => ({
      requeued: recover ? await jobs.requeueExpired(trx, now, mine) : 0,
      renewed: renew ? await jobs.renewLeases(trx, now, mine, options.leaseMs) : undefined,
      claimed: claim ? await jobs.claimDueJobs(trx, now, free, options.leaseMs) : [],
    }));
    if (requeued) logger.warn({ jobs: requeued }, 'sync: re-queued jobs left running by a stopped process');
    for (const job of claimed) launch(job);
  }

  const poller = createPoller({
    tick,
    intervalMs: options.pollMs,
    onError: (error) => {
      if (poller.running) logger.error({ err: errorText(error) }, 'sync: runner tick failed');
    },
  });

  function launch(job: jobs.SyncJob) {
    const controller = new AbortController();
    const done = runJob(job, controller.signal)
      .catch((error) => logger.error({ job: job.id, err: errorText(error) }, 'sync: job crashed'))
      .finally(() => {
        active.delete(job.id);
        kick();
      });
    active.set(job.id, { controller, done });
  }

  const kick = () => poller.wake();

  /** The workspace's cost-basis pass (queued after any pass running for it); a failure is logged. */
  function costBasis(workspaceId: string): Promise<void> {
    return computeCostBasis(deps.taxPasses, workspaceId, clock.now()).catch((error: unknown) => {
      logger.error({ workspace: workspaceId, err: errorText(error) }, 'sync: cost-basis pass failed');
    });
  }

  async function runJob(job: jobs.SyncJob, signal: AbortSignal): Promise<void> {
    const integration = await jobs.findIntegration(db, job.integrationId);
    if (!integration || integration.deleted_at !== null) {
      await write((trx) => jobs.finishJob(trx, clock.now(), job.id, 'failed', 'The integration was removed'));
      return;
    }
    let outcome: Outcome;
    try {
      outcome = await syncIntegration(integration, job, signal);
    } catch (error) {
      if (signal.aborted) {
        await write((trx) => jobs.releaseJob(trx, clock.now(), job.id));
        return;
      }
      outcome = { log: {}, errors: [{ fn: null, message: errorText(error, credentialSecrets(integration)), permanent: false }], limited: false, total: null };
    }
    if (signal.aborted) {
      await write((trx) => jobs.releaseJob(trx, clock.now(), job.id));
      return;
    }
    await finish(integration, job, outcome);
  }

  type Outcome = { log: SyncLog; errors: { fn: SyncFunction | null; message: string; permanent: boolean }[]; limited: boolean; total: number | null };

  async function syncIntegration(integration: Integration, job: jobs.SyncJob, signal: AbortSignal): Promise<Outcome> {
    const source: Source = sources.sourceFor(integration);
    const now = clock.now();
    if (job.mode === 'from_start') {
      await write((trx) => store.wipeIntegrationData(trx, integration.id));
      integration = { ...integration, sync_cursor: null };
    }
    const limit = await effectiveTransactionLimit(db, integration.workspace_id, now);
    const used = limit === null ? 0 : await store.countWorkspaceTransactions(db, integration.workspace_id);
    const ctx: SyncContext = {
      integration,
      credentials: () => (integration.credentials ? JSON.parse(deps.sealer.open(integration.credentials, `integrations:${integration.id}:credentials`)) : null),
      cursor: integration.sync_cursor,
      signal,
      allowance: limit === null ? null : Math.max(0, limit - used),
      now,
    };
    const account = { provider: integration.provider, walletId: integration.id, publicAddress: integration.address };
    const chain = integration.chain ?? integration.provider;
    const outcome: Outcome = { log: {}, errors: [], limited: false, total: null };

    const steps: Record<SyncFunction, (() => Promise<void>) | undefined> = {
      Balances: async () => {
        const holdings = await source.balances(ctx);
        await write((trx) => store.replaceBalances(trx, integration, holdings, clock.now()));
      },
      'Defi Balances':
        source.defi &&
        (async () => {
          const positions = await source.defi!(ctx);
          await write((trx) => store.replaceDefi(trx, integration, positions, clock.now()));
        }),
      'NFT Holdings':
        source.nfts &&
        (async () => {
          const nfts = await source.nfts!(ctx);
          await write((trx) => store.replaceNfts(trx, integration, nfts, clock.now()));
        }),
      Transactions: async () => {
        for await (const page of source.transactions(ctx)) {
          if (signal.aborted) throw new Aborted('stopped');
          const stored = await write(async (trx) => {
            await store.upsertAssets(trx, page.assets);
            const r = await store.storeTransactions(trx, integration, account, page.transactions, limit, clock.now());
            if (!r.limited && page.cursor !== null) await jobs.saveSyncCursor(trx, integration.id, page.cursor);
            return r;
          });
          if (stored.limited) {
            outcome.limited = true;
            break;
          }
        }
      },
    };

    for (const fn of FUNCTIONS) {
      const step = steps[fn];
      if (!step) continue;
      if (signal.aborted) throw new Aborted('stopped');
      try {
        await step();
        outcome.log[fn] =
          fn === 'Transactions' && outcome.limited ? { status: 'FAILED', message: limitMessage(chain), limitExceeded: true } : { status: 'COMPLETED' };
      } catch (error) {
        if (signal.aborted) throw error;
        const message = errorText(error, credentialSecrets(integration));
        outcome.log[fn] = { status: 'FAILED', message };
        outcome.errors.push({ fn, message, permanent: error instanceof PermanentSourceError });
        logger.warn({ job: job.id, integration: integration.id, fn, err: message }, 'sync: function failed');
      }
    }
    outcome.total = await store.countIntegrationTransactions(db, integration.id);
    if (outcome.errors.length < Object.keys(outcome.log).length) {
      await fillPrices(integration, signal);
      await costBasis(integration.workspace_id);
    }
    return outcome;
  }

  /** Daily prices for every asset the integration touches, from the last stored day on. */
  async function fillPrices(integration: Integration, signal: AbortSignal): Promise<void> {
    const assets = await store.integrationAssets(db, integration.id);
    const last = await store.lastPriceDays(
      db,
      assets.map((a) => a.id),
    );
    const today = dayOf(clock.now());
    for (const a of assets) {
      if (signal.aborted) return;
      const from = (last.get(a.id) ?? today - PRICE_HISTORY_DAYS - 1) + 1;
      if (from > today) continue;
      try {
        const prices = await sources.prices.dailyPrices(
          {
            id: a.id,
            symbol: a.symbol,
            name: a.name,
            chain: a.chain,
            contract: a.contract,
            decimals: a.decimals,
            type: a.type,
            category: a.category,
            coingeckoId: a.coingecko_id,
            logoUrl: a.logo_url,
            isSpam: a.is_spam === 1,
          },
          from,
          today,
          signal,
        );
        if (prices.length) await write((trx) => store.insertPrices(trx, a.id, prices));
      } catch (error) {
        logger.warn({ asset: a.id, err: errorText(error) }, 'sync: daily prices failed');
      }
    }
    // The workspace's base currency: rates up to today (days since the last stored one).
    const currency = await workspaceCurrency(db, integration.workspace_id);
    if (currency !== 'USD' && !signal.aborted) {
      await ensureFxRates(deps, sources.prices, currency, today - 30, today, today, signal).catch((error: unknown) =>
        logger.warn({ currency, err: errorText(error) }, 'sync: exchange rates failed'),
      );
    }
  }

  async function finish(integration: Integration, job: jobs.SyncJob, o: Outcome): Promise<void> {
    const now = clock.now();
    const failed = o.errors;
    const ran = Object.keys(o.log).length;
    const retryable = failed.some((e) => !e.permanent);
    if (failed.length && retryable && job.attempts < options.maxAttempts) {
      const delay = options.backoffMs(job.attempts);
      const reason = failed[0]!.message;
      logger.warn({ job: job.id, attempt: job.attempts, retryInMs: delay }, 'sync: will retry');
      await write(async (trx) => {
        await jobs.retryLater(trx, job.id, now + delay, reason);
        await jobs.updateIntegrationSync(trx, integration.id, {
          message: `Sync attempt ${job.attempts} of ${options.maxAttempts} failed, retrying: ${reason}`,
          updated_at: now,
        });
      });
      return;
    }
    const allFailed = failed.length > 0 && (ran === 0 || failed.length >= ran);
    const status = allFailed ? 'FAILED' : failed.length || o.limited ? 'PARTIALLY SYNCED' : 'COMPLETED';
    const chain = integration.chain ?? integration.provider;
    const message = allFailed
      ? failed[0]!.message
      : o.limited
        ? limitMessage(chain)
        : failed.length
          ? failed.map((e) => `${e.fn}: ${e.message}`).join('; ')
          : null;
    const jobStatus = status === 'FAILED' ? 'failed' : status === 'COMPLETED' ? 'completed' : 'partially_synced';
    await write(async (trx) => {
      await jobs.finishJob(
        trx,
        now,
        job.id,
        jobStatus,
        failed.length ? failed.map((e) => (e.fn ? `${e.fn}: ${e.message}` : e.message)).join('; ') : o.limited ? message : null,
      );
      const waiting = await jobs.hasQueuedJob(trx, integration.id);
      await jobs.updateIntegrationSync(trx, integration.id, {
        status: waiting ? 'ONGOING' : status,
        message,
        sync_log: ran ? JSON.stringify(o.log) : integration.sync_log,
        ...(allFailed ? {} : { last_synced_at: now }),
        ...(o.total !== null ? { total_transactions: o.total } : {}),
        limit_exceeded: o.limited ? 1 : 0,
        updated_at: now,
      });
    });
    logger.info({ job: job.id, integration: integration.id, status, attempts: job.attempts }, 'sync: finished');
  }

  return {
    async start() {
      if (poller.running) return;
      lastRecover = -Infinity;
      await poller.start();
    },
    async stop() {
      await poller.stop();
      for (const { controller } of active.values()) controller.abort(new Aborted('server stopping'));
      await Promise.allSettled([...active.values()].map((a) => a.done));
    },
    async queue(integrationIds, mode) {
      if (integrationIds.length === 0) return [];
      const now = clock.now();
      const ids = await write(async (trx) => {
        const out: string[] = [];
        for (const id of integrationIds) out.push(await jobs.queueSync(trx, now, id, mode));
        return out;
      });
      kick();
      return ids;
    },
    kick,
    async waitIdle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (active.size === 0 && (await jobs.countUnfinished(db)) === 0) return;
        if (Date.now() > deadline) throw new Error('sync: still busy after waitIdle timeout');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
