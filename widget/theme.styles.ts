/**
 * The documented `--kc-*` variables (reference §5.3) with their light and dark defaults, declared on
 * `:host` so a page rule such as `kryptos-connect { --kc-primary: … }` wins. `theme="auto"` follows
 * `prefers-color-scheme`.
 *
 * The documented pairs white-on-#00c693 (2.3:1) and #ef4444 text on white (3.8:1) fail WCAG AA, so
 * text and filled buttons use the private `--_kc-*` aliases below, picked per theme from the same
 * documented variables (light: `--kc-primary-hover` fill; dark: `--kc-primary` fill with
 * `--kc-text-inverse` text). `--kc-button-bg` / `--kc-button-text` override the fill directly.
 */
import { unsafeCSS } from 'lit';

// Declaration blocks shared by several rules below. All of this file is our own constant text,
// so unsafeCSS is safe (and a css`` template cannot hold a bare declaration block).
const light = `
  --kc-primary: #00c693;
  --kc-primary-hover: #007558;
  --kc-primary-light: #42ffd0;
  --kc-primary-text: #ffffff;
  --kc-primary-rgb: 0, 198, 147;
  --kc-bg-primary: #ffffff;
  --kc-bg-secondary: #f9fafb;
  --kc-bg-tertiary: #e5e7eb;
  --kc-bg-hover: #f3f4f6;
  --kc-text-primary: #1f2937;
  --kc-text-secondary: #4b5563;
  --kc-text-tertiary: #9ca3af;
  --kc-text-inverse: #ffffff;
  --kc-border: #e5e7eb;
  --kc-border-focus: #00c693;
  --kc-secondary: #4b5563;
  --kc-secondary-hover: #1f2937;
  --kc-success: #22c55e;
  --kc-success-light: #86efac;
  --kc-success-dark: #15803d;
  --kc-error: #ef4444;
  --kc-error-light: #fca5a5;
  --kc-error-dark: #b91c1c;
  --kc-warning: #f59e0b;
  --kc-warning-light: #fcd34d;
  --kc-warning-dark: #d97706;
  --kc-shadow-sm: 0 1px 2px rgba(0, 0, 0, 0.05);
  --kc-shadow-md: 0 4px 6px -1px rgba(0, 0, 0, 0.1);
  --kc-shadow-lg: 0 10px 15px -3px rgba(0, 0, 0, 0.1);
  --kc-border-radius: 8px;
  --_kc-fill: var(--kc-button-bg, var(--kc-primary-hover));
  --_kc-on-fill: var(--kc-button-text, var(--kc-primary-text));
  --_kc-accent-text: var(--kc-primary-hover);
  --_kc-error-text: var(--kc-error-dark);
  --_kc-success-text: var(--kc-success-dark);
  --_kc-warning-text: #92400e;
  color-scheme: light;
`;

const dark = `
  --kc-primary: #00c693;
  --kc-primary-hover: #42ffd0;
  --kc-primary-light: #42ffd0;
  --kc-primary-text: #ffffff;
  --kc-primary-rgb: 0, 198, 147;
  --kc-bg-primary: #0a0a0a;
  --kc-bg-secondary: #1a1a1d;
  --kc-bg-tertiary: #030405;
  --kc-bg-hover: #2e2e2e;
  --kc-text-primary: #f6f6f8;
  --kc-text-secondary: #e5e7eb;
  --kc-text-tertiary: #9ca3af;
  --kc-text-inverse: #1f2937;
  --kc-border: #334155;
  --kc-border-focus: #42ffd0;
  --kc-secondary: #4b5563;
  --kc-secondary-hover: #9ca3af;
  --kc-shadow-sm: 0 1px 2px rgba(0, 0, 0, 0.3);
  --kc-shadow-md: 0 4px 6px -1px rgba(0, 0, 0, 0.3);
  --kc-shadow-lg: 0 10px 15px -3px rgba(0, 0, 0, 0.3);
  --_kc-fill: var(--kc-button-bg, var(--kc-primary));
  --_kc-on-fill: var(--kc-button-text, var(--kc-text-inverse));
  --_kc-accent-text: var(--kc-primary-light);
  --_kc-error-text: var(--kc-error-light);
  --_kc-success-text: var(--kc-success-light);
  --_kc-warning-text: var(--kc-warning-light);
  color-scheme: dark;
`;

export const theme = unsafeCSS(`
  :host {
    ${light}
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${dark}
    }
  }
`);
