/** Migrations are code, listed here in order and run on every start. */
import type { Migration } from 'kysely';
import * as connectCore from './2026-11-28-connect-core.ts';
import * as portfolioData from './2026-11-29-portfolio-data.ts';
import * as taxReportsWebhooks from './2026-11-30-tax-reports-webhooks.ts';
import * as clientLinks from './2026-12-02-client-links.ts';
import * as oauth from './2026-12-02-oauth.ts';
import * as taxEngineII from './2026-12-02-tax-engine-ii.ts';
import * as transfersCurrencies from './2026-12-02-transfers-currencies.ts';
import * as hardening from './2026-12-03-hardening.ts';

export const migrations: Record<string, Migration> = {
  '2026-11-28-connect-core': connectCore,
  '2026-11-29-portfolio-data': portfolioData,
  '2026-11-30-tax-reports-webhooks': taxReportsWebhooks,
  '2026-12-02-client-links': clientLinks,
  '2026-12-02-oauth': oauth,
  '2026-12-02-tax-engine-ii': taxEngineII,
  '2026-12-02-transfers-currencies': transfersCurrencies,
  '2026-12-03-hardening': hardening,
};
