/**
 * Opaque keyset cursors (docs/security-model.md T7): `base64url(JSON).base64url(HMAC)` with a key derived
 * for this purpose only. A cursor is bound to the workspace and to the query's filters, so
 * it cannot be replayed on another workspace or mixed with other filters; it carries the
 * last row's sort key (`timestamp`, `id`) and the position reached, never a row count that
 * the server must trust for access.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { dataError } from '../errors.ts';

export type CursorKey = { timestamp: number; id: string; position: number };

type Payload = { w: string; f: string; t: number; i: string; p: number };

export function createCursorCodec(key: Buffer) {
  const sign = (body: string) => createHmac('sha256', key).update(body).digest().subarray(0, 16);

  return {
    encode(workspaceId: string, filters: string, at: CursorKey): string {
      const body = Buffer.from(JSON.stringify({ w: workspaceId, f: filters, t: at.timestamp, i: at.id, p: at.position } satisfies Payload)).toString(
        'base64url',
      );
      return `${body}.${sign(body).toString('base64url')}`;
    },
    /** The cursor's position, or a 400 `invalid_parameters` for anything forged, foreign or stale. */
    decode(cursor: string, workspaceId: string, filters: string): CursorKey {
      const invalid = (message: string) => dataError('invalid_parameters', message, [{ code: 'invalid_cursor', path: 'cursor', message }]);
      const [body, mac, extra] = cursor.split('.');
      if (!body || !mac || extra !== undefined) throw invalid('Malformed cursor');
      const given = Buffer.from(mac, 'base64url');
      const expected = sign(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('Invalid cursor');
      let p: Payload;
      try {
        p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
      } catch {
        throw invalid('Malformed cursor');
      }
      if (p.w !== workspaceId) throw invalid('This cursor belongs to another workspace');
      if (p.f !== filters) throw invalid('This cursor was issued for other filters or another order; repeat the query without a cursor');
      if (typeof p.t !== 'number' || typeof p.i !== 'string' || typeof p.p !== 'number') throw invalid('Malformed cursor');
      return { timestamp: p.t, id: p.i, position: p.p };
    },
  };
}

export type CursorCodec = ReturnType<typeof createCursorCodec>;
