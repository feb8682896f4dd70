/**
 * Exact amounts, never binary floats (contract 13: the float-precision gotcha of v1): the one
 * decimal.js constructor of the server, used by sync, the data API, tax and reports alike.
 * 60 significant digits (a 12-digit BONK balance with 18 decimals fits with room to spare),
 * half-even rounding, and never exponent notation, so `toString()` is a plain decimal string
 * such as "0.000000000000000001". (The data API's former copy switched to exponent notation
 * past 1e±100; it formatted with `toFixed()`, which never does, so its answers are unchanged.)
 *
 * Every quantity and every money value is a decimal string in and out. Quantities are
 * returned exactly as summed (an 18-decimal amount round-trips unchanged); money is rounded
 * half-even to 8 decimal places per row, and totals are the exact sums of the rounded row
 * strings, so a partner that adds the rows with a decimal library gets the summary to the
 * last digit. Percentages are numbers rounded to 2 dp, computed from Decimals.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import { z } from 'zod';

export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });
export type Decimal = InstanceType<typeof Decimal>;
export type DecimalValue = DecimalJs.Value;

export const ZERO = new Decimal(0);
export const MONEY_DP = 8;

/** A decimal string as stored (optional sign, digits, optional fraction); no exponent, no float. */
export const DECIMAL_PATTERN = /^-?\d{1,40}(\.\d{1,40})?$/;
export const DecimalString = z.string().regex(DECIMAL_PATTERN, 'Expected a decimal string such as "1.5"');
// zod runs the refinement even when the pattern failed: test the pattern again before Decimal (which throws on "").
export const PositiveDecimalString = DecimalString.refine(
  (s) => DECIMAL_PATTERN.test(s) && !s.startsWith('-') && new Decimal(s).gt(0),
  'Expected a positive amount',
);

/** A canonical plain decimal string as a source must return it: "12", "-0.5", "0.000000000000000001". */
export const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL_STRING.test(value);
}

export const dec = (value: string | null | undefined): Decimal => (value ? new Decimal(value) : ZERO);

/** Plain notation without exponent or trailing zeros; never "-0". */
export function plain(d: Decimal): string {
  return d.isZero() ? '0' : d.toFixed();
}

/** The same plain string (the sync's name for it). */
export const decimalString = plain;

/** A quantity, exact. */
export const quantity = (d: Decimal): string => plain(d);

/** A money value rounded half-even to 8 dp (as a Decimal, so totals can sum the rounded rows). */
export const roundMoney = (d: Decimal): Decimal => d.toDecimalPlaces(MONEY_DP);

export const money = (d: Decimal): string => plain(roundMoney(d));

/** `part / whole × 100` as a number with 2 dp; 0 when the whole is zero. */
export function percent(part: Decimal, whole: Decimal): number {
  if (whole.isZero()) return 0;
  return part.div(whole).times(100).toDecimalPlaces(2).toNumber();
}

export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}
