/**
 * What the payer reads about Web Push, in English and Korean: the opt-in on the phone pages, the
 * system notification after each payment attempt, and the payment page it opens. `{name}` is
 * filled in as text. The language is the phone pages' (`phoneLocale`).
 */
import type { ErrorCode } from '../protocol/index.js';
import type { PhoneLocale } from './locales.js';

const en = {
  optInTitle: 'Payment notifications',
  optInHelp:
    'Get a notification on this phone after every payment with your card, and after every refused one — so you notice a payment you did not make.',
  optIn: 'Get a notification after every payment',
  optInWorking: 'Turning on notifications…',
  optInOn: 'This phone gets a notification after every payment.',
  optInBlocked:
    'Notifications are blocked for this site. Allow them in your browser’s site settings to turn them on.',
  optInFailed: 'Notifications could not be turned on. Try again later.',
  optInLate: 'Notifications can be turned on only right after a payment or enrolment.',
  // The system notification
  settledTitle: '{amount} paid to {merchant}',
  settledBody: 'Tap to see this payment. Not you? Freeze your account from there.',
  refusedTitle: 'A payment of {amount} was refused: {reason}',
  refusedBody: 'At {merchant}. Tap to see this payment.',
  refundTitle: '{amount} refunded by {merchant}',
  refundBody: 'Your monthly limit has this amount back. Tap to see the payment.',
  genericTitle: 'dualpay',
  genericBody: 'Open dualpay for details.',
  // Notices about the account (they open the recovery page, /r)
  frozenTitle: 'Your account was frozen with a recovery code',
  frozenBody: 'No payment can be made until it is unfrozen. Not you? Contact your issuer now.',
  recoveryCardTitle: 'A replacement card was added; it becomes active on {date}',
  recoveryCardBody: 'It was added with a recovery code. Not you? Freeze your account before then.',
  cardAddedTitle: 'A card was added to your account',
  cardAddedBody: 'Not you? Freeze your account.',
  // The payment page
  pageTitle: 'Payment',
  loading: 'Loading…',
  headingSettled: 'Payment made',
  headingRefused: 'Payment refused',
  headingStopped: 'Payment stopped',
  headingPending: 'Payment in progress',
  paidTo: 'Paid to',
  shop: 'Shop',
  amount: 'Amount',
  time: 'Time',
  outcome: 'Outcome',
  outcomeSettled: 'Paid',
  outcomeRefused: 'Refused: {reason}',
  outcomePending: 'Waiting for approval',
  stopped_declined: 'Declined on the phone',
  stopped_expired: 'Expired before approval',
  stopped_cancelled: 'Cancelled by the shop',
  stopped_failed: 'Stopped after failed attempts',
  notYou: 'Not you?',
  freeze: 'Freeze your account',
  notFound: 'This payment could not be found.',
  network: 'The payment service could not be reached. Check your connection.',
  reference: 'Reference {id}',
};

export type PushMessageKey = keyof typeof en;

const ko: Record<PushMessageKey, string> = {
  optInTitle: '결제 알림',
  optInHelp:
    '카드로 결제하거나 결제가 거절될 때마다 이 휴대폰에 알림을 받습니다. 내가 하지 않은 결제를 바로 알 수 있습니다.',
  optIn: '결제할 때마다 알림 받기',
  optInWorking: '알림을 켜는 중…',
  optInOn: '이 휴대폰은 결제할 때마다 알림을 받습니다.',
  optInBlocked:
    '이 사이트의 알림이 차단되어 있습니다. 브라우저의 사이트 설정에서 알림을 허용하세요.',
  optInFailed: '알림을 켜지 못했습니다. 나중에 다시 시도하세요.',
  optInLate: '알림은 결제나 카드 등록 직후에만 켤 수 있습니다.',
  settledTitle: '{merchant}에 {amount} 결제됨',
  settledBody: '눌러서 결제 내역을 확인하세요. 본인이 아니라면 그곳에서 계정을 동결하세요.',
  refusedTitle: '{amount} 결제가 거절됨: {reason}',
  refusedBody: '{merchant}. 눌러서 결제 내역을 확인하세요.',
  refundTitle: '{merchant}에서 {amount} 환불됨',
  refundBody: '월 한도에 이 금액이 다시 더해졌습니다. 눌러서 결제 내역을 확인하세요.',
  genericTitle: 'dualpay',
  genericBody: 'dualpay를 열어 자세히 확인하세요.',
  frozenTitle: '복구 코드로 계정이 동결되었습니다',
  frozenBody: '동결이 풀릴 때까지 결제할 수 없습니다. 본인이 아니라면 지금 발급사에 연락하세요.',
  recoveryCardTitle: '대체 카드가 추가되었습니다. {date}부터 사용할 수 있습니다',
  recoveryCardBody: '복구 코드로 추가되었습니다. 본인이 아니라면 그 전에 계정을 동결하세요.',
  cardAddedTitle: '계정에 카드가 추가되었습니다',
  cardAddedBody: '본인이 아니라면 계정을 동결하세요.',
  pageTitle: '결제',
  loading: '불러오는 중…',
  headingSettled: '결제 완료',
  headingRefused: '결제 거절됨',
  headingStopped: '결제 중단됨',
  headingPending: '결제 진행 중',
  paidTo: '받는 곳',
  shop: '상점',
  amount: '금액',
  time: '시각',
  outcome: '결과',
  outcomeSettled: '결제됨',
  outcomeRefused: '거절됨: {reason}',
  outcomePending: '승인 대기 중',
  stopped_declined: '휴대폰에서 거절함',
  stopped_expired: '승인 전에 만료됨',
  stopped_cancelled: '상점이 취소함',
  stopped_failed: '실패가 반복되어 중단됨',
  notYou: '본인이 아닌가요?',
  freeze: '계정 동결하기',
  notFound: '이 결제를 찾을 수 없습니다.',
  network: '결제 서비스에 연결할 수 없습니다. 연결을 확인하세요.',
  reference: '참조번호 {id}',
};

/** A short human reason for each refusal code (the notification and the payment page). */
const REASONS: Record<PhoneLocale, Partial<Record<ErrorCode, string>> & { other: string }> = {
  en: {
    limit_exceeded: 'monthly limit',
    account_frozen: 'account frozen',
    card_revoked: 'card revoked',
    risk_declined: 'security check',
    currency_not_supported: 'currency not accepted',
    credential_not_allowed: 'card not accepted by this shop',
    other: 'not allowed',
  },
  ko: {
    limit_exceeded: '월 한도 초과',
    account_frozen: '계정 동결됨',
    card_revoked: '해지된 카드',
    risk_declined: '보안 검사',
    currency_not_supported: '지원하지 않는 통화',
    credential_not_allowed: '이 상점에서 받지 않는 카드',
    other: '허용되지 않음',
  },
};

export function pushMessage(
  locale: PhoneLocale,
  key: PushMessageKey,
  values: Record<string, string> = {},
): string {
  const text = (locale === 'ko' ? ko : en)[key];
  return text.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}

/** The short reason for a refusal code, in `locale`. */
export function refusalReason(locale: PhoneLocale, code: string | undefined): string {
  const reasons = REASONS[locale];
  return (code && (reasons as Record<string, string | undefined>)[code]) || reasons.other;
}
