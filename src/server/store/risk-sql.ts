/**
 * The one statement behind `Store.riskSignals`, for both stores: each asked-for signal is a
 * subquery that reads an index and stops at its own cap. The caps are written into the text as
 * integer literals (SQLite plans `LIMIT ?` far worse than `LIMIT 11`: about 9 µs against 3.5 µs a
 * count), so there is one text per set of caps, which a policy fixes once. Signals not asked for
 * are not read.
 */
import type { RiskSignalName, RiskSignalQuery, RiskSignals } from './types.js';

/** The query's values a statement may use, numbered in the order it first uses them. */
type Param = 'account' | 'card' | 'merchant' | 'phone' | 'short' | 'long';

type Expression = (cap: number, p: (name: Param) => string) => string;

const counted = (from: string, cap: number) =>
  `(SELECT COUNT(*) FROM (SELECT 1 FROM ${from} LIMIT ${cap}) c)`;

/** Each signal's subquery. Ledger entries are settled payments; failures are audit rows. */
const SIGNALS: Record<RiskSignalName, Expression> = {
  accountPaymentsShort: (cap, p) =>
    counted(
      `ledger_entries WHERE account_id = ${p('account')} AND created_at >= ${p('short')}`,
      cap,
    ),
  accountPaymentsLong: (cap, p) =>
    counted(
      `ledger_entries WHERE account_id = ${p('account')} AND created_at >= ${p('long')}`,
      cap,
    ),
  accountAmountShort: (cap, p) =>
    `(SELECT COALESCE(SUM(limit_amount), 0) FROM (SELECT limit_amount FROM ledger_entries
       WHERE account_id = ${p('account')} AND created_at >= ${p('short')} LIMIT ${cap}) a)`,
  accountFailuresShort: (cap, p) =>
    counted(
      `audit_log WHERE account_id = ${p('account')} AND action = 'approval.failed' AND at >= ${p('short')}`,
      cap,
    ),
  cardPaymentsShort: (cap, p) =>
    counted(`ledger_entries WHERE card_id = ${p('card')} AND created_at >= ${p('short')}`, cap),
  cardFailuresLong: (cap, p) =>
    counted(
      `audit_log WHERE card_id = ${p('card')} AND action = 'approval.failed' AND at >= ${p('long')}`,
      cap,
    ),
  accountPaymentsEver: (cap, p) =>
    counted(`ledger_entries WHERE account_id = ${p('account')}`, cap),
  accountLargestAmount: (_cap, p) =>
    `(SELECT COALESCE(MAX(limit_amount), 0) FROM ledger_entries WHERE account_id = ${p('account')})`,
  merchantPaymentsEver: (cap, p) =>
    counted(
      `ledger_entries WHERE account_id = ${p('account')} AND merchant_id = ${p('merchant')}`,
      cap,
    ),
  phoneOtherAccountsLong: (cap, p) =>
    counted(
      `phone_accounts WHERE phone_token_hash = ${p('phone')} AND account_id <> ${p('account')}
         AND last_paid_at >= ${p('long')}`,
      cap,
    ),
};

const NAMES = Object.keys(SIGNALS) as RiskSignalName[];

/** A built statement: its text, the query values it takes in order, and the signals it reads. */
export interface RiskStatement {
  text: string;
  params: Param[];
  read: RiskSignalName[];
}

const built = new Map<string, RiskStatement>();

/**
 * The statement for `caps`. `placeholder(n)` writes the n-th (1-based) value's placeholder:
 * `@pn` for SQLite, `$n` for PostgreSQL. A cap must be a positive safe integer.
 */
export function riskStatement(
  caps: RiskSignalQuery['caps'],
  placeholder: (n: number) => string,
): RiskStatement {
  const read = NAMES.filter((name) => caps[name] !== undefined);
  const key = `${placeholder(1)} ${read.map((name) => `${name}=${caps[name]}`).join(' ')}`;
  const cached = built.get(key);
  if (cached) return cached;
  const params: Param[] = [];
  const p = (name: Param) => {
    if (!params.includes(name)) params.push(name);
    return placeholder(params.indexOf(name) + 1);
  };
  const columns = read.map((name, i) => {
    const cap = caps[name] as number;
    if (!Number.isSafeInteger(cap) || cap < 1) {
      throw new RangeError(`riskSignals: the cap of ${name} must be a positive integer`);
    }
    return `${SIGNALS[name](cap, p)} AS s${i}`;
  });
  const statement = { text: `SELECT ${columns.join(',\n  ') || 'NULL AS s'}`, params, read };
  built.set(key, statement);
  return statement;
}

/** The query's values for `statement`, in its order. */
export function riskParams(statement: RiskStatement, q: RiskSignalQuery): unknown[] {
  const values: Record<Param, unknown> = {
    account: q.accountId,
    card: q.cardId,
    merchant: q.merchantId,
    phone: q.phoneTokenHash,
    short: q.shortSince,
    long: q.longSince,
  };
  return statement.params.map((name) => values[name]);
}

/** The row the statement returned, as signals: `null` for each not read. */
export function riskSignalsOf(
  statement: RiskStatement,
  row: Record<string, unknown> | undefined,
  num: (value: unknown) => number,
): RiskSignals {
  const signals = Object.fromEntries(NAMES.map((name) => [name, null])) as unknown as RiskSignals;
  statement.read.forEach((name, i) => {
    signals[name] = num(row?.[`s${i}`] ?? 0);
  });
  return signals;
}
