/**
 * Dates of the tax engine: the holding period and tax years, on calendar dates in the
 * workspace's tax time zone (IANA name, default UTC), so the answer never depends on the
 * time of day.
 *
 * Holding period:
 * - `calendar` (default, IRS Pub. 544): held "more than one year", counting from the day
 *   after acquisition — long-term only when sold after the first anniversary date of the
 *   acquisition. An acquisition on 29 February reaches its anniversary on 28 February.
 * - `days`: long-term when the calendar dates are more than `longTermDays` days apart (for
 *   jurisdictions that count days).
 */
import { DAY_MS } from '../lib/time.ts';
export type HoldingPeriod = 'calendar' | 'days';
export type LocalDate = { y: number; m: number; d: number };

const QUARTER_HOUR = 900_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();

/** True for a time zone Intl knows (validates the `taxTimezone` setting). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC in ms at `ms` (memoised per quarter hour: every offset is a multiple of 15 min). */
function offsetAt(ms: number, zone: string): number {
  if (zone === 'UTC') return 0;
  let cache = offsets.get(zone);
  if (!cache) offsets.set(zone, (cache = new Map()));
  const bucket = Math.floor(ms / QUARTER_HOUR);
  const hit = cache.get(bucket);
  if (hit !== undefined) return hit;
  let f = formatters.get(zone);
  if (!f)
    formatters.set(
      zone,
      (f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      })),
    );
  const at = bucket * QUARTER_HOUR;
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, Number(x.value)])) as Record<string, number>;
  const offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - at;
  cache.set(bucket, offset);
  return offset;
}

/** The calendar date of a moment in `zone`. */
export function localDate(ms: number, zone = 'UTC'): LocalDate {
  const d = new Date(ms + offsetAt(ms, zone));
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
}

/** Days since 1970-01-01 of a calendar date (a day number to compare and subtract). */
export const dayNumber = (x: LocalDate) => Date.UTC(x.y, x.m - 1, x.d) / DAY_MS;

/** The first anniversary of a date (29 February → 28 February). */
export function anniversary(x: LocalDate): LocalDate {
  const y = x.y + 1;
  const last = new Date(Date.UTC(y, x.m, 0)).getUTCDate();
  return { y, m: x.m, d: Math.min(x.d, last) };
}

export type TermRule = { holdingPeriod: HoldingPeriod; longTermDays: number; timeZone: string };

/** Long-term under the rule: acquired at `acquiredAt`, disposed of at `disposedAt` (ms). */
export function isLongTerm(acquiredAt: number, disposedAt: number, rule: TermRule): boolean {
  const a = localDate(acquiredAt, rule.timeZone);
  const s = dayNumber(localDate(disposedAt, rule.timeZone));
  if (rule.holdingPeriod === 'days') return s - dayNumber(a) > rule.longTermDays;
  return s > dayNumber(anniversary(a));
}

/** The tax year of a moment in `zone`, named by the calendar year it starts in; `start` is MM-DD. */
export function taxYearOf(ms: number, start: string, zone = 'UTC'): number {
  const [m, d] = start.split('-').map(Number) as [number, number];
  const x = localDate(ms, zone);
  return x.m > m || (x.m === m && x.d >= d) ? x.y : x.y - 1;
}

/** [from, to) of a tax year in ms (midnight in `zone`). */
export function taxYearRange(year: number, start: string, zone = 'UTC'): [number, number] {
  const [m, d] = start.split('-').map(Number) as [number, number];
  const midnight = (y: number) => {
    const utc = Date.UTC(y, m - 1, d);
    return utc - offsetAt(utc - offsetAt(utc, zone), zone);
  };
  return [midnight(year), midnight(year + 1)];
}
