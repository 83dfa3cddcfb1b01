/**
 * The console's styles: constructable style sheets only (Lit `css`, adoptedStyleSheets), so the
 * page's CSP needs no `'unsafe-inline'`. The palette lives on `:root` (documentStyles) and is
 * inherited by every screen's shadow root; light and dark follow `prefers-color-scheme`.
 */
import { css } from 'lit';

/** Adopted by the document: the palette, and html/body painted in it (no white flash in dark). */
export const documentStyles = css`
  :root {
    color-scheme: light dark;
    --dp-bg: #ffffff;
    --dp-surface: #f3f4f8;
    --dp-text: #1b1b1f;
    --dp-muted: #55565e;
    --dp-line: #c4c6d0;
    --dp-accent: #0b57d0;
    --dp-on-accent: #ffffff;
    --dp-danger: #b3261e;
    --dp-ok: #146c2e;
    --dp-warn: #8a4f00;
    --dp-focus: #0b57d0;
  }
  @media (prefers-color-scheme: dark) {
    :root {
      --dp-bg: #131316;
      --dp-surface: #1f1f23;
      --dp-text: #e3e2e6;
      --dp-muted: #c4c6d0;
      --dp-line: #46474f;
      --dp-accent: #a8c7fa;
      --dp-on-accent: #0b1d3f;
      --dp-danger: #f2b8b5;
      --dp-ok: #8fd89b;
      --dp-warn: #ffb870;
      --dp-focus: #a8c7fa;
    }
  }
  html,
  body {
    margin: 0;
    background: var(--dp-bg);
    color: var(--dp-text);
  }
`;

/** Shared by the console's elements. */
export const consoleStyles = css`
  :host {
    display: block;
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Noto Sans KR',
      sans-serif;
    color: var(--dp-text);
    line-height: 1.5;
    word-break: keep-all;
    overflow-wrap: anywhere;
  }
  * {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  h1 {
    font-size: 1.6rem;
    margin: 0 0 12px;
  }
  h2 {
    font-size: 1.2rem;
    margin: 28px 0 10px;
  }
  h1:focus,
  h2:focus {
    outline: none;
  }
  h1:focus-visible,
  h2:focus-visible {
    outline: 3px solid var(--dp-focus);
    outline-offset: 4px;
  }
  p {
    margin: 0 0 12px;
  }
  a {
    color: var(--dp-accent);
  }
  a:focus-visible,
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible,
  [tabindex='0']:focus-visible,
  summary:focus-visible {
    outline: 3px solid var(--dp-focus);
    outline-offset: 2px;
  }
  code,
  .mono {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-size: 0.92em;
  }
  .muted,
  .help {
    color: var(--dp-muted);
  }
  .help {
    font-size: 0.9rem;
    margin: 4px 0 0;
  }
  .help.lead {
    margin: 0 0 12px;
  }
  .more {
    margin-top: 28px;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 8px 16px;
  }
  .title {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 16px;
  }
  .title h1 {
    margin-bottom: 8px;
  }
  .panel > h2:first-child {
    margin-top: 0;
  }
  .crumbs {
    margin: 0 0 8px;
    font-size: 0.95rem;
  }
  button,
  a.button {
    font: inherit;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    min-height: 40px;
    padding: 6px 16px;
    border-radius: 8px;
    cursor: pointer;
    font-weight: 600;
    text-decoration: none;
    white-space: nowrap;
    border: 1px solid var(--dp-line);
    background: var(--dp-bg);
    color: var(--dp-text);
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  button.primary,
  a.button.primary {
    background: var(--dp-accent);
    border-color: var(--dp-accent);
    color: var(--dp-on-accent);
  }
  button.danger {
    color: var(--dp-danger);
    border: 2px solid var(--dp-danger);
  }
  button.danger.solid {
    background: var(--dp-danger);
    color: var(--dp-bg);
  }
  button.small {
    min-height: 32px;
    padding: 2px 10px;
    font-size: 0.9rem;
  }
  form {
    margin: 0;
  }
  fieldset {
    border: 1px solid var(--dp-line);
    border-radius: 10px;
    padding: 12px 16px 16px;
    margin: 0 0 16px;
  }
  legend {
    font-weight: 700;
    padding: 0 6px;
  }
  .field {
    margin: 0 0 14px;
    max-width: 36rem;
  }
  label,
  .label {
    display: block;
    font-weight: 600;
    margin-bottom: 4px;
  }
  .choice {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font-weight: 400;
    margin-right: 16px;
  }
  input,
  select,
  textarea {
    font: inherit;
    min-height: 40px;
    padding: 6px 10px;
    border-radius: 8px;
    border: 1px solid var(--dp-muted);
    background: var(--dp-bg);
    color: var(--dp-text);
  }
  input:not([type='radio']):not([type='checkbox']),
  textarea {
    width: 100%;
  }
  input[type='radio'] {
    min-height: auto;
    width: 1.1rem;
    height: 1.1rem;
    margin: 0;
  }
  textarea {
    min-height: 6rem;
    resize: vertical;
  }
  [aria-invalid='true'] {
    border: 2px solid var(--dp-danger);
  }
  .field-error {
    color: var(--dp-danger);
    font-size: 0.9rem;
    margin: 4px 0 0;
    font-weight: 600;
  }
  .inline {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: flex-end;
  }
  .inline > .grow {
    flex: 1 1 16rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 10px;
    margin: 12px 0;
  }
  .message {
    padding: 10px 12px;
    border-radius: 8px;
    margin: 12px 0;
    border-left: 4px solid var(--dp-danger);
    background: color-mix(in srgb, var(--dp-danger) 10%, var(--dp-bg));
  }
  .notice {
    padding: 10px 12px;
    border-radius: 8px;
    margin: 12px 0;
    border-left: 4px solid var(--dp-accent);
    background: color-mix(in srgb, var(--dp-accent) 10%, var(--dp-bg));
  }
  .table-wrap {
    overflow-x: auto;
    margin: 8px 0 16px;
    border: 1px solid var(--dp-line);
    border-radius: 10px;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  caption {
    text-align: left;
    font-weight: 700;
    padding: 10px 12px 4px;
  }
  th,
  td {
    text-align: left;
    padding: 8px 12px;
    border-bottom: 1px solid var(--dp-line);
    vertical-align: top;
  }
  thead th {
    font-size: 0.9rem;
    color: var(--dp-muted);
    white-space: nowrap;
  }
  tbody tr:last-child > * {
    border-bottom: none;
  }
  .num {
    text-align: right;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .nowrap {
    white-space: nowrap;
  }
  .badge {
    display: inline-block;
    border-radius: 6px;
    padding: 0 8px;
    font-size: 0.8rem;
    font-weight: 700;
    letter-spacing: 0.03em;
    border: 1px solid currentColor;
    white-space: nowrap;
  }
  .badge.frozen,
  .badge.revoked-key {
    background: var(--dp-danger);
    border-color: var(--dp-danger);
    color: var(--dp-bg);
  }
  .badge.active {
    color: var(--dp-ok);
  }
  .badge.pending,
  .badge.test {
    color: var(--dp-warn);
  }
  .badge.revoked {
    color: var(--dp-muted);
  }
  .badge.live,
  .badge.webhook-delivered {
    color: var(--dp-ok);
  }
  .badge.webhook-pending {
    color: var(--dp-warn);
  }
  .badge.webhook-failed {
    color: var(--dp-danger);
  }
  code.event-id {
    font-size: 0.82rem;
    word-break: break-all;
  }
  ol.attempts {
    margin: 4px 0 0;
    padding-left: 1.2rem;
    font-size: 0.88rem;
  }
  dl.details {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 6px 16px;
    margin: 8px 0 16px;
    padding: 14px 16px;
    border: 1px solid var(--dp-line);
    border-radius: 10px;
  }
  dt {
    color: var(--dp-muted);
  }
  dd {
    margin: 0;
    font-weight: 600;
  }
  meter {
    width: 100%;
    max-width: 28rem;
    height: 1.1rem;
  }
  .panel {
    border: 1px solid var(--dp-line);
    border-radius: 12px;
    padding: 16px;
    margin: 12px 0;
    background: var(--dp-surface);
  }
  .secret {
    border: 2px solid var(--dp-warn);
  }
  .secret-value {
    display: block;
    padding: 8px 10px;
    margin: 8px 0;
    border-radius: 8px;
    background: var(--dp-bg);
    border: 1px solid var(--dp-line);
    user-select: all;
    word-break: break-all;
  }
  table.audit thead th {
    white-space: normal;
  }
  th.time {
    min-width: 8.5rem;
    font-weight: 400;
  }
  code.action {
    font-weight: 700;
    white-space: nowrap;
  }
  td.ids {
    min-width: 11rem;
  }
  pre.detail {
    margin: 4px 0 0;
    font-size: 0.82rem;
    white-space: pre-wrap;
    word-break: break-all;
    max-width: 28rem;
  }
  .filters {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
    gap: 0 16px;
  }
  .grid-2 {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
    gap: 0 24px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
  }
  @media (prefers-reduced-motion: no-preference) {
    button,
    a.button {
      transition: background-color 0.15s;
    }
  }
`;
