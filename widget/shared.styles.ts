/** Controls shared by every step (adopted once per shadow root; the sheet object itself is shared). */
import { css } from 'lit';

export const shared = css`
  /* A step fills the frame's body; its .actions block sits at the bottom (pinned while the body scrolls). */
  :host {
    display: flex;
    flex-direction: column;
    color: var(--kc-text-primary);
    font: inherit;
  }
  * {
    box-sizing: border-box;
  }
  h2 {
    font-size: 1.125rem;
    line-height: 1.4;
    margin: 0 0 0.75rem;
  }
  p {
    margin: 0 0 0.75rem;
    color: var(--kc-text-secondary);
  }
  form {
    display: flex;
    flex-direction: column;
    gap: 0.75rem;
    flex: 1 0 auto;
  }
  label,
  .label {
    display: block;
    font-weight: 600;
    font-size: 0.875rem;
    margin-bottom: 0.25rem;
  }
  input[type='text'],
  input[type='email'],
  input[type='search'],
  input[type='password'],
  input:not([type]) {
    width: 100%;
    min-height: 44px;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--kc-secondary);
    border-radius: var(--kc-border-radius);
    background: var(--kc-bg-primary);
    color: var(--kc-text-primary);
    font: inherit;
  }
  input[aria-invalid='true'] {
    border-color: var(--_kc-error-text);
  }
  :focus-visible {
    outline: 2px solid var(--kc-border-focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    cursor: pointer;
    min-height: 44px;
    border-radius: var(--kc-border-radius);
    padding: 0.5rem 1rem;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.7;
  }
  .primary {
    width: 100%;
    border: 0;
    font-weight: 600;
    background: var(--_kc-fill);
    color: var(--_kc-on-fill);
  }
  .primary:hover:not(:disabled) {
    filter: brightness(1.1);
  }
  .secondary {
    width: 100%;
    border: 1px solid var(--kc-border);
    background: var(--kc-bg-secondary);
    color: var(--kc-text-primary);
    font-weight: 600;
  }
  .secondary:hover:not(:disabled),
  .item:hover {
    background: var(--kc-bg-hover);
  }
  .link {
    border: 0;
    background: none;
    padding: 0.25rem;
    min-height: 0;
    color: var(--_kc-accent-text);
    text-decoration: underline;
  }
  a {
    color: var(--_kc-accent-text);
  }
  .hint {
    font-size: 0.8125rem;
    color: var(--kc-text-secondary);
    margin: 0.25rem 0 0;
  }
  .alert {
    border: 1px solid var(--_kc-error-text);
    border-radius: var(--kc-border-radius);
    padding: 0.5rem 0.75rem;
    color: var(--_kc-error-text);
    background: var(--kc-bg-secondary);
    font-size: 0.875rem;
  }
  /* Empty live regions stay in the layout (not display:none) so screen readers announce what is put in them later. */
  .alert:empty {
    border: 0;
    padding: 0;
  }
  .alert button {
    margin-top: 0.5rem;
  }
  fieldset {
    border: 0;
    margin: 0;
    padding: 0;
    min-width: 0;
  }
  legend {
    padding: 0;
  }
  .option {
    padding: 0.5rem 0.75rem;
    margin-bottom: 0.5rem;
    border: 1px solid var(--kc-border);
    border-radius: var(--kc-border-radius);
  }
  .option label {
    margin: 0;
    font-weight: 400;
  }
  .alert-text {
    color: var(--_kc-error-text);
  }
  .hint:empty {
    margin: 0;
  }
  .ok {
    color: var(--_kc-success-text);
  }
  .actions {
    display: grid;
    gap: 0.5rem;
    margin-top: auto;
    padding-top: 0.75rem;
    position: sticky;
    bottom: 0;
    z-index: 1;
    background: var(--kc-bg-primary);
    box-shadow: 0 -8px 8px -8px rgba(0, 0, 0, 0.08);
  }
  .spinner {
    display: inline-block;
    flex: none;
    width: 1em;
    height: 1em;
    margin-inline-end: 0.5em;
    vertical-align: -0.125em;
    border: 2px solid currentColor;
    border-right-color: transparent;
    border-radius: 50%;
    animation: kc-spin 0.7s linear infinite;
  }
  @keyframes kc-spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation-duration: 2s;
    }
  }
  .icon-button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    flex: none;
    width: 44px;
    height: 44px;
    padding: 0;
    border: 0;
    background: none;
    color: var(--kc-text-secondary);
  }
  .icon-button:hover:not(:disabled) {
    background: var(--kc-bg-hover);
    color: var(--_kc-error-text);
  }
  .icon-button .spinner {
    margin: 0;
  }
  ul.plain {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  /* A brand icon on a white tile over the provider's monogram (shown when there is no icon or it fails). */
  .logo {
    position: relative;
    display: inline-grid;
    place-items: center;
    flex: none;
    width: 36px;
    height: 36px;
    border-radius: 50%;
    overflow: hidden;
    background: var(--kc-bg-tertiary);
    color: var(--kc-text-primary);
    font-size: 0.75rem;
    font-weight: 700;
    letter-spacing: 0.02em;
  }
  .logo.sm {
    width: 28px;
    height: 28px;
    font-size: 0.625rem;
  }
  .logo img {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    padding: 15%;
    object-fit: contain;
    background: #ffffff;
    border: 1px solid var(--kc-border);
    border-radius: 50%;
  }
  .row {
    display: flex;
    align-items: center;
    gap: 0.75rem;
  }
  .grow {
    flex: 1;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
