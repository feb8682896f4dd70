/** The plain pages of the OAuth provider (errors shown instead of redirecting, the hosted page's shell). */
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function htmlPage(title: string, text: string, extraHead = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} — Kryptos Connect</title><link rel="stylesheet" href="/legal/legal.css">${extraHead}</head>
<body><main><h1>${escape(title)}</h1><p>${escape(text)}</p></main></body></html>`;
}
