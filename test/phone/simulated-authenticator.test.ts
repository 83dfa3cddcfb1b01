import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import {
  SIMULATED_AAGUID,
  SimulatedAuthenticator,
} from '../../src/phone/simulated-authenticator.js';

const origin = 'http://localhost:4010';
const rpID = 'localhost';

async function enrol(card: SimulatedAuthenticator) {
  const options = await generateRegistrationOptions({
    rpName: 'dualpay',
    rpID,
    userName: 'payer',
    attestationType: 'direct',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
  const response = await card.createCredential(options, { origin });
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
