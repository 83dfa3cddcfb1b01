import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import {
  SIMULATED_AAGUID,
  SimulatedAuthenticator,
  type CeremonyOptions,
} from '../../src/phone/simulated-authenticator.js';
import {
  YUBIKEY_5_AAGUID,
  attestationSigner,
  makeAttestationCertificate,
  makeCa,
} from '../server/support/attestation.js';

const origin = 'http://localhost:4010';
const rpID = 'localhost';

async function enrol(card: SimulatedAuthenticator, ceremony: Partial<CeremonyOptions> = {}) {
  const options = await generateRegistrationOptions({
    rpName: 'dualpay',
    rpID,
    userName: 'payer',
    attestationType: 'direct',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
  const response = await card.createCredential(options, { origin, ...ceremony });
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: true,
  });
  assert.ok(verification.verified);
  return verification.registrationInfo;
}

describe('SimulatedAuthenticator with @simplewebauthn/server', () => {
  it('registers with packed self-attestation, UV and the simulated AAGUID', async () => {
    const info = await enrol(new SimulatedAuthenticator());

    assert.equal(info.fmt, 'packed');
    assert.equal(info.aaguid, SIMULATED_AAGUID);
    assert.equal(info.userVerified, true);
  });

  it('registers with packed full attestation: signed by the attestation key, x5c sent, the claimed AAGUID', async () => {
    const root = await makeCa('Simulated Root');
    const leaf = await makeAttestationCertificate(root, { aaguid: YUBIKEY_5_AAGUID });
    const signer = attestationSigner(leaf, root);

    const info = await enrol(new SimulatedAuthenticator(), {
      aaguid: YUBIKEY_5_AAGUID,
      attestation: signer,
    });

    const x5c = decodeAttestationObject(info.attestationObject).get('attStmt').get('x5c');
    assert.equal(info.fmt, 'packed');
    assert.equal(info.aaguid, YUBIKEY_5_AAGUID);
    assert.deepEqual(
      x5c?.map((der) => Buffer.from(der)),
      [leaf.der, root.der].map(Buffer.from),
    );
  });

  it('refuses full attestation signed by a key other than the certificate one', async () => {
    const root = await makeCa('Simulated Root');
    const leaf = await makeAttestationCertificate(root);
    const other = await makeAttestationCertificate(root);

    await assert.rejects(
      enrol(new SimulatedAuthenticator(), {
        attestation: { privateKey: other.keys.privateKey, x5c: [leaf.der] },
      }),
    );
  });

  it('signs assertions that verify, with an increasing counter', async () => {
    const card = new SimulatedAuthenticator();
    const { credential } = await enrol(card);

    const options = await generateAuthenticationOptions({ rpID, userVerification: 'required' });
    const response = await card.getAssertion(options, { origin });
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential,
      requireUserVerification: true,
    });

    assert.ok(result.verified);
    assert.equal(result.authenticationInfo.newCounter, 1);
  });

  it('produces assertions that fail verification without UV', async () => {
    const card = new SimulatedAuthenticator();
    const { credential } = await enrol(card);
    const options = await generateAuthenticationOptions({ rpID, userVerification: 'required' });

    const response = await card.getAssertion(options, { origin, userVerified: false });

    await assert.rejects(
      verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential,
        requireUserVerification: true,
      }),
      /verif/i,
    );
  });
});
