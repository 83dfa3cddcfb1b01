/**
 * WebAuthn fixtures for verifier tests: cards enrolled through @simplewebauthn/server with the
 * software authenticator, honest assertions, assertions edited and re-signed with the card's own
 * key (so that exactly one check can fail), and both verifiers' verdicts on them.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import {
  SimulatedAuthenticator,
  type CeremonyOptions,
} from '../../../src/phone/simulated-authenticator.js';
import {
  COSE_ALG,
  credentialKeyFromCose,
  verifyAssertion,
  type AssertionCredential,
} from '../../../src/server/webauthn/assertion.js';

export const ORIGIN = 'https://pay.example';
export const RP_ID = 'pay.example';

/** An enrolled card: what the issuer stores, plus the private key the test may sign with. */
export interface Card {
  readonly authenticator: SimulatedAuthenticator;
  /** As the issuer stores it (`registrationInfo.credential`). */
  readonly id: string;
  readonly cose: Uint8Array;
  /** What `verifyAssertion` takes (key imported once). */
  readonly credential: AssertionCredential;
  readonly privateKey: KeyObject;
}

/** An assertion and the challenge the issuer handed out for it. */
export interface Ceremony {
  readonly json: AuthenticationResponseJSON;
  readonly challenge: string;
}

/** Registers a card the way `Issuer.verifyEnrollment` does and imports its key for our verifier. */
export async function enrolCard(): Promise<Card> {
  const options = await generateRegistrationOptions({
    rpName: 'dualpay',
    rpID: RP_ID,
    userName: 'Alice',
    userID: new Uint8Array(randomBytes(32)),
    attestationType: 'direct',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -257],
  });
  const authenticator = new SimulatedAuthenticator();
  const response = await authenticator.createCredential(options, { origin: ORIGIN });
  const { verified, registrationInfo } = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: true,
  });
  if (!verified) throw new Error('the simulated card did not register');
  const { id, publicKey } = registrationInfo.credential;
  const stored = authenticator.credentials.find((credential) => credential.id === id);
  if (!stored) throw new Error('the simulated card lost its credential');
  return {
    authenticator,
    id,
    cose: publicKey,
    credential: { id, ...credentialKeyFromCose(publicKey) },
    privateKey: createPrivateKey({ key: stored.privateKey as never, format: 'jwk' }),
  };
}

/** An honest assertion by `card` over fresh options; `ceremony` bends the authenticator. */
export async function assertWith(
  card: Card,
  ceremony: Partial<CeremonyOptions> = {},
): Promise<Ceremony> {
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    userVerification: 'required',
    allowCredentials: [{ id: card.id }],
  });
  const json = await card.authenticator.getAssertion(options, { origin: ORIGIN, ...ceremony });
  return { json, challenge: options.challenge };
}

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const unb64u = (text: string): Buffer => Buffer.from(text, 'base64url');
const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

/** Signs authData ‖ SHA-256(clientData) as an authenticator would for `privateKey`'s type. */
export function signAssertion(privateKey: KeyObject, authData: Buffer, clientData: Buffer): Buffer {
  const signed = Buffer.concat([authData, sha256(clientData)]);
  return privateKey.asymmetricKeyType === 'rsa'
    ? sign('sha256', signed, { key: privateKey, padding: constants.RSA_PKCS1_PADDING })
    : sign('sha256', signed, { key: privateKey, dsaEncoding: 'der' });
}

export interface Edit {
  /** Edits the parsed client data in place, or returns replacement bytes. */
  clientData?: (data: Record<string, unknown>) => Buffer | undefined;
  /** Returns the new authenticator data. */
  authData?: (bytes: Buffer) => Buffer;
}

/** `json` with its client data and/or authenticator data edited, then signed again with `key`. */
export function resign(
  json: AuthenticationResponseJSON,
  key: KeyObject,
  edit: Edit,
): AuthenticationResponseJSON {
  let clientData = unb64u(json.response.clientDataJSON);
  if (edit.clientData) {
    const data = JSON.parse(clientData.toString('utf8')) as Record<string, unknown>;
    clientData = edit.clientData(data) ?? Buffer.from(JSON.stringify(data), 'utf8');
  }
  const authData = edit.authData
    ? edit.authData(unb64u(json.response.authenticatorData))
    : unb64u(json.response.authenticatorData);
  return withResponse(json, {
    clientDataJSON: b64u(clientData),
    authenticatorData: b64u(authData),
    signature: b64u(signAssertion(key, authData, clientData)),
  });
}

/** `json` with some `response.response` members replaced. */
export function withResponse(
  json: AuthenticationResponseJSON,
  fields: Partial<AuthenticationResponseJSON['response']>,
): AuthenticationResponseJSON {
  return { ...json, response: { ...json.response, ...fields } };
}

/** Which base64url member of the response to damage. */
export type Part = 'authenticatorData' | 'clientDataJSON' | 'signature';

/** `json` with byte `index` (mod length) of `part` XORed with `mask` (1-255), not re-signed. */
export function flipByte(
  json: AuthenticationResponseJSON,
  part: Part,
  index: number,
  mask: number,
): AuthenticationResponseJSON {
  const bytes = unb64u(json.response[part]);
  const at = index % bytes.length;
  bytes[at] = (bytes[at] ?? 0) ^ mask;
  return withResponse(json, { [part]: b64u(bytes) });
}

/** Sets and clears bits of the flags byte (offset 32, WebAuthn L3 §6.1). */
export function setFlags(set: number, clear = 0): (authData: Buffer) => Buffer {
  return (authData) => {
    const copy = Buffer.from(authData);
    copy[32] = ((copy[32] ?? 0) | set) & ~clear;
    return copy;
  };
}

/** CBOR of a map, as an authenticator encodes extension outputs. */
export function cbor(entries: [string | number, unknown][]): Buffer {
  return Buffer.from(isoCBOR.encode(new Map(entries) as never));
}

/** Whether @simplewebauthn/server accepts `ceremony` for `card` (stored counter 0). */
export async function libraryAccepts(card: Card, ceremony: Ceremony): Promise<boolean> {
  try {
    const result = await verifyAuthenticationResponse({
      response: ceremony.json,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { id: card.id, publicKey: card.cose as never, counter: 0 },
      requireUserVerification: true,
    });
    return result.verified;
  } catch {
    return false;
  }
}

/** Whether `verifyAssertion` accepts `ceremony` for `card`. */
export function weAccept(card: Card, ceremony: Ceremony): boolean {
  try {
    verifyAssertion({
      response: ceremony.json,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: ORIGIN,
      rpId: RP_ID,
      credential: card.credential,
      requireUserVerification: true,
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * An RS256 card built by hand (the software authenticator only does ES256): a 2048-bit RSA key,
 * its COSE form (RFC 8230 §4: kty 3, n at -1, e at -2) and honest assertions signed with it.
 */
export function rsaCard(): Card & { assert(challenge: string, counter: number): Ceremony } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = new Uint8Array(
    cbor([
      [1, 3],
      [3, COSE_ALG.RS256],
      [-1, unb64u(jwk.n ?? '')],
      [-2, unb64u(jwk.e ?? '')],
    ]),
  );
  const id = b64u(randomBytes(16));
  return {
    authenticator: new SimulatedAuthenticator(),
    id,
    cose,
    credential: { id, ...credentialKeyFromCose(cose) },
    privateKey,
    assert(challenge, counter) {
      const clientData = Buffer.from(
        JSON.stringify({ type: 'webauthn.get', challenge, origin: ORIGIN, crossOrigin: false }),
      );
      const count = Buffer.alloc(4);
      count.writeUInt32BE(counter);
      const authData = Buffer.concat([sha256(Buffer.from(RP_ID)), Buffer.of(0x05), count]);
      const json: AuthenticationResponseJSON = {
        id,
        rawId: id,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64u(clientData),
          authenticatorData: b64u(authData),
          signature: b64u(signAssertion(privateKey, authData, clientData)),
        },
      };
      return { json, challenge };
    },
  };
}
