/**
 * The assertions of the differential test (test/server/webauthn-assertion.test.ts): honest ones,
 * and ones damaged in exactly one way, mostly re-signed with the card's key so that only the
 * damaged check can refuse them.
 */
import {
  assertWith,
  cbor,
  flipByte,
  resign,
  setFlags,
  withResponse,
  type Card,
  type Ceremony,
  type Edit,
} from './webauthn.js';

const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const FLAG_ED = 0x80;

/** What an authenticator answers for the credProtect extension. */
const EXTENSIONS = cbor([['credProtect', 2]]);

export interface Case {
  name: string;
  accept: boolean;
  /** The reason `verifyAssertion` must give, when it is always the same one. */
  reason?: string;
  make(card: Card, other: Card): Promise<Ceremony>;
}

/** Edits an honest assertion and signs it again, so that only the edited check can fail. */
function edited(edit: Edit): Case['make'] {
  return async (card) => {
    const honest = await assertWith(card);
    return { ...honest, json: resign(honest.json, card.privateKey, edit) };
  };
}

/** Cases on which both verifiers must agree, with the verdict they must agree on. */
export const CASES: Case[] = [
  { name: 'honest assertion', accept: true, make: (card) => assertWith(card) },
  { name: 'counter 0', accept: true, make: (card) => assertWith(card, { counter: 0 }) },
  {
    name: 'counter 2^32-1',
    accept: true,
    make: (card) => assertWith(card, { counter: 2 ** 32 - 1 }),
  },
  { name: 'BE and BS set', accept: true, make: edited({ authData: setFlags(FLAG_BE | FLAG_BS) }) },
  { name: 'BE without BS', accept: true, make: edited({ authData: setFlags(FLAG_BE) }) },
  {
    name: 'extension outputs',
    accept: true,
    make: edited({
      authData: (a) => Buffer.concat([setFlags(FLAG_ED)(a), EXTENSIONS]),
    }),
  },
  {
    name: 'extra client data members and tokenBinding "supported"',
    accept: true,
    make: edited({
      clientData: (c) => {
        c.other_keys_can_be_added_here = 'do not compare clientDataJSON against a template';
        c.tokenBinding = { status: 'supported' };
      },
    }),
  },
  {
    name: 'wrong challenge',
    accept: false,
    reason: 'challenge mismatch',
    make: async (card) => ({
      json: (await assertWith(card)).json,
      challenge: (await assertWith(card)).challenge,
    }),
  },
  {
    name: 'wrong origin',
    accept: false,
    reason: 'origin mismatch',
    make: (card) => assertWith(card, { origin: 'https://pay.example.evil' }),
  },
  {
    name: 'wrong RP ID',
    accept: false,
    reason: 'rpIdHash mismatch',
    make: (card) => assertWith(card, { rpId: 'evil.example' }),
  },
  {
    name: 'UV off',
    accept: false,
    reason: 'user not verified',
    make: (card) => assertWith(card, { userVerified: false }),
  },
  {
    name: 'UP off',
    accept: false,
    reason: 'user not present',
    make: (card) => assertWith(card, { userPresent: false }),
  },
  {
    name: 'UP and UV off',
    accept: false,
    reason: 'user not present',
    make: edited({ authData: setFlags(0, 0x05) }),
  },
  ...(['signature', 'authenticatorData', 'clientDataJSON'] as const).map((part): Case => ({
    // Past the DER envelope of the signature (bytes 0-1), which the library does not check:
    // those flips are in STRICTER.
    name: `one flipped ${part} byte${part === 'signature' ? ' past the DER envelope' : ''}`,
    accept: false,
    make: async (card) => {
      const honest = await assertWith(card);
      const length = Buffer.from(honest.json.response[part], 'base64url').length;
      const index = part === 'signature' ? 2 + randomBelow(length - 2) : randomBelow(length);
      return { ...honest, json: flipByte(honest.json, part, index, 1 + randomBelow(255)) };
    },
  })),
  {
    name: 'authenticator data truncated to 36 bytes (re-signed)',
    accept: false,
    reason: 'authenticator data is too short',
    make: edited({ authData: (a) => a.subarray(0, 36) }),
  },
  {
    name: 'authenticator data truncated (not re-signed)',
    accept: false,
    reason: 'authenticator data is too short',
    make: async (card) => {
      const honest = await assertWith(card);
      const short = Buffer.from(honest.json.response.authenticatorData, 'base64url').subarray(
        0,
        20,
      );
      return {
        ...honest,
        json: withResponse(honest.json, { authenticatorData: short.toString('base64url') }),
      };
    },
  },
  {
    name: 'leftover bytes after the counter',
    accept: false,
    reason: 'leftover bytes in authenticator data',
    make: edited({ authData: (a) => Buffer.concat([a, Buffer.of(0)]) }),
  },
  {
    name: 'ED set without extensions',
    accept: false,
    reason: 'authenticator extensions are not CBOR',
    make: edited({ authData: setFlags(FLAG_ED) }),
  },
  {
    name: 'extension outputs followed by leftover bytes',
    accept: false,
    reason: 'leftover or non-canonical bytes in authenticator data',
    make: edited({
      authData: (a) => Buffer.concat([setFlags(FLAG_ED)(a), EXTENSIONS, Buffer.of(0)]),
    }),
  },
  {
    name: 'extension outputs in non-minimal CBOR ({1: 1} with the key as 0x18 0x01)',
    accept: false,
    reason: 'authenticator extensions are not CBOR',
    make: edited({
      authData: (a) => Buffer.concat([setFlags(FLAG_ED)(a), Buffer.from('a1180101', 'hex')]),
    }),
  },
  {
    name: 'extension outputs that are a CBOR integer',
    accept: false,
    reason: 'authenticator extensions are not a CBOR map',
    make: edited({ authData: (a) => Buffer.concat([setFlags(FLAG_ED)(a), Buffer.of(0x05)]) }),
  },
  {
    name: 'BS without BE',
    accept: false,
    reason: 'backed up but not backup eligible',
    make: edited({ authData: setFlags(FLAG_BS) }),
  },
  {
    name: 'client data type webauthn.create',
    accept: false,
    reason: 'client data type is not webauthn.get',
    make: edited({ clientData: (c) => void (c.type = 'webauthn.create') }),
  },
  {
    name: 'client data not JSON',
    accept: false,
    reason: 'clientDataJSON is not UTF-8 JSON',
    make: edited({ clientData: () => Buffer.from('{"type":"webauthn.get",') }),
  },
  {
    name: 'tokenBinding that is not an object',
    accept: false,
    reason: 'tokenBinding is not an object',
    make: edited({ clientData: (c) => void (c.tokenBinding = 'supported') }),
  },
  {
    name: 'unknown tokenBinding status',
    accept: false,
    reason: 'unexpected tokenBinding',
    make: edited({ clientData: (c) => void (c.tokenBinding = { status: 'bogus' }) }),
  },
  {
    name: 'framed: crossOrigin with a topOrigin',
    accept: false,
    reason: 'cross-origin assertion',
    make: edited({
      clientData: (c) => {
        Object.assign(c, { crossOrigin: true, topOrigin: 'https://shop.example' });
      },
    }),
  },
  {
    name: 'topOrigin without crossOrigin',
    accept: false,
    reason: 'assertion from a framed page',
    make: edited({ clientData: (c) => void (c.topOrigin = 'https://shop.example') }),
  },
  {
    name: 'credential type other than public-key',
    accept: false,
    reason: 'credential type is not public-key',
    make: async (card) => {
      const honest = await assertWith(card);
      return { ...honest, json: { ...honest.json, type: 'password' as 'public-key' } };
    },
  },
  {
    name: 'id and rawId differ',
    accept: false,
    reason: 'id and rawId differ',
    make: async (card, other) => {
      const honest = await assertWith(card);
      return { ...honest, json: { ...honest.json, rawId: other.id } };
    },
  },
  {
    name: 'signature by another key under this card id',
    accept: false,
    reason: 'signature is not valid',
    make: async (card, other) => {
      const forged = await assertWith(other);
      return { ...forged, json: { ...forged.json, id: card.id, rawId: card.id } };
    },
  },
  {
    name: 'signature not base64url',
    accept: false,
    reason: 'signature is not base64url',
    make: async (card) => {
      const honest = await assertWith(card);
      return { ...honest, json: withResponse(honest.json, { signature: 'MEUCIQ+/' }) };
    },
  },
];

/**
 * Spec requirements the library leaves to the caller, which `verifyAssertion` enforces: each is
 * impossible from an honest client on the issuer's pages, so refusing them costs nothing.
 */
export const STRICTER: Case[] = [
  {
    name: 'crossOrigin true (step 13; the pages send frame-ancestors none)',
    accept: false,
    reason: 'cross-origin assertion',
    make: edited({ clientData: (c) => void (c.crossOrigin = true) }),
  },
  {
    name: 'tokenBinding "present" (the issuer never negotiates Token Binding)',
    accept: false,
    reason: 'unexpected tokenBinding',
    make: edited({ clientData: (c) => void (c.tokenBinding = { status: 'present', id: 'AA' }) }),
  },
  {
    name: 'AT flag with attested credential data (L3 §6.1: never in an assertion)',
    accept: false,
    reason: 'attested credential data in an assertion',
    make: async (card) => {
      const honest = await assertWith(card);
      const attested = Buffer.concat([
        Buffer.alloc(16),
        Buffer.of(0, 1, 0xaa),
        Buffer.from(card.cose),
      ]);
      return {
        ...honest,
        json: resign(honest.json, card.privateKey, {
          authData: (a) => Buffer.concat([setFlags(FLAG_AT)(a), attested]),
        }),
      };
    },
  },
  {
    name: 'DER signature with a wrong SEQUENCE length (a malleable encoding)',
    accept: false,
    reason: 'signature is not valid',
    make: async (card) => {
      const honest = await assertWith(card);
      const length = Buffer.from(honest.json.response.signature, 'base64url')[1] ?? 0;
      // 0x30 instead of 0x44-0x46: the parser reads r and s all the same.
      return { ...honest, json: flipByte(honest.json, 'signature', 1, length ^ 0x30) };
    },
  },
  {
    name: 'DER signature with the SEQUENCE tag in another class',
    accept: false,
    reason: 'signature is not valid',
    make: async (card) => {
      const honest = await assertWith(card);
      return { ...honest, json: flipByte(honest.json, 'signature', 0, 0x80) };
    },
  },
  {
    name: 'extension outputs that are a CBOR text string (the library iterates its characters)',
    accept: false,
    reason: 'authenticator extensions are not a CBOR map',
    make: edited({
      authData: (a) => Buffer.concat([setFlags(FLAG_ED)(a), Buffer.from('626162', 'hex')]),
    }),
  },
  {
    name: 'client data that is not UTF-8 (WebAuthn L3 §7.2 step 8)',
    accept: false,
    reason: 'clientDataJSON is not UTF-8 JSON',
    make: edited({
      clientData: (c) => {
        const json = JSON.stringify({ ...c, note: 'INVALID' });
        const [head = '', tail = ''] = json.split('INVALID');
        return Buffer.concat([Buffer.from(head), Buffer.of(0xff), Buffer.from(tail)]);
      },
    }),
  },
  {
    name: 'trailing bytes after the DER signature',
    accept: false,
    reason: 'signature is not valid',
    make: async (card) => {
      const honest = await assertWith(card);
      const signature = Buffer.from(honest.json.response.signature, 'base64url');
      const longer = Buffer.concat([signature, Buffer.of(0)]).toString('base64url');
      return { ...honest, json: withResponse(honest.json, { signature: longer }) };
    },
  },
  {
    name: 'a dangling base64url character (length 4n+1)',
    accept: false,
    reason: 'signature is not base64url',
    make: async (card) => {
      const honest = await assertWith(card);
      const signature = Buffer.from(honest.json.response.signature, 'base64url');
      // Whole groups of 3 bytes encode to 4n characters; one more character encodes no byte.
      const whole = Buffer.concat([signature, Buffer.alloc((3 - (signature.length % 3)) % 3)]);
      const dangling = `${whole.toString('base64url')}A`;
      return { ...honest, json: withResponse(honest.json, { signature: dangling }) };
    },
  },
  {
    name: 'base64 padding on the signature',
    accept: false,
    reason: 'signature is not base64url',
    make: async (card) => {
      // DER signatures are 70-72 bytes; only lengths that are not a multiple of 3 get padding.
      for (;;) {
        const honest = await assertWith(card);
        const { signature } = honest.json.response;
        if (signature.length % 4 === 0) continue;
        const padded = signature + '='.repeat(4 - (signature.length % 4));
        return { ...honest, json: withResponse(honest.json, { signature: padded }) };
      }
    },
  },
];

function randomBelow(limit: number): number {
  return Math.floor(Math.random() * limit);
}
