/**
 * What a non-sandbox integration syncs with until real sources exist: a source that fails
 * with a clear reason, never one that silently returns nothing.
 */
import { PermanentSourceError, type PriceSource, type Source } from '../source.ts';

export function createUnconfiguredSource(reason: string): Source {
  const fail = async (): Promise<never> => {
    throw new PermanentSourceError(reason);
  };
  return {
    name: 'unconfigured',
    balances: fail,
    // eslint-disable-next-line require-yield
    async *transactions() {
      throw new PermanentSourceError(reason);
    },
  };
}

export const noPrices: PriceSource = { name: 'none', dailyPrices: async () => [] };
