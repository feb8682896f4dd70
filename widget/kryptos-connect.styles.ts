/** Layout of the trigger button and the dialog frame (steps style their own content). */
import { css } from 'lit';

export const styles = css`
  :host {
    display: inline-block;
    font-family: inherit;
  }
  :host([hidden]) {
    display: none;
  }
  * {
    box-sizing: border-box;
  }
  .trigger {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.5rem;
    min-height: 44px;
    padding: 0.625rem 1.25rem;
    border: 0;
    border-radius: var(--kc-border-radius);
    background: var(--_kc-fill);
    color: var(--_kc-on-fill);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
    box-shadow: var(--kc-shadow-sm);
  }
  :host([size='sm']) .trigger {
    min-height: 36px;
    padding: 0.375rem 0.875rem;
    font-size: 0.875rem;
  }
  :host([size='lg']) .trigger {
    min-height: 52px;
    padding: 0.875rem 1.75rem;
    font-size: 1.125rem;
  }
  .trigger:hover:not(:disabled) {
    filter: brightness(1.1);
  }
  .trigger:disabled {
    opacity: 0.7;
    cursor: progress;
  }
  :focus-visible {
    outline: 2px solid var(--kc-border-focus);
    outline-offset: 2px;
  }
  dialog {
    width: min(440px, calc(100vw - 2rem));
    max-height: min(760px, calc(100dvh - 2rem));
    padding: 0;
    border: 1px solid var(--kc-border);
    border-radius: calc(var(--kc-border-radius) * 2);
    background: var(--kc-bg-primary);
    color: var(--kc-text-primary);
    box-shadow: var(--kc-shadow-lg);
    font-family: inherit;
    line-height: 1.5;
    overflow: hidden;
  }
  dialog[open] {
    display: flex;
    flex-direction: column;
  }
  dialog::backdrop {
    background: rgba(0, 0, 0, 0.5);
  }
  header {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    padding: 0.75rem 1rem;
    border-bottom: 1px solid var(--kc-border);
  }
  header .title {
    flex: 1;
    font-weight: 600;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  header img {
    width: 28px;
    height: 28px;
    border-radius: 6px;
    object-fit: contain;
  }
  .icon {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    width: 44px;
    height: 44px;
    padding: 0;
    border: 0;
    border-radius: var(--kc-border-radius);
    background: none;
    color: var(--kc-text-secondary);
    cursor: pointer;
  }
  .icon:hover {
    background: var(--kc-bg-hover);
  }
  .body {
    flex: 1;
    overflow-y: auto;
    padding: 1rem 1.25rem 1.25rem;
  }
  footer {
    padding: 0.5rem 1rem;
    border-top: 1px solid var(--kc-border);
    text-align: center;
    font-size: 0.75rem;
    color: var(--kc-text-secondary);
  }
  .center {
    text-align: center;
    padding: 2rem 0;
    color: var(--kc-text-secondary);
  }
  .alert {
    border: 1px solid var(--_kc-error-text);
    border-radius: var(--kc-border-radius);
    padding: 0.75rem;
    color: var(--_kc-error-text);
    background: var(--kc-bg-secondary);
  }
  .retry {
    margin-top: 0.75rem;
    width: 100%;
    min-height: 44px;
    border: 0;
    border-radius: var(--kc-border-radius);
    background: var(--_kc-fill);
    color: var(--_kc-on-fill);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
  }
  /* Phones: the dialog takes the whole screen. */
  @media (max-width: 480px) {
    dialog {
      width: 100vw;
      max-width: 100vw;
      height: 100dvh;
      max-height: 100dvh;
      margin: 0;
      border: 0;
      border-radius: 0;
    }
  }
  @media (prefers-reduced-motion: no-preference) {
    dialog[open] {
      animation: kc-in 0.15s ease-out;
    }
    @keyframes kc-in {
      from {
        opacity: 0;
        transform: translateY(8px);
      }
    }
  }
`;
