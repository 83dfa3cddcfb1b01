import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AssertionVerificationError,
  COSE_ALG,
  credentialKeyFromCose,
  publicKeyFromCose,
  rpIdHash,
  verifyAssertion,
  type VerifyAssertionInput,
} from '../../src/server/webauthn/assertion.js';
import {
  ORIGIN,
  RP_ID,
  assertWith,
  cbor,
  enrolCard,
  flipByte,
  libraryAccepts,
  rsaCard,
  weAccept,
  withResponse,
  type Card,
  type Ceremony,
  type Part,
} from './support/webauthn.js';
import { CASES, STRICTER } from './support/assertion-cases.js';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
/** Rounds of the differential test: each round draws fresh keys, challenges and counters. */
const ROUNDS = 6;

function input(card: Card, ceremony: Ceremony): VerifyAssertionInput {
  return {
    response: ceremony.json,
    expectedChallenge: ceremony.challenge,
    expectedOrigin: ORIGIN,
    rpId: RP_ID,
    credential: card.credential,
    requireUserVerification: true,
  };
}

/** The reason `verifyAssertion` gives for refusing (fails the test if it accepts). */
function refusal(card: Card, ceremony: Ceremony): string {
  try {
    verifyAssertion(input(card, ceremony));
  } catch (error) {
    assert.ok(error instanceof AssertionVerificationError, String(error));
    return error.message;
  }
  assert.fail('verifyAssertion accepted');
}

describe('verifyAssertion against @simplewebauthn/server verifyAuthenticationResponse', () => {
  let cards: Card[] = [];
  before(async () => {
    cards = await Promise.all(Array.from({ length: ROUNDS + 1 }, () => enrolCard()));
  });

  for (const testCase of CASES) {
    it(`${testCase.accept ? 'both accept' : 'both refuse'}: ${testCase.name}`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const card = cards[round]!;
        const ceremony = await testCase.make(card, cards[round + 1]!);

        const ours = weAccept(card, ceremony);
        const theirs = await libraryAccepts(card, ceremony);

        assert.equal(ours, theirs, `round ${round}: ours ${ours}, library ${theirs}`);
        assert.equal(ours, testCase.accept, `round ${round}`);
        if (testCase.reason) assert.equal(refusal(card, ceremony), testCase.reason);
      }
    });
  }

  it('both accept an RS256 assertion and both refuse it with a flipped byte', async () => {
    const card = rsaCard();
    const honest = card.assert('cnM1Ni1jaGFsbGVuZ2U', 7);

    for (const part of ['signature', 'authenticatorData', 'clientDataJSON'] as const) {
      const tampered = { ...honest, json: flipByte(honest.json, part, 40, 0x20) };
      assert.equal(weAccept(card, tampered), false, part);
      assert.equal(await libraryAccepts(card, tampered), false, part);
    }
    assert.equal(weAccept(card, honest), true);
    assert.equal(await libraryAccepts(card, honest), true);
    assert.equal(verifyAssertion(input(card, honest)).newCounter, 7);
  });

  it('both refuse an assertion with a random byte of a signed part flipped (property)', async () => {
    const card = cards[0]!;
    const honest = await assertWith(card);
    const signatureLength = Buffer.from(honest.json.response.signature, 'base64url').length;
    const parts: Part[] = ['authenticatorData', 'clientDataJSON', 'signature'];

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...parts),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (part, index, mask) => {
          const tampered = { ...honest, json: flipByte(honest.json, part, index, mask) };

          assert.equal(weAccept(card, tampered), false);
          // The library's ASN.1 parser ignores the DER envelope (the SEQUENCE tag's class bits and
          // its length, bytes 0-1), so it accepts some of those flips: see STRICTER.
          const envelope = part === 'signature' && index % signatureLength < 2;
          if (!envelope) assert.equal(await libraryAccepts(card, tampered), false);
        },
      ),
      { numRuns: 300 },
    );
  });

  for (const testCase of STRICTER) {
    it(`refuses what the library accepts: ${testCase.name}`, async () => {
      const card = cards[0]!;
      const ceremony = await testCase.make(card, cards[1]!);

      assert.equal(await libraryAccepts(card, ceremony), true, 'library');
      assert.equal(refusal(card, ceremony), testCase.reason);
    });
  }
});

describe('verifyAssertion', () => {
  let card: Card;
  before(async () => (card = await enrolCard()));

  it('returns the big-endian signature counter, the UV bit and the flags', async () => {
    const ceremony = await assertWith(card, { counter: 0x01020304 });

    const result = verifyAssertion(input(card, ceremony));

    assert.equal(result.newCounter, 0x01020304);
    assert.equal(result.userVerified, true);
    assert.deepEqual(result.flags, {
      up: true,
      uv: true,
      be: false,
      bs: false,
      at: false,
      ed: false,
      value: FLAG_UP | FLAG_UV,
    });
  });

  it('returns a counter lower than before: the regression rule is the caller’s', async () => {
    const ceremony = await assertWith(card, { counter: 1 });

    assert.equal(verifyAssertion(input(card, ceremony)).newCounter, 1);
  });

  it('takes a precomputed rpIdHash in place of the RP ID', async () => {
    const ceremony = await assertWith(card);
    const { rpId: _rpId, ...rest } = input(card, ceremony);

    const result = verifyAssertion({ ...rest, rpIdHash: rpIdHash(RP_ID) });

    assert.equal(result.userVerified, true);
    assert.deepEqual(rpIdHash(RP_ID), createHash('sha256').update(RP_ID).digest());
  });

  it('accepts UV off only when user verification is not required', async () => {
    const ceremony = await assertWith(card, { userVerified: false });

    const result = verifyAssertion({ ...input(card, ceremony), requireUserVerification: false });

    assert.equal(result.userVerified, false);
    assert.equal(refusal(card, ceremony), 'user not verified');
  });
});

describe('verifyAssertion refusals', () => {
  let card: Card;
  before(async () => (card = await enrolCard()));

  it('refuses an assertion for another credential id', async () => {
    const ceremony = await assertWith(card);
    const stranger = { ...card, credential: { ...card.credential, id: 'c29tZW9uZS1lbHNl' } };

    assert.equal(refusal(stranger, ceremony), 'assertion is for another credential');
  });

  it('refuses a private key in place of the public key', async () => {
    const ceremony = await assertWith(card);
    const confused = { ...card, credential: { ...card.credential, publicKey: card.privateKey } };

    assert.equal(refusal(confused, ceremony), 'credential key is not a public key');
  });

  it('refuses a key passed with the other algorithm', async () => {
    const ceremony = await assertWith(card);
    const mislabelled = { ...card, credential: { ...card.credential, alg: COSE_ALG.RS256 } };

    assert.equal(refusal(mislabelled, ceremony), 'credential key does not match its algorithm');
  });

  it('names the failed check', async () => {
    const honest = await assertWith(card);
    const reasons = {
      'challenge mismatch': { ...honest, challenge: 'b3RoZXI' },
      'origin mismatch': await assertWith(card, { origin: 'http://pay.example' }),
      'rpIdHash mismatch': await assertWith(card, { rpId: 'example' }),
      'user not present': await assertWith(card, { userPresent: false }),
      'signature is not valid': { ...honest, json: flipByte(honest.json, 'signature', 9, 1) },
      'authenticator data is too short': {
        ...honest,
        json: withResponse(honest.json, { authenticatorData: 'AAAA' }),
      },
    };

    for (const [reason, ceremony] of Object.entries(reasons)) {
      assert.equal(refusal(card, ceremony), reason);
    }
  });

  it('never accepts an assertion with any byte of its signed parts flipped (property)', async () => {
    const honest = await assertWith(card);
    assert.equal(weAccept(card, honest), true);
    const parts: Part[] = ['authenticatorData', 'clientDataJSON', 'signature'];

    fc.assert(
      fc.property(
        fc.constantFrom(...parts),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (part, index, mask) =>
          !weAccept(card, { ...honest, json: flipByte(honest.json, part, index, mask) }),
      ),
      { numRuns: 2000 },
    );
  });
});

describe('credentialKeyFromCose', () => {
  it('imports the ES256 key verifyRegistrationResponse stored, with its alg', async () => {
    const card = await enrolCard();
    const stored = card.authenticator.credentials[0]!.privateKey;

    const { publicKey, alg } = credentialKeyFromCose(card.cose);

    assert.equal(alg, COSE_ALG.ES256);
    const jwk = publicKey.export({ format: 'jwk' });
    assert.deepEqual([jwk.crv, jwk.x, jwk.y], ['P-256', stored.x, stored.y]);
    assert.ok(publicKeyFromCose(card.cose).equals(publicKey));
  });

  it('imports an RS256 key', () => {
    const card = rsaCard();

    const { publicKey, alg } = credentialKeyFromCose(card.cose);

    assert.equal(alg, COSE_ALG.RS256);
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  const ec = (overrides: [number, unknown][]) => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const entries = new Map<number, unknown>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]);
    for (const [label, value] of overrides) {
      if (value === undefined) entries.delete(label);
      else entries.set(label, value);
    }
    return new Uint8Array(cbor([...entries]));
  };

  const RSA_WITHOUT_E = cbor([
    [1, 3],
    [3, -257],
    [-1, Buffer.alloc(256, 0xc5)],
  ]);
  const REFUSED: [string, Uint8Array, RegExp][] = [
    ['EdDSA (-8)', ec([[3, -8]]), /Unsupported COSE key \(kty 2, alg -8\)/],
    ['ES384 (-35)', ec([[3, -35]]), /Unsupported/],
    ['PS256 (-37)', ec([[3, -37]]), /Unsupported/],
    ['no alg', ec([[3, undefined]]), /Unsupported/],
    ['alg -7 on an RSA kty', ec([[1, 3]]), /Unsupported COSE key \(kty 3, alg -7\)/],
    ['curve P-384', ec([[-1, 2]]), /not on curve P-256/],
    ['a 31-byte x', ec([[-2, new Uint8Array(31).fill(7)]]), /must be 32 bytes/],
    ['a point off the curve', ec([[-3, new Uint8Array(32).fill(7)]]), /not a valid public key/],
    ['a text x', ec([[-2, 'x']]), /no x coordinate/],
    ['RS256 without e', new Uint8Array(RSA_WITHOUT_E), /no RSA exponent/],
    ['a CBOR array', new Uint8Array(Buffer.from('83010203', 'hex')), /not a CBOR map/],
    ['truncated CBOR', ec([]).subarray(0, 20), /not valid CBOR/],
    ['no bytes', new Uint8Array(0), /not valid CBOR/],
  ];
  for (const [name, cose, message] of REFUSED) {
    it(`refuses ${name}`, () => {
      assert.throws(() => credentialKeyFromCose(cose), message);
    });
  }
});
