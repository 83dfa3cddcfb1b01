/**
 * A software FIDO2 authenticator: P-256 keys in Web Crypto, real ES256 signatures, packed
 * self-attestation (or, for tests, packed full attestation with a given key and `x5c` chain), user
 * presence and verification flags, a signature counter.
 *
 * It backs the phone pages' test-mode "simulated card" and the issuer's tests. Its self-attestation
 * chains to no root, so the issuer enrols it as a test card (refused by live merchants) whatever
 * AAGUID it claims. Runs in browsers and in Node (Web Crypto only).
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import {
  SIMULATED_AAGUID,
  base64urlDecode,
  base64urlEncode,
  randomBytes,
} from '../protocol/index.js';
import { encodeCbor, type CborValue } from './cbor.js';

export { SIMULATED_AAGUID };

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;
const COSE_ALG_ES256 = -7;

/** A stored credential, serialisable to JSON (for the page's storage). */
export interface SimulatedCredential {
  /** base64url credential id. */
  id: string;
  rpId: string;
  /** base64url user handle. */
  userHandle: string;
  privateKey: JsonWebKey;
  counter: number;
}

/** How one ceremony should behave; the defaults are an honest, verified, present user. */
export interface CeremonyOptions {
  /** Origin the client data claims; a real browser always tells the truth. */
  origin: string;
  /** RP ID the authenticator hashes; defaults to the options' RP ID. */
  rpId?: string;
  /** Whether the PIN/biometric check passed (UV flag). */
  userVerified?: boolean;
  /** Whether the user touched the card (UP flag). */
  userPresent?: boolean;
  /** Use this counter instead of the next one (to test counter regression). */
  counter?: number;
  /** Which credential to use when several match. */
  credentialId?: string;
  /** Claim this AAGUID at registration instead of the card's own (an impostor of a known model). */
  aaguid?: string;
  /** Sign the registration's attestation with this key and send its chain (packed, with `x5c`). */
  attestation?: AttestationSigner;
}

/** An attestation key and its certificate chain (WebAuthn §8.2 packed attestation, `x5c`). */
export interface AttestationSigner {
  /** The ECDSA P-256 private key of the attestation certificate, `x5c[0]`. */
  privateKey: CryptoKey;
  /** DER certificates: the attestation certificate first, then each one's issuer. */
  x5c: readonly Uint8Array[];
}

type Bytes = Uint8Array<ArrayBuffer>;

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

async function sha256(bytes: Bytes): Promise<Bytes> {
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}

function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function uint32(value: number): Bytes {
  return Uint8Array.of(
    (value >>> 24) & 0xff,
    (value >> 16) & 0xff,
    (value >> 8) & 0xff,
    value & 0xff,
  );
}

function uuidBytes(uuid: string): Bytes {
  const hex = uuid.replaceAll('-', '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

/** ASN.1 DER of an ECDSA signature from Web Crypto's raw r‖s (WebAuthn wants DER). */
function derSignature(raw: Bytes): Bytes {
  const integer = (bytes: Bytes): Bytes => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let trimmed = bytes.slice(start);
    if ((trimmed[0] ?? 0) & 0x80) trimmed = concat(Uint8Array.of(0), trimmed);
    return concat(Uint8Array.of(0x02, trimmed.length), trimmed);
  };
  const body = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

async function sign(privateKey: CryptoKey, data: Bytes): Promise<Bytes> {
  const raw = await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data);
  return derSignature(new Uint8Array(raw));
}

function clientData(type: string, challenge: string, origin: string): Bytes {
  return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/**
 * A FIDO2 authenticator in software.
 *
 * @example
 * const card = new SimulatedAuthenticator();
 * const registration = await card.createCredential(creationOptions, { origin });
 * const assertion = await card.getAssertion(requestOptions, { origin });
 */
export class SimulatedAuthenticator {
  readonly credentials: SimulatedCredential[];
  readonly aaguid: string;

  constructor(credentials: SimulatedCredential[] = [], aaguid = SIMULATED_AAGUID) {
    this.credentials = credentials;
    this.aaguid = aaguid;
  }

  /**
   * Makes a credential for `options` (navigator.credentials.create): packed self-attestation, or
   * packed full attestation when `ceremony.attestation` is given.
   */
  async createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    ceremony: CeremonyOptions,
  ): Promise<RegistrationResponseJSON> {
    const rpId = ceremony.rpId ?? options.rp.id ?? new URL(ceremony.origin).hostname;
    const keys = (await subtle().generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const publicJwk = await subtle().exportKey('jwk', keys.publicKey);
    const credentialId = randomBytes(32);
    const coseKey = encodeCbor(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, COSE_ALG_ES256],
        [-1, 1],
        [-2, base64urlDecode(publicJwk.x ?? '')],
        [-3, base64urlDecode(publicJwk.y ?? '')],
      ]),
    );
    const authData = concat(
      await sha256(new TextEncoder().encode(rpId)),
      Uint8Array.of(this.flags(ceremony) | FLAG_AT),
      uint32(0),
      uuidBytes(ceremony.aaguid ?? this.aaguid),
      Uint8Array.of(credentialId.length >> 8, credentialId.length & 0xff),
      credentialId,
      coseKey,
    );
    const clientDataJSON = clientData('webauthn.create', options.challenge, ceremony.origin);
    const { attestation } = ceremony;
    // WebAuthn §8.2: self-attestation signs with the credential's own key; full attestation with
    // the attestation certificate's key, and sends the certificate chain as `x5c`.
    const signature = await sign(
      attestation?.privateKey ?? keys.privateKey,
      concat(authData, await sha256(clientDataJSON)),
    );
    const attStmt = new Map<string, CborValue>([
      ['alg', COSE_ALG_ES256],
      ['sig', signature],
    ]);
    if (attestation) attStmt.set('x5c', attestation.x5c);
    const attestationObject = encodeCbor(
      new Map<string, CborValue>([
        ['fmt', 'packed'],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );
    const id = base64urlEncode(credentialId);
    this.credentials.push({
      id,
      rpId,
      userHandle: options.user.id,
      privateKey: await subtle().exportKey('jwk', keys.privateKey),
      counter: 0,
    });
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64urlEncode(clientDataJSON),
        attestationObject: base64urlEncode(attestationObject),
        transports: ['nfc', 'usb'],
        publicKeyAlgorithm: COSE_ALG_ES256,
        authenticatorData: base64urlEncode(authData),
      },
    };
  }

  /** Signs an assertion for `options` (navigator.credentials.get); bumps the counter. */
  async getAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    ceremony: CeremonyOptions,
  ): Promise<AuthenticationResponseJSON> {
    const rpId = ceremony.rpId ?? options.rpId ?? new URL(ceremony.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((credential) => credential.id));
    const credential = this.credentials.find(
      (candidate) =>
        (ceremony.credentialId === undefined || candidate.id === ceremony.credentialId) &&
        (allowed.size === 0 || allowed.has(candidate.id)) &&
        (ceremony.rpId !== undefined || candidate.rpId === rpId),
    );
    if (!credential) throw new DOMException('No credential for this request', 'NotAllowedError');
    // An explicit counter simulates a clone: it does not move this card's own counter.
    const counter = ceremony.counter ?? ++credential.counter;
    const privateKey = await subtle().importKey(
      'jwk',
      credential.privateKey,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const authData = concat(
      await sha256(new TextEncoder().encode(rpId)),
      Uint8Array.of(this.flags(ceremony)),
      uint32(counter),
    );
    const clientDataJSON = clientData('webauthn.get', options.challenge, ceremony.origin);
    const signature = await sign(privateKey, concat(authData, await sha256(clientDataJSON)));
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64urlEncode(clientDataJSON),
        authenticatorData: base64urlEncode(authData),
        signature: base64urlEncode(signature),
        userHandle: credential.userHandle,
      },
    };
  }

  private flags(ceremony: CeremonyOptions): number {
    return (
      (ceremony.userPresent === false ? 0 : FLAG_UP) |
      (ceremony.userVerified === false ? 0 : FLAG_UV)
    );
  }
}
