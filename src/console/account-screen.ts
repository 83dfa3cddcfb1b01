/**
 * `<console-account>`: one payer account at the desk. Details and this month's usage, the ID-check
 * record, an enrolment for the customer's phone (QR, link, countdown), the cards with Revoke, and
 * the changes an operator may make: display name, monthly limit, freeze/unfreeze. Revoking and
 * freezing ask for confirmation first.
 */
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { accountDetails, cardsTable, idCheckRecord, statusBadge } from './account-views.js';
import type { ConsoleConfirm } from './confirm-dialog.js';
import './confirm-dialog.js';
import './enrolment-panel.js';
import { parseMajorAmount, toMajorText } from './format.js';
import { describedBy, fieldError, invalid, valueOf, type FieldErrors } from './forms.js';
import { routePath } from './router.js';
import { ConsoleScreen } from './screen-base.js';
import type { Account, AccountChanges, Card, Enrollment } from './types.js';

/** How often the page looks for the new card while an enrolment is on screen. */
const WATCH_INTERVAL_MS = 3000;

export class ConsoleAccount extends ConsoleScreen {
  @property() accountId = '';

  @state() private account: Account | null = null;
  @state() private error = '';
  @state() private busy = false;
  @state() private enrollment: Enrollment | null = null;
  @state() private errors: FieldErrors = {};
  @query('console-confirm') private confirm!: ConsoleConfirm;
  private watch: ReturnType<typeof setInterval> | undefined;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('accountId')) void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopWatching();
  }

  private async load(): Promise<Account | null> {
    try {
      this.account = await this.api.account(this.accountId);
      this.error = '';
      return this.account;
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
      return null;
    }
  }

  /** Runs one change; the answer replaces the account shown. */
  private async change(changes: AccountChanges, done: string): Promise<boolean> {
    this.busy = true;
    this.error = '';
    try {
      this.account = await this.api.updateAccount(this.accountId, changes);
      this.announce(done);
      return true;
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private async toggleFrozen(): Promise<void> {
    const account = this.account;
    if (!account) return;
    const freeze = !account.frozen;
    const confirmed = await this.confirm.ask({
      title: this.t(freeze ? 'freezeConfirmTitle' : 'unfreezeConfirmTitle', {
        name: account.displayName,
      }),
      body: this.t(freeze ? 'freezeConfirmBody' : 'unfreezeConfirmBody'),
      confirmLabel: this.t(freeze ? 'freeze' : 'unfreeze'),
      cancelLabel: this.t('cancel'),
      danger: freeze,
    });
    if (!confirmed) return;
    await this.change({ frozen: freeze }, this.t(freeze ? 'accountFrozen' : 'accountUnfrozen'));
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const account = this.account;
    if (!account) return;
    const root = this.renderRoot;
    const displayName = valueOf(root, 'edit-name');
    const limit = parseMajorAmount(valueOf(root, 'edit-limit'), account.currency);
    const errors: FieldErrors = {};
    if (!displayName) errors['edit-name'] = this.t('errNameRequired');
    if (limit === null || limit === undefined) {
      errors['edit-limit'] = this.t('errLimit', { currency: account.currency });
    }
    this.errors = errors;
    if (Object.keys(errors).length > 0) {
      await this.updateComplete;
      root.querySelector<HTMLElement>(errors['edit-name'] ? '#edit-name' : '#edit-limit')?.focus();
      return;
    }
    const changes: AccountChanges = {};
    if (displayName !== account.displayName) changes.displayName = displayName;
    if (limit !== account.monthlyLimit && typeof limit === 'number') changes.monthlyLimit = limit;
    if (Object.keys(changes).length === 0) {
      this.announce(this.t('nothingChanged'));
      return;
    }
    await this.change(changes, this.t('changesSaved'));
  }

  private async enrol(): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      this.enrollment = await this.api.createEnrollment(this.accountId);
      this.announce(this.t('enrolIssued'));
      this.startWatching();
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
    } finally {
      this.busy = false;
    }
  }

  /** While the QR is shown, reloads the account until a new card appears or the code expires. */
  private startWatching(): void {
    this.stopWatching();
    const known = new Set(this.account?.cards.map((card) => card.id));
    this.watch = setInterval(async () => {
      const enrollment = this.enrollment;
      if (!enrollment || Date.parse(enrollment.expiresAt) <= Date.now()) {
        this.stopWatching();
        return;
      }
      const account = await this.load();
      const added = account?.cards.find((card) => !known.has(card.id));
      if (added) {
        this.stopWatching();
        this.enrollment = null;
        this.announce(this.t('cardAdded', { name: added.name }));
        this.focusById('cards-title');
      }
    }, WATCH_INTERVAL_MS);
  }

  private stopWatching(): void {
    clearInterval(this.watch);
    this.watch = undefined;
  }

  private async revoke(card: Card): Promise<void> {
    const confirmed = await this.confirm.ask({
      title: this.t('revokeConfirmTitle', { name: card.name }),
      body: this.t('revokeConfirmBody'),
      confirmLabel: this.t('revokeCard'),
      cancelLabel: this.t('cancel'),
      danger: true,
    });
    if (!confirmed) return;
    try {
      await this.api.revokeCard(card.id);
      await this.load();
      this.announce(this.t('cardRevokedDone', { name: card.name }));
      this.focusById('cards-title');
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
    }
  }

  private renderChanges(account: Account): TemplateResult {
    const e = this.errors;
    return html`<section aria-labelledby="change-title">
      <h2 id="change-title">${this.t('changeTitle')}</h2>
      <form novalidate @submit=${(event: SubmitEvent) => void this.save(event)}>
        <div class="grid-2">
          <div class="field">
            <label for="edit-name">${this.t('displayName')}</label>
            <input
              id="edit-name"
              maxlength="100"
              autocomplete="off"
              .value=${account.displayName}
              aria-invalid=${invalid('edit-name', e)}
              aria-describedby=${describedBy('edit-name', e, false)}
            />
            ${fieldError('edit-name', e)}
          </div>
          <div class="field">
            <label for="edit-limit"
              >${this.t('monthlyLimitIn', { currency: account.currency })}</label
            >
            <input
              id="edit-limit"
              inputmode="decimal"
              autocomplete="off"
              .value=${toMajorText(account.monthlyLimit, account.currency)}
              aria-invalid=${invalid('edit-limit', e)}
              aria-describedby=${describedBy('edit-limit', e)}
            />
            <p class="help" id="edit-limit-help">${this.t('editLimitHelp')}</p>
            ${fieldError('edit-limit', e)}
          </div>
        </div>
        <button class="primary" type="submit" ?disabled=${this.busy}>
          ${this.t('saveChanges')}
        </button>
      </form>
      <h3>${this.t(account.frozen ? 'unfreezeTitle' : 'freezeTitle')}</h3>
      <p class="help">${this.t(account.frozen ? 'unfreezeHelp' : 'freezeHelp')}</p>
      <div class="actions">
        <button
          class=${account.frozen ? '' : 'danger'}
          type="button"
          ?disabled=${this.busy}
          @click=${() => void this.toggleFrozen()}
        >
          ${this.t(account.frozen ? 'unfreezeAccount' : 'freezeAccount')}
        </button>
      </div>
    </section>`;
  }

  private renderEnrolment(account: Account): TemplateResult {
    return html`<section aria-labelledby="enrol-section-title">
      <h2 id="enrol-section-title">${this.t('enrolSectionTitle')}</h2>
      <p class="help" id="enrol-section-help">${this.t('enrolSectionHelp')}</p>
      <div class="actions">
        <button
          class="primary"
          type="button"
          aria-describedby="enrol-section-help"
          ?disabled=${this.busy}
          @click=${() => void this.enrol()}
        >
          ${this.t(this.enrollment ? 'issueAnotherEnrolment' : 'issueEnrolment')}
        </button>
      </div>
      <console-enrolment
        .api=${this.api}
        locale=${this.locale}
        .enrollment=${this.enrollment}
        accountName=${account.displayName}
      ></console-enrolment>
    </section>`;
  }

  protected override render(): TemplateResult {
    const account = this.account;
    const views = this.views;
    return html`<p class="crumbs">
        <a href=${routePath({ name: 'accounts', query: '' })}>${this.t('backToAccounts')}</a>
      </p>
      <div class="title">
        <h1 tabindex="-1">${account ? account.displayName : this.t('accountTitle')}</h1>
        ${account ? statusBadge(views, account) : nothing}
      </div>
      ${this.error ? html`<p class="message" role="alert">${this.error}</p>` : nothing}
      ${
        account
          ? html`${accountDetails(views, account)} ${idCheckRecord(views, account)}
              ${this.renderEnrolment(account)}
              ${cardsTable(views, account, (card) => void this.revoke(card))}
              ${this.renderChanges(account)}
              <p class="more">
                <a href=${routePath({ name: 'audit', filters: { accountId: account.id } })}
                  >${this.t('auditOfAccount')}</a
                >
              </p>`
          : this.error
            ? nothing
            : html`<p>${this.t('loading')}</p>`
      }
      <console-confirm></console-confirm>`;
  }
}

if (!customElements.get('console-account'))
  customElements.define('console-account', ConsoleAccount);
