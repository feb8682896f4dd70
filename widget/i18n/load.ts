/** Language loading: English is bundled, every other language is a lazily imported chunk. */
import { en, type Strings } from './en.ts';

export const LANGUAGES = ['en', 'fr', 'de', 'pt', 'sv', 'es', 'pl', 'it'] as const;
export type Language = (typeof LANGUAGES)[number];

const loaders: Record<Exclude<Language, 'en'>, () => Promise<{ strings: Strings }>> = {
  fr: () => import('./fr.ts'),
  de: () => import('./de.ts'),
  pt: () => import('./pt.ts'),
  sv: () => import('./sv.ts'),
  es: () => import('./es.ts'),
  pl: () => import('./pl.ts'),
  it: () => import('./it.ts'),
};

/** Normalises `fr-CA` → `fr`; unknown languages fall back to English. */
export function toLanguage(value: string | null | undefined): Language {
  const short = (value ?? 'en').toLowerCase().slice(0, 2);
  return (LANGUAGES as readonly string[]).includes(short) ? (short as Language) : 'en';
}

/** The first of the browser's preferred languages that the widget speaks, else English. */
export function browserLanguage(preferred: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  for (const tag of preferred) {
    const short = tag.toLowerCase().slice(0, 2);
    if ((LANGUAGES as readonly string[]).includes(short)) return short as Language;
  }
  return 'en';
}

export async function loadStrings(language: Language): Promise<Strings> {
  if (language === 'en') return en;
  try {
    // A missing key in a translation falls back to English rather than showing nothing.
    return { ...en, ...(await loaders[language]()).strings };
  } catch {
    return en;
  }
}
