/**
 * What the phone pages keep in this browser's storage: the ids of cards enrolled here (sent as
 * `credentialIds`, so cards without discoverable credentials can approve) and, in test mode only,
 * the simulated card's keys. Storage failures (private mode, full) are not fatal.
 */
import { SimulatedAuthenticator, type SimulatedCredential } from './simulated-authenticator.js';

const CREDENTIAL_IDS = 'dualpay.credentialIds';
const SIMULATED_CARD = 'dualpay.simulatedCard';

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Nothing to do: the page works without it, only less conveniently.
  }
}

/** Ids of the cards enrolled from this browser (newest first, at most 10). */
export function rememberedCredentialIds(): string[] {
  const ids = read<unknown>(CREDENTIAL_IDS, []);
  return Array.isArray(ids)
    ? ids.filter((id): id is string => typeof id === 'string').slice(0, 10)
    : [];
}

export function rememberCredentialId(id: string): void {
  write(
    CREDENTIAL_IDS,
    [id, ...rememberedCredentialIds().filter((other) => other !== id)].slice(0, 10),
  );
}

/** The simulated card of this browser, or null when none was created here. */
export function loadSimulatedCard(): SimulatedAuthenticator | null {
  const credentials = read<SimulatedCredential[]>(SIMULATED_CARD, []);
  return Array.isArray(credentials) && credentials.length > 0
    ? new SimulatedAuthenticator(credentials)
    : null;
}

export function saveSimulatedCard(card: SimulatedAuthenticator): void {
  write(SIMULATED_CARD, card.credentials);
}
