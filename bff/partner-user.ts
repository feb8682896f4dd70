/** Resolves the signed-in partner user through the pluggable `getPartnerUserId`, or refuses. */
import type { Request } from 'express';
import type { BffContext } from './context.ts';
import { bffError } from './errors.ts';

const USER_REFERENCE = /^[\x20-\x7e]{1,255}$/;

export async function requirePartnerUser(ctx: BffContext, req: Request): Promise<string> {
  const userId = await ctx.getPartnerUserId(req);
  if (userId === undefined) throw bffError(401, 'SIGN_IN_REQUIRED', 'Sign in to the app first');
  // A programming error in the partner's function, not the user's: fail loudly, closed.
  if (typeof userId !== 'string' || !USER_REFERENCE.test(userId)) throw new Error('getPartnerUserId must return printable ASCII of 1–255 characters');
  return userId;
}
