/**
 * Exact decimal arithmetic for quantities and USD amounts (never binary floats). A private
 * decimal.js constructor: 60 significant digits (a 12-digit BONK balance with 18 decimals
 * fits with room to spare) and no exponent notation, so `toString()` is always a plain
 * decimal string such as "0.000000000000000001".
 */
import { Decimal as DecimalJs } from 'decimal.js';

export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });
export type Decimal = InstanceType<typeof Decimal>;
export type DecimalValue = DecimalJs.Value;

/** A non-negative or negative plain decimal string: "12", "-0.5", "0.000000000000000001". */
export const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL_STRING.test(value);
}

/** Plain string of `d`, "0" for zero (never "-0"). */
export function decimalString(d: Decimal): string {
  return d.isZero() ? '0' : d.toString();
}

export const ZERO = new Decimal(0);
