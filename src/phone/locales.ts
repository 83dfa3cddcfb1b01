/** Every string of the phone pages, in English and Korean; `{name}` is filled in as text. */
import type { ErrorCode } from '../protocol/index.js';

const en = {
  brand: 'dualpay',
  confirmTitle: 'Confirm payment',
  enterCodeTitle: 'Enter the payment code',
  enterCodeHelp: 'Type the 8 letters shown under the QR code on the shop’s screen.',
  codeLabel: 'Payment code',
  continue: 'Continue',
  loading: 'Loading…',
  payTo: 'Pay to',
  amount: 'Amount',
  forWhat: 'For',
  numberTitle: 'Type the number on the shop’s screen',
  numberHelp:
    'The shop’s screen shows a two-digit number next to the QR code. Typing it makes sure you approve the payment you started.',
  numberLabel: 'Number on the shop’s screen',
  badNumber: 'Type the two digits shown on the shop’s screen.',
  mismatchTitle: 'The number didn’t match',
  mismatchHelp:
    'The number you typed is not the one on the shop’s screen, so the payment was stopped. Nothing was paid. If you are paying, start again on the shop’s screen.',
  approveTitle: 'Approve with your card',
  approveHelp:
    'Hold your card to the phone (or insert your security key), then enter its PIN or use your fingerprint.',
  approve: 'Approve',
  decline: 'Decline',
  cancel: 'Cancel',
  useSimulated: 'Approve with the simulated test card',
  useRealCard: 'Approve with a real card',
  testModeLabel: 'Test mode',
  testModeHelp:
    'This shop is in test mode: a simulated test card, made on an enrolment page, may approve instead of a real one.',
  simulatedPrimaryHelp:
    'This shop is in test mode and this phone has a simulated test card: approve with it, or with a real card.',
  waitingCard: 'Waiting for your card…',
  sending: 'Talking to the payment service…',
  approvedTitle: 'Payment approved',
  approvedHelp: 'You can return to the shop’s screen.',
  receipt: 'Approved {time}',
  receiptRef: 'Reference {id}',
  declinedTitle: 'Payment declined',
  declinedHelp: 'Nothing was paid.',
  expiredTitle: 'This payment has expired',
  expiredHelp: 'Nothing was paid. Start again on the shop’s screen.',
  codeExpiredTitle: 'This code has expired',
  codeExpiredHelp: 'Nothing was paid. Start again on the shop’s screen.',
  replacedTitle: 'This code was replaced',
  replacedHelp:
    'The shop’s screen now shows a newer code. Scan that one, or type the letters shown under it.',
  lockedTitle: 'Payment locked',
  lockedHelp: 'Too many failed attempts. Nothing was paid. Start again on the shop’s screen.',
  stoppedTitle: 'Payment stopped',
  limitHelp: 'This payment is over your monthly limit. Nothing was paid.',
  stoppedHelp: 'The card issuer did not allow this payment. Nothing was paid.',
  cancelledTitle: 'The shop cancelled this payment',
  cancelledHelp: 'Nothing was paid.',
  tryAgain: 'Try again',
  typeCode: 'Type the code instead',
  notVerified: 'Your card could not be verified. Try again.',
  cardCancelled:
    'The card did not approve: it was cancelled, timed out, or the PIN or fingerprint was not accepted. Try again.',
  noCardSupport: 'This browser cannot use security keys here.',
  noSimulatedCard: 'This phone has no simulated test card yet. Enrol one first.',
  simulatedNotAllowed:
    'This shop accepts only cards the issuer certified as hardware cards; this one is a test card (such as the simulated card). Use another card.',
  claimedElsewhere: 'This code was already used on another phone.',
  badCode: 'This code is not valid. Check it and try again.',
  tooMany: 'Too many tries. Wait a minute and try again.',
  network: 'The payment service could not be reached. Check your connection.',
  generic: 'Something went wrong. Try again.',
  enrolTitle: 'Add your card',
  enrolIntro:
    'Register the card you will pay with. You will be asked to touch it to the phone (or insert it) and to set or enter its PIN or fingerprint. Your PIN never leaves the card.',
  cardNameLabel: 'Name for this card',
  cardNamePlaceholder: 'My card',
  register: 'Register my card',
  registerSimulated: 'Create a simulated test card',
  simulatedHelp: 'For testing only: a software card kept in this browser. Live shops refuse it.',
  registering: 'Waiting for your card…',
  enrolledTitle: 'Card added',
  enrolledHelp: 'You can now pay with “{name}”.',
  writeTag: 'Write the payment link to the card’s NFC tag',
  tagWritten: 'The card’s NFC tag now opens dualpay when tapped.',
  tagFailed: 'The NFC tag could not be written: {reason}',
  checkingLink: 'Checking the link…',
  enrolExpired: 'This enrolment link has expired or was already used. Ask for a new one.',
  enrolUsed: 'This enrolment link was already used. Ask for a new one to add another card.',
  enrolLinkExpired: 'This enrolment link has expired. Ask for a new one.',
  enrolUnknown: 'This enrolment link is not valid. Check it, or ask for a new one.',
  confirmPageTitle: 'Confirm payment — dualpay',
  enrolPageTitle: 'Add your card — dualpay',
  recoveryPageTitle: 'Recover your account — dualpay',
  enrolNeedsPin: 'This card cannot check a PIN or fingerprint. Use a card that can.',
  enrolDuplicate: 'This card is already registered.',
};

export type PhoneMessageKey = keyof typeof en;

const ko: Record<PhoneMessageKey, string> = {
  brand: 'dualpay',
  confirmTitle: '결제 확인',
  enterCodeTitle: '결제 코드 입력',
  enterCodeHelp: '상점 화면의 QR 코드 아래에 있는 8자리 글자를 입력하세요.',
  codeLabel: '결제 코드',
  continue: '계속',
  loading: '불러오는 중…',
  payTo: '받는 곳',
  amount: '금액',
  forWhat: '내용',
  numberTitle: '상점 화면의 번호를 입력하세요',
  numberHelp:
    '상점 화면의 QR 코드 옆에 두 자리 번호가 있습니다. 이 번호를 입력하면 내가 시작한 결제를 승인하는지 확인할 수 있습니다.',
  numberLabel: '상점 화면의 번호',
  badNumber: '상점 화면에 표시된 두 자리 숫자를 입력하세요.',
  mismatchTitle: '번호가 일치하지 않습니다',
  mismatchHelp:
    '입력한 번호가 상점 화면의 번호와 달라 결제를 중단했습니다. 결제되지 않았습니다. 결제하려면 상점 화면에서 다시 시작하세요.',
  approveTitle: '카드로 승인하세요',
  approveHelp: '카드를 휴대폰에 대거나 보안 키를 꽂은 뒤 PIN을 입력하거나 지문을 사용하세요.',
  approve: '승인',
  decline: '거절',
  cancel: '취소',
  useSimulated: '가상 테스트 카드로 승인',
  useRealCard: '실제 카드로 승인',
  testModeLabel: '테스트 모드',
  testModeHelp:
    '이 상점은 테스트 모드입니다. 등록 페이지에서 만든 가상 테스트 카드로 실제 카드 대신 승인할 수 있습니다.',
  simulatedPrimaryHelp:
    '이 상점은 테스트 모드이고 이 휴대폰에 가상 테스트 카드가 있습니다. 가상 카드나 실제 카드로 승인하세요.',
  waitingCard: '카드를 기다리는 중…',
  sending: '결제 서비스와 통신하는 중…',
  approvedTitle: '결제 승인됨',
  approvedHelp: '상점 화면으로 돌아가세요.',
  receipt: '{time} 승인',
  receiptRef: '참조번호 {id}',
  declinedTitle: '결제 거절됨',
  declinedHelp: '결제되지 않았습니다.',
  expiredTitle: '결제 시간이 만료되었습니다',
  expiredHelp: '결제되지 않았습니다. 상점 화면에서 다시 시작하세요.',
  codeExpiredTitle: '코드가 만료되었습니다',
  codeExpiredHelp: '결제되지 않았습니다. 상점 화면에서 다시 시작하세요.',
  replacedTitle: '새 코드로 바뀌었습니다',
  replacedHelp: '상점 화면에 새 코드가 있습니다. 새 코드를 스캔하거나 그 아래 글자를 입력하세요.',
  lockedTitle: '결제 잠김',
  lockedHelp: '실패 횟수가 너무 많습니다. 결제되지 않았습니다. 상점 화면에서 다시 시작하세요.',
  stoppedTitle: '결제 중단됨',
  limitHelp: '월 한도를 초과하는 결제입니다. 결제되지 않았습니다.',
  stoppedHelp: '카드사가 이 결제를 허용하지 않았습니다. 결제되지 않았습니다.',
  cancelledTitle: '상점에서 결제를 취소했습니다',
  cancelledHelp: '결제되지 않았습니다.',
  tryAgain: '다시 시도',
  typeCode: '코드 직접 입력',
  notVerified: '카드를 확인하지 못했습니다. 다시 시도하세요.',
  cardCancelled:
    '카드가 승인하지 않았습니다. 취소되었거나 시간이 초과되었거나 PIN 또는 지문이 맞지 않습니다. 다시 시도하세요.',
  noCardSupport: '이 브라우저에서는 보안 키를 사용할 수 없습니다.',
  noSimulatedCard: '이 휴대폰에는 아직 가상 테스트 카드가 없습니다. 먼저 등록하세요.',
  simulatedNotAllowed:
    '이 상점은 카드사가 하드웨어 카드로 인증한 카드만 받습니다. 이 카드는 테스트 카드(가상 카드 등)입니다. 다른 카드를 사용하세요.',
  claimedElsewhere: '이 코드는 이미 다른 휴대폰에서 사용되었습니다.',
  badCode: '유효하지 않은 코드입니다. 확인 후 다시 시도하세요.',
  tooMany: '시도 횟수가 너무 많습니다. 잠시 후 다시 시도하세요.',
  network: '결제 서비스에 연결할 수 없습니다. 연결을 확인하세요.',
  generic: '문제가 발생했습니다. 다시 시도하세요.',
  enrolTitle: '카드 등록',
  enrolIntro:
    '결제에 사용할 카드를 등록합니다. 카드를 휴대폰에 대거나 꽂은 뒤 PIN 또는 지문을 설정하거나 입력하라는 안내가 나옵니다. PIN은 카드 밖으로 나가지 않습니다.',
  cardNameLabel: '카드 이름',
  cardNamePlaceholder: '내 카드',
  register: '카드 등록',
  registerSimulated: '가상 테스트 카드 만들기',
  simulatedHelp:
    '테스트 전용: 이 브라우저에 보관되는 소프트웨어 카드입니다. 실제 상점에서는 거부됩니다.',
  registering: '카드를 기다리는 중…',
  enrolledTitle: '카드 등록 완료',
  enrolledHelp: '이제 “{name}”(으)로 결제할 수 있습니다.',
  writeTag: '카드의 NFC 태그에 결제 링크 쓰기',
  tagWritten: '이제 카드를 대면 dualpay가 열립니다.',
  tagFailed: 'NFC 태그에 쓰지 못했습니다: {reason}',
  checkingLink: '링크를 확인하는 중…',
  enrolExpired: '등록 링크가 만료되었거나 이미 사용되었습니다. 새 링크를 요청하세요.',
  enrolUsed: '이미 사용된 등록 링크입니다. 다른 카드를 추가하려면 새 링크를 요청하세요.',
  enrolLinkExpired: '등록 링크가 만료되었습니다. 새 링크를 요청하세요.',
  enrolUnknown: '유효하지 않은 등록 링크입니다. 링크를 확인하거나 새 링크를 요청하세요.',
  confirmPageTitle: '결제 확인 — dualpay',
  enrolPageTitle: '카드 등록 — dualpay',
  recoveryPageTitle: '계정 복구 — dualpay',
  enrolNeedsPin: '이 카드는 PIN이나 지문을 확인할 수 없습니다. 지원하는 카드를 사용하세요.',
  enrolDuplicate: '이미 등록된 카드입니다.',
};

export type PhoneLocale = 'en' | 'ko';

/** `ko…` → ko, anything else → en. */
export function phoneLocale(tag: string | undefined | null): PhoneLocale {
  return tag?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function phoneMessage(
  locale: PhoneLocale,
  key: PhoneMessageKey,
  values: Record<string, string> = {},
): string {
  const text = (locale === 'ko' ? ko : en)[key];
  return text.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}

/** The message for an error code the confirmation page can meet. */
export function phoneErrorKey(code: ErrorCode): PhoneMessageKey {
  const keys: Partial<Record<ErrorCode, PhoneMessageKey>> = {
    authentication_failed: 'notVerified',
    credential_not_allowed: 'simulatedNotAllowed',
    handoff_claimed: 'claimedElsewhere',
    not_found: 'badCode',
    rate_limited: 'tooMany',
    network_error: 'network',
    enrollment_expired: 'enrolExpired',
  };
  return keys[code] ?? 'generic';
}

/**
 * One date-and-time format per language, the same on the phone pages and the demo shop's order
 * page (`demo/public/i18n.js` `formatDateTime`): day, month name, year and the time to the second.
 */
export const DATE_TIME_FORMAT = {
  locales: { en: 'en-GB', ko: 'ko-KR' },
  options: { dateStyle: 'medium', timeStyle: 'medium' },
} as const satisfies {
  locales: Record<PhoneLocale, string>;
  options: Intl.DateTimeFormatOptions;
};

export function formatDateTime(locale: PhoneLocale, date: Date): string {
  return new Intl.DateTimeFormat(DATE_TIME_FORMAT.locales[locale], DATE_TIME_FORMAT.options).format(
    date,
  );
}
