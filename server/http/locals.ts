/**
 * What the guards put on `res.locals`, typed once (Express merges this interface into every
 * Response). Handlers read it through the accessors below, which fail loudly when a route was
 * mounted without the guard it relies on, instead of casting.
 */
import type { Response } from 'express';
import type { Client, LinkToken } from '../db/tables.ts';

/** The grant behind a Bearer access token (set by the bearer guard). */
export type GrantContext = {
  grantId: string;
  clientId: string;
  userId: string;
  workspaceId: string;
  scopes: Set<string>;
  tokenDigest: string;
  sandbox: boolean;
};

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point
  namespace Express {
    interface Locals {
      /** The partner app: authenticated by its credentials, or the owner of the link token. */
      client?: Client;
      /** The widget's link token (X-LINK-TOKEN guard). */
      link?: LinkToken;
      /** The scopes of the grant a resumed session continues; null when it resumes none. */
      grantScopes?: string[] | null;
      /** The caller proved it is the link token's partner BFF (its client credentials). */
      viaBff?: boolean;
      /** The Bearer guard's grant. */
      grant?: GrantContext;
    }
  }
}

function missing(name: string): never {
  throw new Error(`res.locals.${name} is not set: the route is mounted without its guard`);
}

export const clientOf = (res: Response): Client => res.locals.client ?? missing('client');
export const linkOf = (res: Response): LinkToken => res.locals.link ?? missing('link');
export const grantOf = (res: Response): GrantContext => res.locals.grant ?? missing('grant');
/** The resumed grant's scopes (null: the session resumes no grant). */
export const grantScopesOf = (res: Response): string[] | null => res.locals.grantScopes ?? null;
export const isViaBff = (res: Response | undefined): boolean => res?.locals.viaBff === true;
