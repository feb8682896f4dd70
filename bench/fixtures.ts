/** Seeds a benchmark database: one client and `count` fresh public tokens (each with its own link token). */
import { openDatabase } from '../server/db/database.ts';
import { createGroupCommit } from '../server/db/group-commit.ts';
import { createClient } from '../server/clients/clients.service.ts';
import { insertUserWithWorkspace } from '../server/users/users.repository.ts';
import { insertPublicToken } from '../server/connect/exchange.service.ts';
import { digest, randomId } from '../server/crypto.ts';

export async function seedBenchDatabase(file: string, publicTokens: number) {
  const { db } = await openDatabase(file);
  const now = Date.now();
  const client = await createClient(createGroupCommit(db), now, { name: 'Bench client' });
  const tokens: string[] = [];
  const BATCH = 2000;
  for (let done = 0; done < publicTokens; done += BATCH) {
    await db.transaction().execute(async (trx) => {
      const { userId, workspaceId } = await insertUserWithWorkspace(trx, now, null);
      for (let i = 0; i < Math.min(BATCH, publicTokens - done); i++) {
        const linkId = randomId('lt_', 12);
        await trx
          .insertInto('link_tokens')
          .values({
            id: linkId,
            digest: digest(linkId),
            client_id: client.client_id,
            sandbox: 1,
            scopes: 'openid portfolios:read',
            user_reference: null,
            grant_id: null,
            user_id: userId,
            workspace_id: workspaceId,
            consented_at: now,
            created_at: now,
            expires_at: now + 3_600_000,
          })
          .execute();
        tokens.push(
          await insertPublicToken(trx, now + 3_600_000, {
            clientId: client.client_id,
            linkTokenId: linkId,
            userId,
            workspaceId,
            scopes: ['openid', 'portfolios:read'],
            sandbox: 1,
            userReference: null,
          }),
        );
      }
    });
  }
  await db.destroy();
  return { client, tokens };
}
