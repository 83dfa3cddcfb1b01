/** The console frame: the header bar (brand, menu, who is signed in, language) and the page width. */
import { css } from 'lit';

export const appStyles = css`
  :host {
    min-height: 100vh;
  }
  header {
    background: var(--dp-surface);
    border-bottom: 1px solid var(--dp-line);
  }
  .bar {
    max-width: 1200px;
    margin: 0 auto;
    padding: 8px 24px;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 24px;
  }
  .brand {
    margin: 0;
    font-weight: 800;
    color: var(--dp-accent);
    letter-spacing: 0.02em;
  }
  .brand span {
    color: var(--dp-text);
    font-weight: 600;
  }
  nav ul {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    list-style: none;
    margin: 0;
    padding: 0;
  }
  nav a {
    display: inline-block;
    padding: 8px 12px;
    border-radius: 8px;
    color: var(--dp-text);
    text-decoration: none;
    font-weight: 600;
  }
  nav a:hover {
    text-decoration: underline;
  }
  nav a[aria-current='page'] {
    background: color-mix(in srgb, var(--dp-accent) 16%, var(--dp-bg));
    color: var(--dp-text);
    box-shadow: inset 0 -3px 0 var(--dp-accent);
  }
  .who {
    margin-left: auto;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 12px;
  }
  .who .label {
    color: var(--dp-muted);
  }
  .who select {
    min-height: 40px;
  }
  main {
    display: block;
    max-width: 1200px;
    margin: 0 auto;
    padding: 24px 24px 48px;
  }
  main:focus {
    outline: none;
  }
  @media (max-width: 800px) {
    .bar,
    main {
      padding-left: 16px;
      padding-right: 16px;
    }
  }
`;
