import { css } from 'lit';

export const accountStyles = css`
  .accounts {
    display: grid;
    gap: 0.5rem;
  }
  .account {
    padding: 0.5rem 0.25rem 0.5rem 0.75rem;
    min-height: 56px;
    border: 1px solid var(--kc-border);
    border-radius: var(--kc-border-radius);
    background: var(--kc-bg-secondary);
  }
  .account .address {
    display: block;
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
  .compact {
    gap: 0.25rem;
  }
  .compact .account {
    min-height: 0;
    padding: 0.25rem 0.5rem;
    gap: 0.5rem;
    font-size: 0.875rem;
  }
  .compact .account .address {
    display: inline;
    margin-inline-start: 0.375rem;
  }
  .add {
    margin-top: 0.75rem;
  }
  .badge {
    display: inline-flex;
    align-items: center;
    margin-inline-end: 0.5rem;
    font-size: 0.75rem;
    font-weight: 600;
    padding: 0.125rem 0.5rem;
    border-radius: 999px;
    border: 1px solid currentColor;
    color: var(--kc-text-secondary);
    white-space: nowrap;
  }
  .badge.s-completed {
    color: var(--_kc-success-text);
  }
  .badge.s-failed {
    color: var(--_kc-error-text);
  }
  .badge.s-partially {
    color: var(--_kc-warning-text);
  }
`;
