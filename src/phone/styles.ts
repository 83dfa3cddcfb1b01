/** Styles shared by the phone pages: mobile first, large targets, readable at 320 px. */
import { css, unsafeCSS } from 'lit';

/** The page's ground and text, light and dark: the element's and the whole document's. */
const LIGHT = { bg: unsafeCSS('#ffffff'), text: unsafeCSS('#1b1b1f') };
const DARK = { bg: unsafeCSS('#131316'), text: unsafeCSS('#e3e2e6') };

/**
 * The document around the element (adopted by `PhonePage`): without it a dark-mode phone paints
 * only the element's column dark and the rest of the screen white. The shell's
 * `<meta name="color-scheme">` (src/server/http/pages.ts) covers the first paint before this loads.
 */
export const documentStyles = css`
  :root {
    color-scheme: light dark;
    background: ${LIGHT.bg};
    color: ${LIGHT.text};
  }
  @media (prefers-color-scheme: dark) {
    :root {
      background: ${DARK.bg};
      color: ${DARK.text};
    }
  }
  body {
    margin: 0;
  }
`;

export const phoneStyles = css`
  :host {
    --_accent: #0b57d0;
    --_bg: ${LIGHT.bg};
    --_text: ${LIGHT.text};
    --_muted: #5d5e66;
    --_danger: #b3261e;
    --_ok: #146c2e;
    display: block;
    box-sizing: border-box;
    max-width: 480px;
    margin: 0 auto;
    padding: 20px 16px 32px;
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Noto Sans KR',
      sans-serif;
    color: var(--_text);
    background: var(--_bg);
    line-height: 1.5;
    word-break: keep-all;
    overflow-wrap: anywhere;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: #a8c7fa;
      --_bg: ${DARK.bg};
      --_text: ${DARK.text};
      --_muted: #c4c6d0;
      --_danger: #f2b8b5;
      --_ok: #8fd89b;
    }
  }
  * {
    box-sizing: border-box;
  }
  .brand {
    font-weight: 700;
    letter-spacing: 0.02em;
    color: var(--_accent);
    margin: 0 0 12px;
    font-size: 0.95rem;
  }
  h1 {
    font-size: 1.35rem;
    margin: 0 0 8px;
  }
  h1:focus {
    outline: none;
  }
  h2 {
    font-size: 1.1rem;
    margin: 20px 0 8px;
  }
  p {
    margin: 0 0 12px;
  }
  .muted {
    color: var(--_muted);
  }
  dl.details {
    display: grid;
    grid-template-columns: auto 1fr;
    /* Each label on its value's baseline: "Amount" beside a figure half again as large. */
    align-items: baseline;
    gap: 4px 12px;
    margin: 12px 0 4px;
    padding: 14px;
    border: 1px solid color-mix(in srgb, var(--_text) 18%, var(--_bg));
    border-radius: 12px;
  }
  dt {
    color: var(--_muted);
  }
  dd {
    margin: 0;
    font-weight: 600;
  }
  dd.amount {
    font-size: 1.5rem;
    font-variant-numeric: tabular-nums;
  }
  .actions {
    display: grid;
    grid-template-columns: 1fr 1fr;
    gap: 12px;
    margin: 12px 0;
  }
  .stack {
    display: grid;
    gap: 12px;
    margin: 12px 0;
  }
  button {
    font: inherit;
    min-height: 48px;
    padding: 10px 16px;
    border-radius: 12px;
    cursor: pointer;
    font-weight: 600;
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  button:focus-visible,
  input:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  /* Approve and Decline are equally prominent: same size, same weight, different colour. */
  .approve {
    background: var(--_accent);
    color: var(--_bg);
    border: 2px solid var(--_accent);
  }
  .decline {
    background: var(--_bg);
    color: var(--_danger);
    border: 2px solid var(--_danger);
  }
  .secondary {
    background: transparent;
    color: var(--_text);
    border: 1px solid color-mix(in srgb, var(--_text) 40%, var(--_bg));
  }
  .test-mode {
    border: 2px dashed #8a4f00;
    border-radius: 12px;
    padding: 12px;
    margin: 16px 0;
  }
  .badge {
    display: inline-block;
    background: #8a4f00;
    color: #ffffff;
    border-radius: 6px;
    padding: 0 8px;
    font-size: 0.8rem;
    font-weight: 700;
    text-transform: uppercase;
    letter-spacing: 0.04em;
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 6px;
  }
  input {
    font: inherit;
    width: 100%;
    min-height: 48px;
    padding: 8px 12px;
    border-radius: 10px;
    border: 1px solid color-mix(in srgb, var(--_text) 40%, var(--_bg));
    background: var(--_bg);
    color: var(--_text);
  }
  input.code {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-size: 1.4rem;
    letter-spacing: 0.15em;
    text-transform: uppercase;
  }
  input.number {
    width: 5ch;
    font-size: 2rem;
    text-align: center;
    font-variant-numeric: tabular-nums;
  }
  .message {
    padding: 10px 12px;
    border-radius: 10px;
    margin: 12px 0;
    border-left: 4px solid var(--_danger);
    background: color-mix(in srgb, var(--_danger) 10%, var(--_bg));
  }
  .outcome {
    font-size: 1.35rem;
    font-weight: 700;
  }
  .outcome.ok {
    color: var(--_ok);
  }
  .outcome.bad {
    color: var(--_danger);
  }
  .outcome.neutral {
    color: var(--_text);
  }
  .receipt {
    font-variant-numeric: tabular-nums;
    color: var(--_muted);
    font-size: 0.9rem;
  }
  /* A settlement id has no words to break between: break anywhere, not just at its "-". */
  .reference {
    word-break: break-all;
  }
  .spinner {
    display: inline-block;
    width: 18px;
    height: 18px;
    border-radius: 50%;
    border: 3px solid color-mix(in srgb, var(--_accent) 25%, transparent);
    border-top-color: var(--_accent);
    animation: spin 0.9s linear infinite;
    vertical-align: -3px;
    margin-right: 8px;
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
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
