/**
 * The shop's own words in English and Korean (the checkout element brings its own). The choice is
 * kept in localStorage so the order page speaks the same language.
 */
const STORAGE_KEY = 'dualpay-demo-locale';

/**
 * The name the demo merchant is registered under at the issuer (`--seed-demo`,
 * src/server/seed.ts): the phone shows it as the payee, so the shop shows the same name in every
 * language.
 */
const SHOP_NAME = 'dualpay Demo Shop';

const MESSAGES = {
  en: {
    shopName: SHOP_NAME,
    shopPageTitle: SHOP_NAME,
    orderPageTitle: `Your order · ${SHOP_NAME}`,
    skipToShop: 'Skip to the shop',
    skipToOrder: 'Skip to the order',
    testMode: 'Test mode: no real money moves.',
    language: 'Language',
    menu: 'Menu',
    menuLoading: 'Loading the menu…',
    menuError: 'The menu could not be loaded. Is the shop server running?',
    add: 'Add',
    addLabel: 'Add {name} to your order',
    cart: 'Your order',
    cartEmpty: 'Your order is empty. Add something from the menu.',
    quantity: 'Quantity',
    removeOne: 'One {name} fewer',
    addOne: 'One {name} more',
    total: 'Total',
    pay: 'Pay',
    payHelp:
      'Scan the code with your phone, tap the number shown here, and approve with your card and its PIN.',
    cartLocked: 'A payment is in progress. Cancel it to change your order.',
    fallback: 'Other ways to pay are not available in this demo.',
    verifying: 'Payment approved. The shop is checking the settlement…',
    confirmFailed: 'The shop could not confirm this payment. Opening the order…',
    noOrderId: 'The payment settled, but its token carries no order id.',
    orderTitle: 'Your order',
    orderLoading: 'Loading the order…',
    orderNotFound:
      'No such order. The demo shop keeps orders in memory, so they are gone after a restart.',
    orderLoadError: 'The order could not be loaded.',
    status_paid: 'Paid. The shop verified the settlement token.',
    status_paid_webhook:
      'Paid. The shop verified the settlement token from the issuer’s signed webhook.',
    status_pending: 'Waiting for the payment.',
    status_expired: 'Not paid: the payment session expired.',
    status_cancelled: 'Not paid: the payment was cancelled.',
    status_declined: 'Not paid: the payment was declined on the phone.',
    status_failed: 'Not paid: the payment could not be approved.',
    status_rejected: 'Not paid: the shop did not accept the settlement token.',
    items: 'Items',
    claimsTitle: 'Verified settlement',
    claimsHelp: 'The claims of the settlement token, after the shop checked its signature offline.',
    errorTitle: 'The settlement token was not accepted',
    errorCode: 'Code',
    errorMessage: 'Message',
    claim_amount: 'Amount',
    claim_currency: 'Currency',
    claim_orderId: 'Order id',
    claim_sub: 'Session id',
    claim_jti: 'Settlement id',
    claim_amr: 'Authentication (amr)',
    claim_iss: 'Issuer',
    claim_aud: 'Merchant (aud)',
    claim_iat: 'Issued at',
    claim_exp: 'Token expires',
    claim_txn: 'Transaction hash (txn)',
    refresh: 'Check again',
    back: 'Back to the shop',
  },
  ko: {
    shopName: SHOP_NAME,
    shopPageTitle: SHOP_NAME,
    orderPageTitle: `주문 · ${SHOP_NAME}`,
    skipToShop: '상점으로 바로 가기',
    skipToOrder: '주문으로 바로 가기',
    testMode: '테스트 모드: 실제 돈은 오가지 않습니다.',
    language: '언어',
    menu: '메뉴',
    menuLoading: '메뉴를 불러오는 중…',
    menuError: '메뉴를 불러오지 못했습니다. 상점 서버가 실행 중인가요?',
    add: '담기',
    addLabel: '{name} 담기',
    cart: '주문 내역',
    cartEmpty: '주문이 비어 있습니다. 메뉴에서 담아 보세요.',
    quantity: '수량',
    removeOne: '{name} 하나 빼기',
    addOne: '{name} 하나 더',
    total: '합계',
    pay: '결제',
    payHelp: '휴대폰으로 코드를 스캔하고, 여기 보이는 번호를 누른 뒤 카드와 PIN으로 승인하세요.',
    cartLocked: '결제가 진행 중입니다. 주문을 바꾸려면 결제를 취소하세요.',
    fallback: '이 데모에서는 다른 결제 수단을 쓸 수 없습니다.',
    verifying: '결제가 승인되었습니다. 상점에서 결제를 확인하는 중…',
    confirmFailed: '상점에서 결제를 확인하지 못했습니다. 주문을 엽니다…',
    noOrderId: '결제는 완료되었지만 토큰에 주문 번호가 없습니다.',
    orderTitle: '주문',
    orderLoading: '주문을 불러오는 중…',
    orderNotFound:
      '주문이 없습니다. 데모 상점은 주문을 메모리에만 보관하므로 재시작하면 사라집니다.',
    orderLoadError: '주문을 불러오지 못했습니다.',
    status_paid: '결제 완료. 상점에서 결제 토큰을 검증했습니다.',
    status_paid_webhook:
      '결제 완료. 상점에서 발급사의 서명된 웹훅으로 받은 결제 토큰을 검증했습니다.',
    status_pending: '결제를 기다리는 중입니다.',
    status_expired: '미결제: 결제 시간이 만료되었습니다.',
    status_cancelled: '미결제: 결제가 취소되었습니다.',
    status_declined: '미결제: 휴대폰에서 결제를 거절했습니다.',
    status_failed: '미결제: 결제를 승인하지 못했습니다.',
    status_rejected: '미결제: 상점에서 결제 토큰을 받아들이지 않았습니다.',
    items: '품목',
    claimsTitle: '검증된 결제',
    claimsHelp: '상점이 서명을 오프라인으로 확인한 결제 토큰의 클레임입니다.',
    errorTitle: '결제 토큰을 받아들이지 않았습니다',
    errorCode: '코드',
    errorMessage: '메시지',
    claim_amount: '금액',
    claim_currency: '통화',
    claim_orderId: '주문 번호',
    claim_sub: '세션 ID',
    claim_jti: '결제 ID',
    claim_amr: '인증 방식 (amr)',
    claim_iss: '발급자',
    claim_aud: '가맹점 (aud)',
    claim_iat: '발급 시각',
    claim_exp: '토큰 만료',
    claim_txn: '거래 해시 (txn)',
    refresh: '다시 확인',
    back: '상점으로 돌아가기',
  },
};

export const LOCALES = Object.keys(MESSAGES);

/** The saved language, else the browser's, else English. */
export function initialLocale() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage may be disabled; fall through
  }
  if (saved && LOCALES.includes(saved)) return saved;
  return navigator.language?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function saveLocale(locale) {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // not saved; the choice still holds on this page
  }
}

/** The message `key` in `locale`, with `{name}` placeholders filled in (as text). */
export function t(locale, key, values = {}) {
  const template = MESSAGES[locale]?.[key] ?? MESSAGES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Sets the page language and the text of every `[data-i18n]` element. */
export function applyLocale(locale) {
  document.documentElement.lang = locale;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(locale, element.dataset.i18n);
  }
}

/**
 * Dates and times, one format per language — the phone pages' (src/phone/locales.ts
 * `DATE_TIME_FORMAT`): day, month name, year and the time to the second.
 */
const DATE_TIME_LOCALES = { en: 'en-GB', ko: 'ko-KR' };
export const formatDateTime = (locale, date) =>
  new Intl.DateTimeFormat(DATE_TIME_LOCALES[locale] ?? DATE_TIME_LOCALES.en, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(date);

/** Amounts in the shop are always shown as Korean won. */
const KRW = new Intl.NumberFormat('ko-KR', { style: 'currency', currency: 'KRW' });
export const formatKrw = (amount) => KRW.format(amount);
