/** What every BFF route gets: passed in, never imported as a singleton. */
import type { Request } from 'express';
import type { BffConfig } from './config.ts';
import type { BffDb } from './db.ts';
import type { TokenStore } from './token-store.ts';
import type { ConnectClient } from './connect-client.ts';
import type { Logger } from './logger.ts';
import type { createSessions } from './session.middleware.ts';

/**
 * The one function a partner plugs in: who is signed in to the partner's app on this
 * request (their own session, JWT, …), as a stable id; `undefined` when nobody is. The id
 * is sent to the connect server as `user_reference` and checked again on exchange, so it
 * must be printable ASCII, at most 255 characters, and never reassigned to another person.
 */
export type GetPartnerUserId = (req: Request) => string | undefined | Promise<string | undefined>;

export type BffContext = {
  config: BffConfig;
  db: BffDb;
  store: TokenStore;
  connect: ConnectClient;
  logger: Logger;
  now: () => number;
  sessions: ReturnType<typeof createSessions>;
  getPartnerUserId: GetPartnerUserId;
  /** Where the built widget lives (`dist/`). */
  widgetDir: string;
  /** Where the demo pages live (`demo/`), or undefined to serve none. */
  demoDir: string | undefined;
};
