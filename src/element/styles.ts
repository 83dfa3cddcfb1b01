/**
 * Styles of `<dualpay-checkout>` (a constructable stylesheet: no inline styles, CSP-safe). Light
 * unless `theme="dark"`, or `theme="auto"` on a dark `prefers-color-scheme`: the element matches the
 * merchant's page, not the visitor's OS, unless told to.
 */
import { css, unsafeCSS } from 'lit';

/** The dark palette, for `theme="dark"` and for `theme="auto"` under a dark OS setting. */
const dark = unsafeCSS(`color-scheme: dark;
    --_accent: var(--dualpay-accent, #a8c7fa);
    --_bg: var(--dualpay-bg, #1b1b1f);
    --_text: var(--dualpay-text, #e3e2e6);
    --_error: #f2b8b5;`);

export const checkoutStyles = css`
  :host {
    color-scheme: light;
    --_accent: var(--dualpay-accent, #0b57d0);
    --_bg: var(--dualpay-bg, #ffffff);
    --_text: var(--dualpay-text, #1b1b1f);
    --_error: #b3261e;
    --_muted: color-mix(in srgb, var(--_text) 68%, var(--_bg));
    --_radius: var(--dualpay-radius, 12px);
    display: block;
    max-width: 420px;
    font-family: var(
      --dualpay-font,
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Noto Sans KR',
      sans-serif
    );
    color: var(--_text);
    line-height: 1.45;
    /* Korean breaks between words, not inside them. */
    word-break: keep-all;
    overflow-wrap: anywhere;
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${dark}
    }
  }
  :host([hidden]) {
    display: none;
  }
  [part='container'] {
    container-type: inline-size;
    background: var(--_bg);
    border: 1px solid color-mix(in srgb, var(--_text) 18%, var(--_bg));
    border-radius: var(--_radius);
    padding: 20px;
    display: grid;
    gap: 14px;
  }
  header {
    display: grid;
    gap: 2px;
  }
  .merchant {
    font-size: 0.9rem;
    color: var(--_muted);
  }
  .amount {
    font-size: 1.6rem;
    font-weight: 650;
    font-variant-numeric: tabular-nums;
  }
  .description {
    color: var(--_muted);
    overflow-wrap: anywhere;
  }
  h2 {
    font-size: 1.05rem;
    margin: 0;
  }
  p {
    margin: 0;
  }
  .handoff {
    display: grid;
    gap: 10px;
  }
  .handoff-row {
    display: grid;
    grid-template-columns: minmax(0, 220px) minmax(96px, 1fr);
    gap: 16px;
    align-items: center;
  }
  .handoff-main {
    display: grid;
    gap: 8px;
    justify-items: start;
  }
  [part='qr'] {
    width: 100%;
    max-width: 240px;
    aspect-ratio: 1;
    background: #ffffff;
    color: #000000;
    border-radius: 8px;
    display: block;
  }
  .binding {
    text-align: center;
    display: grid;
    gap: 4px;
    justify-items: center;
  }
  [part='binding-code'] {
    font-size: 2.6rem;
    font-weight: 700;
    letter-spacing: 0.08em;
    font-variant-numeric: tabular-nums;
    border: 2px solid var(--_accent);
    border-radius: var(--_radius);
    padding: 2px 14px;
  }
  .small {
    font-size: 0.85rem;
    color: var(--_muted);
  }
  [part='user-code'] {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    font-weight: 700;
    letter-spacing: 0.12em;
    white-space: nowrap;
  }
  [part='countdown'] {
    display: grid;
    gap: 4px;
    font-variant-numeric: tabular-nums;
  }
  progress {
    width: 100%;
    height: 6px;
    accent-color: var(--_accent);
  }
  [part='status'] {
    display: flex;
    gap: 10px;
    align-items: center;
  }
  .spinner {
    width: 18px;
    height: 18px;
    border-radius: 50%;
    border: 3px solid color-mix(in srgb, var(--_accent) 25%, transparent);
    border-top-color: var(--_accent);
    animation: spin 0.9s linear infinite;
    flex: none;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
    }
  }
  [part='error'] {
    color: var(--_error);
  }
  /* A dead code must not look scannable: faded and blurred until a fresh one replaces it. */
  [part='qr'].expired {
    opacity: 0.2;
    filter: blur(3px);
  }
  .actions {
    display: flex;
    gap: 8px;
    flex-wrap: wrap;
  }
  button {
    font: inherit;
    border-radius: var(--_radius);
    padding: 10px 18px;
    cursor: pointer;
    min-height: 44px;
  }
  [part='button'] {
    background: var(--_accent);
    color: var(--_bg);
    border: 1px solid var(--_accent);
    font-weight: 600;
  }
  .secondary {
    background: transparent;
    color: var(--_text);
    border: 1px solid color-mix(in srgb, var(--_text) 35%, var(--_bg));
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  .notice {
    font-size: 0.85rem;
    color: var(--_muted);
  }
  .done {
    font-size: 1.2rem;
    font-weight: 650;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  @container (max-width: 300px) {
    .handoff-row {
      grid-template-columns: 1fr;
      justify-items: center;
    }
  }
`;
