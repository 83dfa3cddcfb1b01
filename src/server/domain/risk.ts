/**
 * The risk policy (adaptive authentication): before every settlement, after the card's assertion
 * verified, it weighs what the issuer knows about this approval and allows it or refuses it with
 * `risk_declined` and reasons. Two kinds of rule, both from a JSON file (`--risk-policy FILE`):
 *
 *  - velocity limits, each a hard stop: payments and failed approvals per account and per card in
 *    a short window (a burst) and a long one (a day), and accounts paid for from one phone;
 *  - a score of soft signals, refused only when enough of them meet: a new card, a new merchant
 *    for this payer, a merchant page on another network than the phone, an amount far above the
 *    account's history, a phone shared by several accounts, recent failed approvals.
 *
 * The defaults never refuse ordinary micropayments: a payer topping up 50 times in a minute from
 * a new card at a new merchant passes. docs/operations.md "Risk policy" documents every knob.
 */
import { readFileSync } from 'node:fs';
import { networkOf } from '../rate-limit.js';
import type { RiskSignalQuery, RiskSignals, Store } from '../store/types.js';
import type { PaymentAttempt, PaymentPolicy, PolicyDecision } from './policy.js';

/**
 * Hard limits, each the most a window may hold (`null`: no limit). Payments, amounts and accounts
 * count this payment too; failures are the failed approvals before it.
 */
export interface RiskLimits {
  /** Payments by the account in the short window. */
  accountPaymentsShort: number | null;
  /** Payments by the account in the long window. */
  accountPaymentsLong: number | null;
  /** Their sum in the account's currency (minor units). */
  accountAmountShort: number | null;
  /** Failed approvals (a card identified, its assertion refused) by the account, short window. */
  accountFailuresShort: number | null;
  /** Payments by this card in the short window. */
  cardPaymentsShort: number | null;
  /** Failed approvals by this card in the long window. */
  cardFailuresLong: number | null;
  /** Accounts paid for from this phone in the long window. */
  phoneAccountsLong: number | null;
}

/** Soft signals: each that holds adds its weight; a total at or above `refuseAt` refuses. */
export interface RiskScore {
  refuseAt: number;
  weights: {
    /** The card became active less than `newCardSeconds` ago. */
    newCard: number;
    /** The account never paid this merchant before. */
    newMerchant: number;
    /** The merchant page and the phone are on different networks (IPv4 /24, IPv6 /48). */
    otherNetwork: number;
    /** The amount is over `largeAmountFactor` × the account's largest payment so far. */
    largeAmount: number;
    /** This phone paid for `sharedPhoneAccounts` or more accounts in the long window. */
    sharedPhone: number;
    /** The card failed `recentFailures` or more approvals in the long window. */
    recentFailures: number;
  };
  newCardSeconds: number;
  largeAmountFactor: number;
  /** Payments the account must have made before `largeAmount` can hold (no history, no signal). */
  largeAmountHistory: number;
  sharedPhoneAccounts: number;
  recentFailures: number;
}

export interface RiskPolicyConfig {
  /** The windows, in seconds: a burst and a day. */
  shortWindowSeconds: number;
  longWindowSeconds: number;
  limits: RiskLimits;
  score: RiskScore;
}

/** The defaults: generous limits no honest payer meets, and a score that needs five signals. */
export const DEFAULT_RISK_POLICY: RiskPolicyConfig = {
  shortWindowSeconds: 60,
  longWindowSeconds: 86_400,
  limits: {
    accountPaymentsShort: 120,
    accountPaymentsLong: 2_000,
    accountAmountShort: null,
    accountFailuresShort: 10,
    cardPaymentsShort: 120,
    cardFailuresLong: 20,
    phoneAccountsLong: 10,
  },
  score: {
    refuseAt: 6,
    weights: {
      newCard: 1,
      newMerchant: 1,
      otherNetwork: 1,
      largeAmount: 2,
      sharedPhone: 2,
      recentFailures: 1,
    },
    newCardSeconds: 86_400,
    largeAmountFactor: 10,
    largeAmountHistory: 3,
    sharedPhoneAccounts: 3,
    recentFailures: 3,
  },
};

/** A policy file that cannot be used: the issuer does not start with it. */
export class RiskPolicyError extends Error {
  override readonly name = 'RiskPolicyError';
}

type SignalName = keyof RiskScore['weights'];

/** What one decision weighed (audited with it). */
export interface RiskAssessment {
  signals: RiskSignals & {
    /** Accounts paid for from this phone in the long window, this one included. */
    phoneAccountsLong: number | null;
    sameNetwork: boolean | null;
    cardAgeSeconds: number;
  };
  /** Soft signals that held, and their total weight. */
  flags: SignalName[];
  score: number;
  /** Why it refused (empty: allowed). */
  reasons: string[];
}

export class RiskPolicy implements PaymentPolicy {
  readonly config: RiskPolicyConfig;
  private readonly store: Store;
  private readonly caps: RiskSignalQuery['caps'];

  constructor(store: Store, config: RiskPolicyConfig = DEFAULT_RISK_POLICY) {
    this.store = store;
    this.config = config;
    this.caps = capsFor(config);
  }

  async evaluate(attempt: PaymentAttempt): Promise<PolicyDecision> {
    const assessment = await this.assess(attempt);
    const signals = { ...assessment.signals, flags: assessment.flags, score: assessment.score };
    if (assessment.reasons.length === 0) return { allow: true, signals };
    return { allow: false, code: 'risk_declined', reasons: assessment.reasons, signals };
  }

  /** The signals for one approval and what the policy makes of them. */
  async assess(attempt: PaymentAttempt): Promise<RiskAssessment> {
    const { session, card, account, merchant, now } = attempt;
    const counts = await this.store.riskSignals({
      accountId: account.id,
      cardId: card.id,
      merchantId: merchant.id,
      phoneTokenHash: session.phoneTokenHash,
      shortSince: now - this.config.shortWindowSeconds * 1000,
      longSince: now - this.config.longWindowSeconds * 1000,
      caps: this.caps,
    });
    const phoneNetwork = networkOf(attempt.phoneIp);
    const sameNetwork =
      session.pageNetwork && phoneNetwork ? session.pageNetwork === phoneNetwork : null;
    const cardAgeSeconds = Math.floor((now - (card.activatesAt ?? card.createdAt)) / 1000);
    const phoneAccountsLong =
      counts.phoneOtherAccountsLong === null ? null : counts.phoneOtherAccountsLong + 1;
    const signals = { ...counts, phoneAccountsLong, sameNetwork, cardAgeSeconds };
    const reasons = this.overLimits(signals, attempt.limitAmount);
    const { flags, score } = this.score(signals, attempt.limitAmount);
    if (score >= this.config.score.refuseAt) {
      reasons.push(`score ${score} ≥ ${this.config.score.refuseAt}: ${flags.join(', ')}`);
    }
    return { signals, flags, score, reasons };
  }

  /** The limits this payment would pass, as reasons (`cardPaymentsShort limit 3`). */
  private overLimits(signals: RiskAssessment['signals'], limitAmount: number): string[] {
    const { limits } = this.config;
    const plus = (count: number | null, more: number) => (count === null ? null : count + more);
    // A limit's count is read whenever the limit is set (`capsFor`), so null means no limit.
    const withThis: Record<keyof RiskLimits, number | null> = {
      accountPaymentsShort: plus(signals.accountPaymentsShort, 1),
      accountPaymentsLong: plus(signals.accountPaymentsLong, 1),
      accountAmountShort: plus(signals.accountAmountShort, limitAmount),
      accountFailuresShort: signals.accountFailuresShort,
      cardPaymentsShort: plus(signals.cardPaymentsShort, 1),
      cardFailuresLong: signals.cardFailuresLong,
      phoneAccountsLong: signals.phoneAccountsLong,
    };
    return (Object.keys(withThis) as (keyof RiskLimits)[])
      .filter((name) => (withThis[name] ?? -Infinity) > (limits[name] ?? Infinity))
      .map((name) => `${name} limit ${limits[name]}`);
  }

  private score(
    signals: RiskAssessment['signals'],
    limitAmount: number,
  ): { flags: SignalName[]; score: number } {
    const rule = this.config.score;
    // A signal of weight 0 is not read (`capsFor`): its count is null and it does not hold.
    const atLeast = (count: number | null, threshold: number) =>
      count !== null && count >= threshold;
    const held: Record<SignalName, boolean> = {
      newCard: signals.cardAgeSeconds < rule.newCardSeconds,
      newMerchant: signals.merchantPaymentsEver === 0,
      otherNetwork: signals.sameNetwork === false,
      largeAmount:
        atLeast(signals.accountPaymentsEver, rule.largeAmountHistory) &&
        limitAmount > rule.largeAmountFactor * (signals.accountLargestAmount ?? Infinity),
      sharedPhone: atLeast(signals.phoneAccountsLong, rule.sharedPhoneAccounts),
      recentFailures: atLeast(signals.cardFailuresLong, rule.recentFailures),
    };
    const flags = (Object.keys(held) as SignalName[]).filter((name) => held[name]);
    return { flags, score: flags.reduce((total, name) => total + rule.weights[name], 0) };
  }
}

/** The most any count reads: more payments than an account makes in any window. */
const MAX_CAP = 1_000_000;

/**
 * What the store must read for `config`, each count with its own cap: one past the largest
 * threshold it is compared with (a busy account then costs no more than a quiet one). A limit
 * set to null and a signal of weight 0 read nothing.
 */
export function capsFor(config: RiskPolicyConfig): RiskSignalQuery['caps'] {
  const caps: RiskSignalQuery['caps'] = {};
  // A threshold beyond what any count reaches (a file's 1e300) reads no further than MAX_CAP.
  const need = (name: keyof RiskSignals, threshold: number) => {
    const cap = Math.min(MAX_CAP, Math.floor(threshold) + 1);
    caps[name] = Math.max(caps[name] ?? 0, cap);
  };
  const { limits, score } = config;
  const { weights } = score;
  for (const name of [
    'accountPaymentsShort',
    'accountPaymentsLong',
    'accountFailuresShort',
    'cardPaymentsShort',
    'cardFailuresLong',
  ] as const) {
    if (limits[name] !== null) need(name, limits[name]);
  }
  // This phone's own account counts too: the other accounts need to reach the limit less one.
  if (limits.phoneAccountsLong !== null) need('phoneOtherAccountsLong', limits.phoneAccountsLong);
  if (weights.sharedPhone > 0) need('phoneOtherAccountsLong', score.sharedPhoneAccounts);
  if (weights.recentFailures > 0) need('cardFailuresLong', score.recentFailures);
  if (weights.newMerchant > 0) need('merchantPaymentsEver', 0);
  if (weights.largeAmount > 0) {
    need('accountPaymentsEver', score.largeAmountHistory);
    need('accountLargestAmount', 0);
  }
  if (limits.accountAmountShort !== null) {
    // The sum reads the window's payments up to the largest count's cap, and at least 1,000.
    const counts = Object.values(caps);
    need('accountAmountShort', Math.max(1_000, ...counts));
  }
  return caps;
}

// ── the policy file ──

/**
 * Reads a policy file: JSON with any subset of `DEFAULT_RISK_POLICY`'s fields (the rest keep
 * their defaults). Unknown fields, wrong types and negative numbers are refused by name.
 */
export function loadRiskPolicy(file: string): RiskPolicyConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RiskPolicyError(`cannot read the risk policy ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RiskPolicyError(`the risk policy ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseRiskPolicy(json, file);
}

/** `input` merged onto the defaults, checked field by field. */
export function parseRiskPolicy(input: unknown, source = 'risk policy'): RiskPolicyConfig {
  const merged = mergeChecked(DEFAULT_RISK_POLICY, input, source) as RiskPolicyConfig;
  if (merged.shortWindowSeconds < 1 || merged.longWindowSeconds < merged.shortWindowSeconds) {
    throw new RiskPolicyError(`${source}: windows need 1 ≤ shortWindowSeconds ≤ longWindowSeconds`);
  }
  return merged;
}

/** `input` over `base`, with `base`'s shape: objects recurse, numbers stay numbers (or null). */
function mergeChecked(base: unknown, input: unknown, path: string): unknown {
  if (input === undefined) return base;
  if (base !== null && typeof base === 'object') {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new RiskPolicyError(`${path}: expected an object`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(base, key)) throw new RiskPolicyError(`${path}.${key}: unknown field`);
    }
    for (const [key, value] of Object.entries(base)) {
      out[key] = mergeChecked(value, (input as Record<string, unknown>)[key], `${path}.${key}`);
    }
    return out;
  }
  const nullable = path.includes('.limits.');
  if (input === null && nullable) return null;
  if (typeof input !== 'number' || !Number.isFinite(input) || input < 0) {
    throw new RiskPolicyError(
      `${path}: expected a number ≥ 0${nullable ? ' or null (no limit)' : ''}`,
    );
  }
  return input;
}
