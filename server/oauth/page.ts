/** The plain pages of the OAuth provider (errors shown instead of redirecting, the hosted page's shell). */
import { escapeHtml } from '../http/html.ts';

export function htmlPage(title: string, text: string, extraHead = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — Kryptos Connect</title><link rel="stylesheet" href="/legal/legal.css">${extraHead}</head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></main></body></html>`;
}
