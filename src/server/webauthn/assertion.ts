/**
 * WebAuthn assertion verification with node:crypto, synchronously.
 *
 * `verifyAuthenticationResponse` of `@simplewebauthn/server` re-imports the card's COSE key
 * through Web Crypto on every call and awaits several thread-pool jobs (hashes, import, verify);
 * on the issuer's confirmation path that is ~10 % of CPU. Here the key is imported once
 * (`credentialKeyFromCose`, cache the result) and each assertion is checked with synchronous
 * `node:crypto` calls.
 *
 * `verifyAssertion` performs every check `verifyAuthenticationResponse` (v14) performs, except
 * the signature-counter rule, which the caller owns. It is stricter where the spec asks for it
 * and no honest client on the issuer's pages can differ: it refuses `crossOrigin: true` and any
 * `topOrigin` (the pages send `frame-ancestors 'none'`), a `tokenBinding` status of `present`
 * (the issuer never negotiates Token Binding), the AT flag, extensions that are not a CBOR map,
 * client data that is not UTF-8, padded or dangling base64url, and any ECDSA signature that is not
 * canonical DER: the library's ASN.1 parser ignores the SEQUENCE tag class, its length and
 * trailing bytes, so it accepts many encodings of one signature (test/server/support/
 * assertion-cases.ts, STRICTER).
 */
import {
  constants,
  createHash,
  createPublicKey,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { decodeCredentialPublicKey, isoCBOR } from '@simplewebauthn/server/helpers';

/** The COSE algorithms the issuer registers (`supportedAlgorithmIDs: [-7, -257]`). */
export const COSE_ALG = { ES256: -7, RS256: -257 } as const;
export type CoseAlg = (typeof COSE_ALG)[keyof typeof COSE_ALG];

/** A credential public key ready for verification: import it once per card and cache it. */
export interface CredentialKey {
  readonly publicKey: KeyObject;
  readonly alg: CoseAlg;
}

/** The stored credential an assertion claims to come from. */
export interface AssertionCredential extends CredentialKey {
  /** base64url credential id, as stored at registration. */
  readonly id: string;
}

interface CommonInput {
  /** Already shape-checked by the caller (strings where strings belong). */
  readonly response: AuthenticationResponseJSON;
  /** base64url challenge the issuer handed out for this ceremony. */
  readonly expectedChallenge: string;
  /** Exact origin the client data must name, e.g. `https://pay.example`. */
  readonly expectedOrigin: string;
  readonly credential: AssertionCredential;
  /** Whether the UV flag must be set (the issuer always requires it). */
  readonly requireUserVerification: boolean;
}

/** Pass the RP ID, or its SHA-256 precomputed once with {@link rpIdHash}. */
export type VerifyAssertionInput = CommonInput &
  (
    | { readonly rpIdHash: Uint8Array; readonly rpId?: undefined }
    | { readonly rpId: string; readonly rpIdHash?: undefined }
  );

/** The authenticator data flags (WebAuthn L3 §6.1). */
export interface AuthenticatorFlags {
  /** User present. */
  readonly up: boolean;
  /** User verified. */
  readonly uv: boolean;
  /** Backup eligible. */
  readonly be: boolean;
  /** Backed up. */
  readonly bs: boolean;
  /** Attested credential data included (always false here: refused). */
  readonly at: boolean;
  /** Extension data included. */
  readonly ed: boolean;
  /** The raw flags byte. */
  readonly value: number;
}

export interface VerifiedAssertion {
  /** The authenticator's signature counter; the caller applies its own regression rule. */
  readonly newCounter: number;
  readonly userVerified: boolean;
  readonly flags: AuthenticatorFlags;
}

/** Why an assertion was refused; the message is a short reason for logs, not for users. */
export class AssertionVerificationError extends Error {
  override readonly name = 'AssertionVerificationError';
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const FLAG_ED = 0x80;
/** rpIdHash (32) + flags (1) + signCount (4): WebAuthn L3 §6.1. */
const AUTH_DATA_MIN_LENGTH = 37;
const COSE_KTY_EC2 = 2;
const COSE_KTY_RSA = 3;
const COSE_CRV_P256 = 1;
const P256_COORDINATE_LENGTH = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Fatal: a browser always sends valid UTF-8, so a bad sequence is tampering, not a quirk. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function fail(reason: string): never {
  throw new AssertionVerificationError(reason);
}

/** SHA-256 of the RP ID, the value authenticator data must start with; compute it once. */
export function rpIdHash(rpId: string): Buffer {
  return createHash('sha256').update(rpId, 'utf8').digest();
}

// ── credential public keys ──

function coseBytes(map: Map<unknown, unknown>, label: number, what: string): Uint8Array {
  const value = map.get(label);
  if (!(value instanceof Uint8Array) || value.length === 0) {
    throw new Error(`COSE key has no ${what}`);
  }
  return value;
}

function jwkBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function importJwk(jwk: Record<string, string>, what: string): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    // OpenSSL refuses, among others, EC points that are not on the curve.
    throw new Error(`COSE ${what} key is not a valid public key`, { cause });
  }
}

/** RFC 9053 §7.1.1 (EC2, P-256) and RFC 8230 §4 (RSA): labels -1/-2/-3 per key type. */
function ec2Key(map: Map<unknown, unknown>): KeyObject {
  if (map.get(-1) !== COSE_CRV_P256) throw new Error('COSE ES256 key is not on curve P-256');
  const x = coseBytes(map, -2, 'x coordinate');
  const y = coseBytes(map, -3, 'y coordinate');
  if (x.length !== P256_COORDINATE_LENGTH || y.length !== P256_COORDINATE_LENGTH) {
    throw new Error('COSE P-256 coordinates must be 32 bytes');
  }
  return importJwk({ kty: 'EC', crv: 'P-256', x: jwkBase64url(x), y: jwkBase64url(y) }, 'EC2');
}

function rsaKey(map: Map<unknown, unknown>): KeyObject {
  const n = coseBytes(map, -1, 'RSA modulus');
  const e = coseBytes(map, -2, 'RSA exponent');
  return importJwk({ kty: 'RSA', n: jwkBase64url(n), e: jwkBase64url(e) }, 'RSA');
}

/**
 * Imports a stored COSE credential public key (`registrationInfo.credential.publicKey` of
 * `verifyRegistrationResponse`). Only ES256 (EC2 on P-256) and RS256 (RSA) are accepted, and the
 * key type must match the algorithm: the algorithm fixes how signatures are checked.
 * @throws {Error} for malformed CBOR, other algorithms, or unusable key material.
 */
export function credentialKeyFromCose(cose: Uint8Array): CredentialKey {
  let decoded: unknown;
  try {
    decoded = decodeCredentialPublicKey(new Uint8Array(cose));
  } catch (cause) {
    throw new Error('COSE key is not valid CBOR', { cause });
  }
  if (!(decoded instanceof Map)) throw new Error('COSE key is not a CBOR map');
  const map = decoded as Map<unknown, unknown>;
  const kty = map.get(1);
  const alg = map.get(3);
  if (alg === COSE_ALG.ES256 && kty === COSE_KTY_EC2) return { alg, publicKey: ec2Key(map) };
  if (alg === COSE_ALG.RS256 && kty === COSE_KTY_RSA) return { alg, publicKey: rsaKey(map) };
  throw new Error(`Unsupported COSE key (kty ${String(kty)}, alg ${String(alg)})`);
}

/** The `KeyObject` of a stored COSE key; {@link credentialKeyFromCose} also gives its alg. */
export function publicKeyFromCose(cose: Uint8Array): KeyObject {
  return credentialKeyFromCose(cose).publicKey;
}

/** A key passed in with the wrong alg must not be verified with the other algorithm's rules. */
function checkCredentialKey(credential: AssertionCredential): void {
  const { publicKey, alg } = credential;
  if (publicKey.type !== 'public') fail('credential key is not a public key');
  const ok =
    alg === COSE_ALG.ES256
      ? publicKey.asymmetricKeyType === 'ec' &&
        publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      : alg === COSE_ALG.RS256 && publicKey.asymmetricKeyType === 'rsa';
  if (!ok) fail('credential key does not match its algorithm');
}

// ── the response ──

/** Strict, unpadded base64url (the library also allows `=` padding; no browser sends it). */
function decodeField(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !BASE64URL.test(value) || value.length % 4 === 1) {
    fail(`${field} is not base64url`);
  }
  return Buffer.from(value, 'base64url');
}

/** The credential envelope: WebAuthn L3 §5.1 (id is base64url(rawId)) and §7.2 step 6. */
function checkEnvelope(response: AuthenticationResponseJSON, credentialId: string): void {
  if (typeof response.id !== 'string' || response.id === '') fail('missing credential id');
  if (response.id !== response.rawId) fail('id and rawId differ');
  if (response.id !== credentialId) fail('assertion is for another credential');
  if (response.type !== 'public-key') fail('credential type is not public-key');
  if (typeof response.response !== 'object' || response.response === null) fail('no response');
  const { userHandle } = response.response;
  // The caller compares a present userHandle with the account's (§7.2 step 6); here only its type.
  if (userHandle !== undefined && userHandle !== null && typeof userHandle !== 'string') {
    fail('userHandle is not a string');
  }
}

const TOKEN_BINDING_ABSENT = new Set(['supported', 'notSupported']);

/** WebAuthn L3 §7.2 steps 8-14 on the client data. */
function checkClientData(
  clientDataJSON: Buffer,
  expectedChallenge: string,
  expectedOrigin: string,
): void {
  let data: unknown;
  try {
    // Step 8: UTF-8 decode (TextDecoder strips a leading BOM, as the spec requires); step 9: JSON.
    data = JSON.parse(UTF8.decode(clientDataJSON));
  } catch {
    fail('clientDataJSON is not UTF-8 JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    fail('clientDataJSON is not an object');
  }
  const c = data as Record<string, unknown>;
  if (c.type !== 'webauthn.get') fail('client data type is not webauthn.get'); // step 10
  if (c.challenge !== expectedChallenge) fail('challenge mismatch'); // step 11
  if (c.origin !== expectedOrigin) fail('origin mismatch'); // step 12
  // Steps 13-14: the issuer's pages refuse framing, so no honest client is cross-origin.
  if (c.crossOrigin !== undefined && c.crossOrigin !== false) fail('cross-origin assertion');
  if (c.topOrigin !== undefined) fail('assertion from a framed page');
  // WebAuthn L2 §7.2 step 14 (dropped in L3, still checked by the library): a status other than
  // supported/notSupported claims a Token Binding this issuer never negotiated.
  if (c.tokenBinding !== undefined) {
    const binding = c.tokenBinding as { status?: unknown } | null;
    if (typeof binding !== 'object' || binding === null || Array.isArray(binding)) {
      fail('tokenBinding is not an object');
    }
    if (!TOKEN_BINDING_ABSENT.has(binding.status as string)) fail('unexpected tokenBinding');
  }
}

interface ParsedAuthData {
  readonly rpIdHash: Buffer;
  readonly flags: AuthenticatorFlags;
  readonly signCount: number;
}

function readFlags(value: number): AuthenticatorFlags {
  return {
    up: (value & FLAG_UP) !== 0,
    uv: (value & FLAG_UV) !== 0,
    be: (value & FLAG_BE) !== 0,
    bs: (value & FLAG_BS) !== 0,
    at: (value & FLAG_AT) !== 0,
    ed: (value & FLAG_ED) !== 0,
    value,
  };
}

/**
 * The extensions, a CBOR map, must fill the rest of the authenticator data exactly (§6.1: "the
 * authenticator data describes its own length"). Re-encoding must give back the same bytes, which
 * also refuses non-canonical encodings the length could not be told from.
 */
function checkExtensions(extensions: Buffer): void {
  let decoded: unknown;
  try {
    decoded = isoCBOR.decodeFirst<unknown>(new Uint8Array(extensions));
  } catch {
    fail('authenticator extensions are not CBOR');
  }
  if (!(decoded instanceof Map)) fail('authenticator extensions are not a CBOR map');
  let encoded: Uint8Array;
  try {
    encoded = isoCBOR.encode(decoded);
  } catch {
    fail('authenticator extensions are not canonical CBOR');
  }
  if (!extensions.equals(encoded)) fail('leftover or non-canonical bytes in authenticator data');
}

/** WebAuthn L3 §6.1: rpIdHash ‖ flags ‖ signCount (big-endian) ‖ [extensions]. */
function parseAuthData(authData: Buffer): ParsedAuthData {
  if (authData.length < AUTH_DATA_MIN_LENGTH) fail('authenticator data is too short');
  const flags = readFlags(authData.readUInt8(32));
  // §6.1: "For assertion signatures, the AT flag MUST NOT be set".
  if (flags.at) fail('attested credential data in an assertion');
  const rest = authData.subarray(AUTH_DATA_MIN_LENGTH);
  if (flags.ed) checkExtensions(rest);
  else if (rest.length > 0) fail('leftover bytes in authenticator data');
  return {
    rpIdHash: authData.subarray(0, 32),
    flags,
    signCount: authData.readUInt32BE(33),
  };
}

/** WebAuthn L3 §7.2 steps 15-18 on the authenticator data. */
function checkAuthData(
  parsed: ParsedAuthData,
  expectedRpIdHash: Uint8Array,
  requireUserVerification: boolean,
): void {
  if (!parsed.rpIdHash.equals(expectedRpIdHash)) fail('rpIdHash mismatch'); // step 15
  if (!parsed.flags.up) fail('user not present'); // step 16
  if (requireUserVerification && !parsed.flags.uv) fail('user not verified'); // step 17
  if (!parsed.flags.be && parsed.flags.bs) fail('backed up but not backup eligible'); // step 18
}

/**
 * WebAuthn L3 §7.2 steps 20-21. §6.5.5: ES256 signatures are ASN.1 DER (OpenSSL refuses any
 * encoding but the canonical one); RS256 is RSASSA-PKCS1-v1_5 with SHA-256, not ASN.1 wrapped.
 */
function checkSignature(
  credential: AssertionCredential,
  authData: Buffer,
  clientDataJSON: Buffer,
  signature: Buffer,
): void {
  const clientDataHash = createHash('sha256').update(clientDataJSON).digest();
  const signed = Buffer.concat([authData, clientDataHash]);
  const key =
    credential.alg === COSE_ALG.ES256
      ? { key: credential.publicKey, dsaEncoding: 'der' as const }
      : { key: credential.publicKey, padding: constants.RSA_PKCS1_PADDING };
  let valid: boolean;
  try {
    valid = verifySignature('sha256', signed, key, signature);
  } catch {
    valid = false;
  }
  if (!valid) fail('signature is not valid');
}

function expectedHash(input: VerifyAssertionInput): Uint8Array {
  if (input.rpIdHash !== undefined) return input.rpIdHash;
  if (typeof input.rpId !== 'string' || input.rpId === '') fail('no expected RP ID');
  return rpIdHash(input.rpId);
}

/**
 * Verifies a WebAuthn assertion (WebAuthn L3 §7.2) synchronously. Steps 1-5 are the caller's
 * (options, allowCredentials), as are the user-handle comparison of step 6, the signature-counter
 * rule of step 22 and the credential-record update: the counter is returned, not judged.
 *
 * @returns The counter, whether the user was verified, and the flags.
 * @throws {AssertionVerificationError} with a short reason when any check fails.
 */
export function verifyAssertion(input: VerifyAssertionInput): VerifiedAssertion {
  const { response, credential } = input;
  checkCredentialKey(credential);
  checkEnvelope(response, credential.id);
  const clientDataJSON = decodeField(response.response.clientDataJSON, 'clientDataJSON');
  const authData = decodeField(response.response.authenticatorData, 'authenticatorData');
  const signature = decodeField(response.response.signature, 'signature');
  checkClientData(clientDataJSON, input.expectedChallenge, input.expectedOrigin);
  const parsed = parseAuthData(authData);
  const expectedRpIdHash = expectedHash(input);
  checkAuthData(parsed, expectedRpIdHash, input.requireUserVerification);
  checkSignature(credential, authData, clientDataJSON, signature);
  return { newCounter: parsed.signCount, userVerified: parsed.flags.uv, flags: parsed.flags };
}
