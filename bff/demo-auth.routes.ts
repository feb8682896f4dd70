/**
 * The demo's own sign-in — demo grade on purpose: a username, no password. A real partner
 * replaces it with their sign-in and passes `getPartnerUserId` to `createBff`.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { BffContext } from './context.ts';
import { sessionOf } from './session.middleware.ts';

const LoginBody = z.strictObject({
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash or underscore (1–64)'),
});

export function demoAuthRoutes(ctx: BffContext): Router {
  const router = Router();

  router.post('/api/demo/login', async (req, res) => {
    const { username } = LoginBody.parse(req.body);
    await ctx.sessions.signIn(req, res, username);
    res.json({ username });
  });

  router.post('/api/demo/logout', async (req, res) => {
    await ctx.sessions.signOut(req, res);
    res.json({ username: null });
  });

  router.get('/api/demo/me', (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ username: sessionOf(req)?.userId ?? null });
  });

  return router;
}
