/**
 * The read-only parts of the account page, as templates of an `Account`: its details with this
 * month's usage against the limit, the ID-check record and the cards table. The screen
 * (account-screen.ts) owns the state and the actions; these only show.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { documentTypeKey, type MessageKey } from './locales.js';
import type { ViewContext } from './screen-base.js';
import type { Account, Card } from './types.js';

export function statusBadge(v: ViewContext, account: Account): TemplateResult {
  return account.frozen
    ? html`<span class="badge frozen">${v.t('frozen')}</span>`
    : html`<span class="badge active">${v.t('statusActive')}</span>`;
}

export function accountDetails(v: ViewContext, account: Account): TemplateResult {
  const { currency } = account;
  return html`<section aria-labelledby="details-title">
    <h2 id="details-title">${v.t('detailsTitle')}</h2>
    <dl class="details">
      <dt>${v.t('colId')}</dt>
      <dd><code>${account.id}</code></dd>
      <dt>${v.t('colStatus')}</dt>
      <dd>${statusBadge(v, account)}</dd>
      <dt>${v.t('colCurrency')}</dt>
      <dd>${currency}</dd>
      <dt>${v.t('colMonthlyLimit')}</dt>
      <dd>${v.money(account.monthlyLimit, currency)}</dd>
      <dt id="usage-label">${v.t('usedThisMonth')}</dt>
      <dd>
        <p>
          ${v.t('usageOf', {
            used: v.money(account.usedThisMonth, currency),
            limit: v.money(account.monthlyLimit, currency),
          })}
        </p>
        <meter
          aria-labelledby="usage-label"
          min="0"
          max=${Math.max(account.monthlyLimit, 1)}
          low=${account.monthlyLimit * 0.8}
          high=${account.monthlyLimit * 0.95}
          optimum="0"
          value=${account.usedThisMonth}
        ></meter>
      </dd>
      <dt>${v.t('created')}</dt>
      <dd>${v.date(account.createdAt)}</dd>
    </dl>
  </section>`;
}

export function idCheckRecord(v: ViewContext, account: Account): TemplateResult {
  const check = account.idCheck;
  return html`<section aria-labelledby="id-check-title">
    <h2 id="id-check-title">${v.t('idCheckTitle')}</h2>
    ${
      check
        ? html`<dl class="details">
            <dt>${v.t('documentType')}</dt>
            <dd>${v.t(documentTypeKey(check.documentType))}</dd>
            <dt>${v.t('numberEndingShort')}</dt>
            <dd><code>…${check.numberEnding}</code></dd>
            <dt>${v.t('note')}</dt>
            <dd>${check.note || html`<span class="muted">${v.t('none')}</span>`}</dd>
            <dt>${v.t('checkedBy')}</dt>
            <dd>${check.checkedBy}</dd>
            <dt>${v.t('checkedAt')}</dt>
            <dd>${v.date(check.checkedAt)}</dd>
          </dl>`
        : html`<p class="notice">${v.t('noIdCheck')}</p>`
    }
  </section>`;
}

const STATUS_KEYS = {
  active: 'cardActive',
  pending: 'cardPending',
  revoked: 'cardRevoked',
} as const satisfies Record<Card['status'], MessageKey>;

function cardRow(v: ViewContext, card: Card, revoke: (card: Card) => void): TemplateResult {
  return html`<tr>
    <th scope="row">${card.name}</th>
    <td>
      <span class="badge ${card.status}">${v.t(STATUS_KEYS[card.status])}</span>
      ${
        card.status === 'revoked' && card.revokedAt
          ? html`<br /><span class="muted nowrap">${v.date(card.revokedAt)}</span>`
          : card.status === 'pending' && card.activatesAt
            ? html`<br /><span class="muted"
                  >${v.t('activatesAt', { at: v.date(card.activatesAt) })}</span
                >`
            : nothing
      }
    </td>
    <td>${v.date(card.createdAt)}</td>
    <td>
      ${card.lastUsedAt ? v.date(card.lastUsedAt) : html`<span class="muted">${v.t('never')}</span>`}
    </td>
    <td>
      ${
        card.test
          ? html`<span class="badge test">${v.t('cardTest')}</span>`
          : html`<span class="badge live">${v.t('cardHardware')}</span>`
      }
    </td>
    <td>
      ${
        card.status === 'revoked'
          ? nothing
          : html`<button
              class="danger small"
              type="button"
              aria-label=${v.t('revokeCardNamed', { name: card.name })}
              @click=${() => revoke(card)}
            >
              ${v.t('revoke')}
            </button>`
      }
    </td>
  </tr>`;
}

export function cardsTable(
  v: ViewContext,
  account: Account,
  revoke: (card: Card) => void,
): TemplateResult {
  return html`<section aria-labelledby="cards-title">
    <h2 id="cards-title" tabindex="-1">${v.t('cardsTitle')}</h2>
    ${
      account.cards.length === 0
        ? html`<p class="notice">${v.t('noCards')}</p>`
        : html`<div class="table-wrap" role="region" aria-labelledby="cards-caption" tabindex="0">
            <table>
              <caption id="cards-caption" class="visually-hidden">
                ${v.t('cardsCaption', { name: account.displayName })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">${v.t('colName')}</th>
                  <th scope="col">${v.t('colStatus')}</th>
                  <th scope="col">${v.t('created')}</th>
                  <th scope="col">${v.t('lastUsed')}</th>
                  <th scope="col">${v.t('colKind')}</th>
                  <th scope="col"><span class="visually-hidden">${v.t('colActions')}</span></th>
                </tr>
              </thead>
              <tbody>
                ${account.cards.map((card) => cardRow(v, card, revoke))}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}
