/**
 * Exact amounts, never binary floats (contract 13: the float-precision gotcha of v1). Every
 * quantity and every money value is a decimal string in and out, computed with decimal.js at
 * 60 significant digits — never a JS number. Quantities are returned exactly as summed
 * (an 18-decimal amount round-trips unchanged); money is rounded half-even to 8 decimal places
 * per row, and totals are the exact sums of the rounded row strings, so a partner that adds
 * the rows with a decimal library gets the summary to the last digit. Percentages are numbers
 * rounded to 2 dp, computed from Decimals.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import { z } from 'zod';

export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);
export const MONEY_DP = 8;

/** A decimal string as stored (optional sign, digits, optional fraction); no exponent, no float. */
export const DECIMAL_PATTERN = /^-?\d{1,40}(\.\d{1,40})?$/;
export const DecimalString = z.string().regex(DECIMAL_PATTERN, 'Expected a decimal string such as "1.5"');
// The refinement also runs when the pattern failed (zod 4 keeps checking): it must not throw on a non-decimal.
export const PositiveDecimalString = DecimalString.refine((s) => DECIMAL_PATTERN.test(s) && !s.startsWith('-') && new Decimal(s).gt(0), 'Expected a positive amount');

export const dec = (value: string | null | undefined): Decimal => (value ? new Decimal(value) : ZERO);

/** Plain notation without exponent or trailing zeros; never "-0". */
export function plain(d: Decimal): string {
  return d.isZero() ? '0' : d.toFixed();
}

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
