/** Time constants shared by every area (milliseconds; days are UTC days since the epoch). */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The UTC day number of a timestamp. */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
