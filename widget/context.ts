/** Context keys shared by the root element (provider) and its steps (consumers). */
import { createContext } from '@lit/context';
import type { WidgetApi } from './api.ts';
import type { Strings } from './i18n/en.ts';

export const apiContext = createContext<WidgetApi | undefined>(Symbol('kryptos-api'));
export const stringsContext = createContext<Strings>(Symbol('kryptos-strings'));
