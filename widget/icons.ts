/** The few inline SVG icons the widget uses (decorative: `aria-hidden`). */
import { svg, html } from 'lit';

const icon = (body: ReturnType<typeof svg>, size = 20) =>
  html`<svg width=${size} height=${size} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
    stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${body}</svg>`;

export const closeIcon = icon(svg`<path d="M18 6 6 18M6 6l12 12"/>`);
export const backIcon = icon(svg`<path d="M15 18l-6-6 6-6"/>`);
export const shieldIcon = icon(svg`<path d="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z"/>`);
export const boltIcon = icon(svg`<path d="M13 2 3 14h9l-1 8 10-12h-9l1-8z"/>`);
export const checkIcon = icon(svg`<circle cx="12" cy="12" r="10"/><path d="m8 12 3 3 5-6"/>`, 48);
export const plusIcon = icon(svg`<path d="M12 5v14M5 12h14"/>`, 16);
export const xSmallIcon = icon(svg`<path d="M18 6 6 18M6 6l12 12"/>`, 14);
export const trashIcon = icon(svg`<path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6"/>`, 18);
export const lockIcon = icon(svg`<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>`, 16);

/** A small spinner for a wait (decorative: the busy state is announced by the text or `aria-busy` beside it). */
export const spinner = html`<span class="spinner" aria-hidden="true"></span>`;
