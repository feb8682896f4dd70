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
  /*
   * Desktop: one fixed-size frame for every step (no jump, no re-centring between steps); the body
   * scrolls inside it and each step's primary button is pinned at its bottom.
   */
  dialog {
    width: min(420px, calc(100vw - 2rem));
    height: min(680px, calc(100dvh - 2rem));
    max-height: none;
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
    padding: 0.5rem 0.75rem;
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
    min-height: 0;
    display: flex;
    flex-direction: column;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 1rem 1.25rem 1rem;
  }
  .body > * {
    flex: 1 0 auto;
  }
  /* The picker's list scrolls by itself, so search and tabs stay in view. */
  .body > kryptos-integration-step {
    flex: 1 1 0;
    min-height: 0;
  }
  footer {
    padding: 0.375rem 1rem;
    border-top: 1px solid var(--kc-border);
    text-align: center;
    font-size: 0.75rem;
    color: var(--kc-text-secondary);
  }
  .center {
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 0.75rem;
    text-align: center;
    color: var(--kc-text-secondary);
  }
  .spinner {
    display: inline-block;
    width: 2rem;
    height: 2rem;
    border: 3px solid var(--kc-border);
    border-top-color: var(--_kc-accent-text);
    border-radius: 50%;
    animation: kc-spin 0.7s linear infinite;
  }
  @keyframes kc-spin {
    to {
      transform: rotate(360deg);
    }
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
  /* Phones: a full-screen sheet; the notch and the home indicator keep their room (safe areas). */
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
    header {
      padding-top: max(0.5rem, env(safe-area-inset-top));
      padding-left: max(0.75rem, env(safe-area-inset-left));
      padding-right: max(0.75rem, env(safe-area-inset-right));
    }
    .body {
      padding-left: max(1rem, env(safe-area-inset-left));
      padding-right: max(1rem, env(safe-area-inset-right));
    }
    footer {
      padding-bottom: max(0.375rem, env(safe-area-inset-bottom));
    }
  }
  /* Short transitions: the frame fades in, each step slides in a few pixels. */
  @media (prefers-reduced-motion: no-preference) {
    dialog[open] {
      animation: kc-in 0.16s ease-out;
    }
    dialog[open]::backdrop {
      animation: kc-fade 0.16s ease-out;
    }
    .body > * {
      animation: kc-step 0.16s ease-out;
    }
    @keyframes kc-in {
      from {
        opacity: 0;
        transform: translateY(8px) scale(0.99);
      }
    }
    @keyframes kc-fade {
      from {
        opacity: 0;
      }
    }
    @keyframes kc-step {
      from {
        opacity: 0;
        transform: translateX(12px);
      }
    }
    @media (max-width: 480px) {
      dialog[open] {
        animation: kc-sheet 0.2s ease-out;
      }
      @keyframes kc-sheet {
        from {
          transform: translateY(24px);
          opacity: 0;
        }
      }
    }
  }
`;
