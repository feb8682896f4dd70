import type { Strings } from './en.ts';
export const strings: Strings = { ...({} as Strings) };
