/**
 * A small cache for expensive reads (transaction counts, ledger balances, asset rows, and
 * serialized transaction pages within a byte budget: CONNECT_READ_CACHE_MB),
 * dropped whenever the database changes. The change marker is SQLite's: `total_changes()`
 * counts every row this connection wrote (all of this server's writes share it), and
 * `PRAGMA data_version` moves when another process (CLI, a sync worker) commits. Both are
 * read per request in a few microseconds; any write anywhere clears everything, which is
 * coarse but never stale. This is the one SQLite-specific piece of the data APIs (on
 * PostgreSQL the marker would be a per-workspace change counter bumped by the writers).
 */
import type SQLite from 'better-sqlite3';

export type ReadCache = {
  /** Returns the cached value for `key`, computing it when absent or the database changed. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** Like `get` for many keys at once: `load` receives only the missing keys. */
  getMany<T>(keys: string[], load: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>>;
  /**
   * Like `get` for large values (serialized response pages): kept within a byte budget,
   * oldest first out; nothing is kept when the budget is 0.
   */
  getSized(key: string, compute: () => Promise<string>): Promise<string>;
  /** Forgets everything (after our own writes, so the next read sees them even mid-batch). */
  clear(): void;
};

const MAX_ENTRIES = 2000;

export function createReadCache(sqlite: SQLite.Database, options: { sizedBudgetBytes?: number } = {}): ReadCache {
  const budget = options.sizedBudgetBytes ?? 32 * 1024 * 1024;
  const sized = new Map<string, string>();
  let sizedBytes = 0;
  const changes = sqlite.prepare('select total_changes()').pluck();
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  let marker = '';
  const entries = new Map<string, unknown>();
  // Single flight: concurrent readers of a key being computed share one computation.
  const pending = new Map<string, Promise<unknown>>();

  function current(): string {
    return `${String(dataVersion.get())}:${String(changes.get())}`;
  }

  function sync(): string {
    const now = current();
    if (now !== marker) {
      entries.clear();
      pending.clear();
      sized.clear();
      sizedBytes = 0;
      marker = now;
    }
    return now;
  }

  function keep(key: string, value: unknown, version: string) {
    // Only keep it if nothing was written while computing (awaits may interleave writes).
    if (current() !== version) return;
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(key, value);
  }

  return {
    async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const version = sync();
      if (entries.has(key)) return entries.get(key) as T;
      const flight = `${version}\u0000${key}`;
      const running = pending.get(flight);
      if (running) return running as Promise<T>;
      const promise = compute().then((value) => {
        keep(key, value, version);
        return value;
      });
      pending.set(flight, promise);
      try {
        return await promise;
      } finally {
        pending.delete(flight);
      }
    },
    async getMany<T>(keys: string[], load: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>> {
      const version = sync();
      const out = new Map<string, T>();
      const missing: string[] = [];
      for (const key of keys) {
        if (entries.has(key)) out.set(key, entries.get(key) as T);
        else missing.push(key);
      }
      if (missing.length) {
        const loaded = await load(missing);
        for (const [key, value] of loaded) {
          out.set(key, value);
          keep(key, value, version);
        }
      }
      return out;
    },
    async getSized(key, compute) {
      const version = sync();
      const hit = sized.get(key);
      if (hit !== undefined) return hit;
      const value = await compute();
      if (budget > 0 && value.length <= budget / 8 && current() === version) {
        sized.set(key, value);
        sizedBytes += value.length;
        for (const [k, v] of sized) {
          if (sizedBytes <= budget) break;
          sized.delete(k);
          sizedBytes -= v.length;
        }
      }
      return value;
    },
    clear() {
      entries.clear();
      pending.clear();
      sized.clear();
      sizedBytes = 0;
      marker = '';
    },
  };
}
