/**
 * Every user-visible string of the element, in English and Korean. `{name}` marks a value that
 * is filled in as text (never HTML).
 */
import type { ErrorCode } from '../protocol/index.js';

const en = {
  pay: 'Pay with your card',
  starting: 'Starting a secure payment…',
  scanTitle: 'Scan with your phone',
  scanHelp: 'Point your phone camera at the code.',
  typeCode: 'No camera? Open {url} on your phone and enter',
  qrLabel: 'QR code to pay {amount} on your phone',
  bindingLabel: 'Your number',
  bindingHelp: 'Type this number on your phone.',
  bindingHelpHere: 'Enter this number on the payment page.',
  linkTitle: 'Continue on this device',
  linkButton: 'Open the payment page',
  nfcTitle: 'Tap your card on the back of this phone',
  nfcHelp: 'Hold it there until the payment page opens.',
  confirmTitle: 'Approve on your phone',
  confirmHelp:
    'Type the number above on your phone, then approve with your card and its PIN or fingerprint.',
  confirmTitleHere: 'Approve on the payment page',
  confirmHelpHere:
    'Enter the number above on the payment page, approve with your card, then come back to this page.',
  reconnecting: 'Reconnecting…',
  reconnected: 'Connected again.',
  qrExpired: 'This code has expired. A new one is on its way.',
  qrExpiredLabel: 'Expired QR code: do not scan',
  timeLeft: '{time} left',
  cancel: 'Cancel',
  settled: 'Payment complete',
  settledHelp: '{amount} paid to {merchant}.',
  tryAgain: 'Try again',
  announceHandoff: 'Scan the QR code with your phone. Your number is {binding}.',
  announceLink: 'Open the payment page and enter your number, {binding}.',
  announceNfc: 'Tap your card on the back of this phone, then enter your number, {binding}.',
  announceConfirm: 'Now approve the payment on your phone.',
  announceConfirmHere: 'Now approve the payment on the payment page, then come back here.',
  announceMinutes: '{count} minutes left',
  announceMinute: '1 minute left',
  announceSeconds: '30 seconds left',
  error_session_declined: 'The payment was declined on your phone.',
  error_session_failed: 'The payment could not be approved.',
  error_session_expired: 'The payment session expired.',
  error_session_cancelled: 'The payment was cancelled.',
  error_limit_exceeded: 'This payment is over your monthly limit.',
  error_binding_mismatch: 'The number didn’t match. Start again.',
  error_network_error: 'The payment service could not be reached. Check your connection.',
  error_origin_not_allowed:
    'The payment service does not accept this page (origin_not_allowed). The shop must add this page’s address to its allowed origins.',
  error_session_creation_failed: 'The shop could not start the payment.',
  error_invalid_configuration: 'This checkout is not set up correctly.',
  error_generic: 'Something went wrong. Please try again.',
};

export type MessageKey = keyof typeof en;

const ko: Record<MessageKey, string> = {
  pay: '카드로 결제',
  starting: '안전한 결제를 준비하고 있습니다…',
  scanTitle: '휴대폰으로 스캔하세요',
  scanHelp: '휴대폰 카메라로 코드를 비추세요.',
  typeCode: '카메라가 없나요? 휴대폰에서 {url}을(를) 열고 다음 코드를 입력하세요',
  qrLabel: '휴대폰으로 {amount}을(를) 결제하는 QR 코드',
  bindingLabel: '확인 번호',
  bindingHelp: '휴대폰에 이 번호를 입력하세요.',
  bindingHelpHere: '결제 페이지에 이 번호를 입력하세요.',
  linkTitle: '이 기기에서 계속',
  linkButton: '결제 페이지 열기',
  nfcTitle: '카드를 휴대폰 뒷면에 대세요',
  nfcHelp: '결제 페이지가 열릴 때까지 대고 계세요.',
  confirmTitle: '휴대폰에서 승인하세요',
  confirmHelp: '휴대폰에 위 번호를 입력한 뒤 카드와 PIN 또는 지문으로 승인하세요.',
  confirmTitleHere: '결제 페이지에서 승인하세요',
  confirmHelpHere: '결제 페이지에 위 번호를 입력하고 카드로 승인한 뒤 이 페이지로 돌아오세요.',
  reconnecting: '다시 연결하는 중…',
  reconnected: '다시 연결되었습니다.',
  qrExpired: '이 코드는 만료되었습니다. 새 코드를 준비하고 있습니다.',
  qrExpiredLabel: '만료된 QR 코드: 스캔하지 마세요',
  timeLeft: '{time} 남음',
  cancel: '취소',
  settled: '결제 완료',
  settledHelp: '{merchant}에 {amount}을(를) 결제했습니다.',
  tryAgain: '다시 시도',
  announceHandoff: '휴대폰으로 QR 코드를 스캔하세요. 확인 번호는 {binding}입니다.',
  announceLink: '결제 페이지를 열고 확인 번호 {binding}을(를) 입력하세요.',
  announceNfc: '카드를 휴대폰 뒷면에 댄 뒤 확인 번호 {binding}을(를) 입력하세요.',
  announceConfirm: '이제 휴대폰에서 결제를 승인하세요.',
  announceConfirmHere: '이제 결제 페이지에서 결제를 승인한 뒤 이 페이지로 돌아오세요.',
  announceMinutes: '{count}분 남음',
  announceMinute: '1분 남음',
  announceSeconds: '30초 남음',
  error_session_declined: '휴대폰에서 결제를 거절했습니다.',
  error_session_failed: '결제를 승인하지 못했습니다.',
  error_session_expired: '결제 시간이 만료되었습니다.',
  error_session_cancelled: '결제가 취소되었습니다.',
  error_limit_exceeded: '월 한도를 초과하는 결제입니다.',
  error_binding_mismatch: '번호가 일치하지 않습니다. 다시 시작하세요.',
  error_network_error: '결제 서비스에 연결할 수 없습니다. 연결을 확인하세요.',
  error_origin_not_allowed:
    '결제 서비스가 이 페이지를 허용하지 않습니다(origin_not_allowed). 상점에서 이 페이지 주소를 허용된 출처(allowed origins)에 추가해야 합니다.',
  error_session_creation_failed: '상점에서 결제를 시작하지 못했습니다.',
  error_invalid_configuration: '결제 설정이 올바르지 않습니다.',
  error_generic: '문제가 발생했습니다. 다시 시도하세요.',
};

export const LOCALES = { en, ko } as const;
export type Locale = keyof typeof LOCALES;

/** The bundled locale for a BCP 47 tag: `ko`, `ko-KR` → ko; anything else → en. */
export function resolveLocale(tag: string | undefined | null): Locale {
  return tag?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** A message in `locale` with `{name}` placeholders filled from `values`. */
export function message(
  locale: Locale,
  key: MessageKey,
  values: Record<string, string | number> = {},
): string {
  return LOCALES[locale][key].replace(/\{(\w+)\}/g, (match, name: string) =>
    name in values ? String(values[name]) : match,
  );
}

/** The message for an error code, falling back to a generic one. */
export function errorMessage(locale: Locale, code: ErrorCode): string {
  const key = `error_${code}`;
  return key in LOCALES[locale]
    ? LOCALES[locale][key as MessageKey]
    : LOCALES[locale].error_generic;
}
