/**
 * Kryptos' own privacy policy and terms, linked from the consent screen (`legal` in `GET /widget/session`):
 * `GET /legal/privacy` and `GET /legal/terms`, rendered once from `docs/legal/*.md` (our own text, so
 * trusted markdown) into a plain page with its stylesheet (the server's CSP forbids inline styles).
 */
import { readFileSync } from 'node:fs';
import type { RouteArea } from './http/routes.ts';
import { marked } from 'marked';

const PAGES = { privacy: 'Privacy policy', terms: 'Terms of service' } as const;
const DIR = new URL('../docs/legal/', import.meta.url);

export const LEGAL_CSS = `:root{color-scheme:light dark;--ink:#1f2937;--muted:#4b5563;--paper:#fff;--line:#e5e7eb;--link:#007558}
@media (prefers-color-scheme:dark){:root{--ink:#f6f6f8;--muted:#e5e7eb;--paper:#0a0a0a;--line:#334155;--link:#42ffd0}}
body{margin:0;font:16px/1.6 system-ui,sans-serif;color:var(--ink);background:var(--paper)}main{max-width:44rem;margin:0 auto;padding:2rem 1.25rem 4rem}
h1{font-size:1.75rem;line-height:1.25}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}a{color:var(--link)}
p,li{color:var(--ink)}small,.muted{color:var(--muted)}code{font-size:.9em}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Kryptos Connect</title><link rel="stylesheet" href="/legal/legal.css"></head><body><main>${body}</main></body></html>`;
}

export function legalRoutes(api: RouteArea): void {
  const rendered = Object.fromEntries(
    Object.entries(PAGES).map(([name, title]) => [name, page(title, marked.parse(readFileSync(new URL(`${name}.md`, DIR), 'utf8'), { async: false }))]),
  ) as Record<keyof typeof PAGES, string>;
  api.get('/legal/legal.css', { summary: "The legal pages' stylesheet", hidden: true }, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(LEGAL_CSS);
  });
  for (const [name, title] of Object.entries(PAGES) as [keyof typeof PAGES, string][]) {
    api.get(`/legal/${name}`, { summary: `Kryptos' ${title.toLowerCase()} (HTML; linked from the consent screen)` }, (_req, res) => {
      res.set('Cache-Control', 'public, max-age=3600').type('html').send(rendered[name]);
    });
  }
}
