/** The Connect envelope (contract section 4) and the no-store header every credential response needs (T19). */
import type { Response } from 'express';

export function sendOk(res: Response, data: unknown, status = 200): void {
  res.status(status).json({ success: true, data });
}

export function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
  res.set('Pragma', 'no-cache');
}
