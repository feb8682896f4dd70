/**
 * A provider logo: the brand icon the connect server ships (`/integrations/logos/<id>.svg`), over a
 * monogram of the name that shows when there is no icon or it fails to load.
 */
import { html, nothing } from 'lit';

export function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .split(' ')
    .filter(Boolean);
  return (words.length > 1 ? words.slice(0, 2).map((w) => w[0]) : [...(words[0] ?? '?').slice(0, 2)]).join('').toUpperCase();
}

function hideBroken(event: Event) {
  (event.target as HTMLImageElement).hidden = true;
}

/** `src` undefined (no icon, or the flow is over and nothing may load): the monogram alone. */
export function logo(src: string | undefined, name: string, size: 'sm' | 'md' = 'md') {
  return html`<span class=${`logo ${size}`} aria-hidden="true"><span class="monogram">${initials(name)}</span>${
    src ? html`<img src=${src} alt="" loading="lazy" decoding="async" @error=${hideBroken} />` : nothing
  }</span>`;
}
