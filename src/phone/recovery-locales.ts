/**
 * The strings of recovery on the phone, in English and Korean: the recovery page (`/r`) and the
 * recovery codes the enrolment page shows with an account's first card. `{name}` is filled in as
 * text.
 */
import type { ErrorCode } from '../protocol/index.js';
import type { PhoneLocale } from './locales.js';

const en = {
  recoveryTitle: 'Recover your account',
  recoveryIntro: 'Lost your card, or adding a new phone? Choose what to do.',
  chooseFreeze: 'Freeze my account (lost card)',
  chooseFreezeHelp: 'Stops every payment at once. Uses one recovery code.',
  chooseReplace: 'Add a replacement card',
  chooseReplaceHelp:
    'Makes a link to register a new card. Uses one recovery code; the new card can pay after a waiting period.',
  chooseDevice: 'Add this phone with my card',
  chooseDeviceHelp: 'Approve with a card you still have to add a card on another phone.',
  back: 'Back',
  codeLabel: 'Recovery code',
  codeHelp: 'Type one of the recovery codes you saved when you added your first card.',
  codeFormat:
    'A recovery code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRS. Check it and try again.',
  codeUnknown: 'This recovery code is not valid. Check it and try again.',
  codeUsed: 'This recovery code was already used. Each code works once: use another one.',
  next: 'Continue',
  freezeConfirmTitle: 'Freeze your account?',
  freezeConfirmHelp:
    'Every payment with your cards stops at once, including one under way. Only the card issuer can unfreeze your account. This uses the code you typed.',
  freezeNow: 'Freeze my account',
  freezing: 'Freezing your account…',
  frozenTitle: 'Your account is frozen',
  frozenHelp:
    'No payment can be made with your cards. Contact your card issuer to get a new card or to unfreeze the account.',
  creatingLink: 'Making your enrolment link…',
  replaceTitle: 'Register your replacement card',
  replaceHelp:
    'Open this link on the phone you will pay with, or scan the QR code, and register the new card before {time}.',
  replaceActivates:
    'For your safety the new card can pay from {time}. Your other cards’ phones were told; if this was not you, contact your card issuer.',
  deviceTitle: 'Approve with your card',
  deviceHelp:
    'Hold a card you still have to this phone (or insert it) and enter its PIN or use your fingerprint.',
  approveWithCard: 'Approve with my card',
  approveSimulated: 'Approve with the simulated test card',
  waitingCard: 'Waiting for your card…',
  deviceLinkTitle: 'Add a card on your other phone',
  deviceLinkHelp:
    'Scan this QR code with the other phone, or open the link there, and register a card before {time}.',
  openLink: 'Open the link on this phone',
  enrolLink: 'Enrolment link',
  qrLabel: 'QR code of the enrolment link',
  deviceNotVerified:
    'Your card could not approve this. It may be revoked or not yet active, or its PIN or fingerprint was not accepted.',
  deviceFrozen: 'Your account is frozen, so no card can be added. Contact your card issuer.',
  deviceTryAgain: 'That took too long. Try again.',
  cardCancelled: 'The card did not approve: it was cancelled or timed out. Try again.',
  noCardSupport: 'This browser cannot use security keys here.',
  tooMany: 'Too many tries. Wait a minute and try again.',
  network: 'The card issuer could not be reached. Check your connection.',
  generic: 'Something went wrong. Try again.',
  codesTitle: 'Your recovery codes',
  codesHelp:
    'Keep these codes safe, away from your card: each one works once, and they are not shown again. With one you can freeze your account or add a replacement card if your card is lost.',
  codesListLabel: 'Recovery codes',
  copyCodes: 'Copy',
  downloadCodes: 'Download',
  codesCopied: 'The codes were copied.',
  codesCopyFailed: 'The codes could not be copied. Download them or write them down.',
  codesWhere: 'Lost your card? Recover your account here:',
  codesFileHeading: 'dualpay recovery codes. Each works once. Use them at {url}',
};

export type RecoveryMessageKey = keyof typeof en;

const ko: Record<RecoveryMessageKey, string> = {
  recoveryTitle: '계정 복구',
  recoveryIntro: '카드를 잃어버렸거나 새 휴대폰을 추가하나요? 할 일을 선택하세요.',
  chooseFreeze: '계정 정지 (카드 분실)',
  chooseFreezeHelp: '모든 결제를 즉시 멈춥니다. 복구 코드 하나를 사용합니다.',
  chooseReplace: '대체 카드 추가',
  chooseReplaceHelp:
    '새 카드를 등록할 링크를 만듭니다. 복구 코드 하나를 사용하며, 새 카드는 대기 기간 후에 결제할 수 있습니다.',
  chooseDevice: '내 카드로 이 휴대폰 추가',
  chooseDeviceHelp: '가지고 있는 카드로 승인하여 다른 휴대폰에 카드를 추가합니다.',
  back: '뒤로',
  codeLabel: '복구 코드',
  codeHelp: '첫 카드를 등록할 때 저장한 복구 코드 중 하나를 입력하세요.',
  codeFormat:
    '복구 코드는 ABCD-EFGH-JKMN-PQRS처럼 16자리 영문과 숫자입니다. 확인 후 다시 시도하세요.',
  codeUnknown: '유효하지 않은 복구 코드입니다. 확인 후 다시 시도하세요.',
  codeUsed: '이미 사용된 복구 코드입니다. 각 코드는 한 번만 쓸 수 있으니 다른 코드를 사용하세요.',
  next: '계속',
  freezeConfirmTitle: '계정을 정지할까요?',
  freezeConfirmHelp:
    '진행 중인 결제를 포함해 카드의 모든 결제가 즉시 멈춥니다. 정지 해제는 카드사만 할 수 있습니다. 입력한 코드가 사용됩니다.',
  freezeNow: '계정 정지',
  freezing: '계정을 정지하는 중…',
  frozenTitle: '계정이 정지되었습니다',
  frozenHelp: '카드로 결제할 수 없습니다. 새 카드를 받거나 정지를 해제하려면 카드사에 문의하세요.',
  creatingLink: '등록 링크를 만드는 중…',
  replaceTitle: '대체 카드 등록',
  replaceHelp:
    '결제에 사용할 휴대폰에서 이 링크를 열거나 QR 코드를 스캔하여 {time} 전에 새 카드를 등록하세요.',
  replaceActivates:
    '안전을 위해 새 카드는 {time}부터 결제할 수 있습니다. 다른 카드의 휴대폰에 알렸습니다. 본인이 아니라면 카드사에 문의하세요.',
  deviceTitle: '카드로 승인하세요',
  deviceHelp: '가지고 있는 카드를 휴대폰에 대거나 꽂은 뒤 PIN을 입력하거나 지문을 사용하세요.',
  approveWithCard: '내 카드로 승인',
  approveSimulated: '가상 테스트 카드로 승인',
  waitingCard: '카드를 기다리는 중…',
  deviceLinkTitle: '다른 휴대폰에 카드 추가',
  deviceLinkHelp:
    '다른 휴대폰으로 이 QR 코드를 스캔하거나 링크를 열어 {time} 전에 카드를 등록하세요.',
  openLink: '이 휴대폰에서 링크 열기',
  enrolLink: '등록 링크',
  qrLabel: '등록 링크 QR 코드',
  deviceNotVerified:
    '카드로 승인하지 못했습니다. 카드가 해지되었거나 아직 활성화되지 않았거나, PIN 또는 지문이 맞지 않습니다.',
  deviceFrozen: '계정이 정지되어 카드를 추가할 수 없습니다. 카드사에 문의하세요.',
  deviceTryAgain: '시간이 너무 오래 걸렸습니다. 다시 시도하세요.',
  cardCancelled: '카드가 승인하지 않았습니다. 취소되었거나 시간이 초과되었습니다. 다시 시도하세요.',
  noCardSupport: '이 브라우저에서는 보안 키를 사용할 수 없습니다.',
  tooMany: '시도 횟수가 너무 많습니다. 잠시 후 다시 시도하세요.',
  network: '카드사에 연결할 수 없습니다. 연결을 확인하세요.',
  generic: '문제가 발생했습니다. 다시 시도하세요.',
  codesTitle: '복구 코드',
  codesHelp:
    '이 코드를 카드와 떨어진 안전한 곳에 보관하세요. 각 코드는 한 번만 쓸 수 있고 다시 표시되지 않습니다. 카드를 잃어버리면 코드로 계정을 정지하거나 대체 카드를 추가할 수 있습니다.',
  codesListLabel: '복구 코드 목록',
  copyCodes: '복사',
  downloadCodes: '다운로드',
  codesCopied: '코드를 복사했습니다.',
  codesCopyFailed: '코드를 복사하지 못했습니다. 다운로드하거나 적어 두세요.',
  codesWhere: '카드를 잃어버렸나요? 여기에서 계정을 복구하세요:',
  codesFileHeading: 'dualpay 복구 코드. 각 코드는 한 번만 쓸 수 있습니다. 사용하는 곳: {url}',
};

export function recoveryMessage(
  locale: PhoneLocale,
  key: RecoveryMessageKey,
  values: Record<string, string> = {},
): string {
  const text = (locale === 'ko' ? ko : en)[key];
  return text.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}

/** What the recovery page says for an error code of its calls. */
export function recoveryErrorKey(code: ErrorCode): RecoveryMessageKey {
  const keys: Partial<Record<ErrorCode, RecoveryMessageKey>> = {
    not_found: 'codeUnknown',
    recovery_code_used: 'codeUsed',
    authentication_failed: 'deviceNotVerified',
    account_frozen: 'deviceFrozen',
    challenge_expired: 'deviceTryAgain',
    aborted: 'cardCancelled',
    rate_limited: 'tooMany',
    network_error: 'network',
  };
  return keys[code] ?? 'generic';
}
