/**
 * Test certificates for attestation trust, made with @peculiar/x509 over Web Crypto: root and
 * intermediate CAs, and attestation certificates with the FIDO packed-attestation requirements
 * (WebAuthn §8.2.1: subject C, O, OU "Authenticator Attestation", CN; version 3; basic constraints
 * CA false; the id-fido-gen-ce-aaguid extension when it names an AAGUID).
 */
// @peculiar/x509 needs the reflect-metadata polyfill loaded first; SimpleWebAuthn loads it.
import '@simplewebauthn/server/helpers';
import * as x509 from '@peculiar/x509';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttestationSigner } from '../../../src/phone/simulated-authenticator.js';

/** The AAGUID a YubiKey 5 (USB-A, firmware 5.1) reports; what an impostor would claim. */
export const YUBIKEY_5_AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

/** FIDO's certificate extension carrying the authenticator model's AAGUID. */
const ID_FIDO_GEN_CE_AAGUID = '1.3.6.1.4.1.45724.1.1.4';
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

export interface TestCertificate {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** PEM, as an operator would put it in the `--attestation-roots` directory. */
  pem: string;
  der: Uint8Array;
}

export interface Validity {
  notBefore?: Date;
  notAfter?: Date;
}

function serialNumber(): string {
  // A positive 64-bit serial (RFC 5280 §4.1.2.2): the first hex digit below 8.
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function validity(options: Validity) {
  return {
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY_MS),
  };
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function wrap(cert: x509.X509Certificate, keys: CryptoKeyPair): TestCertificate {
  return { cert, keys, pem: cert.toString('pem'), der: new Uint8Array(cert.rawData) };
}

/**
 * A CA certificate: self-signed (a root) or issued by `issuer` (an intermediate). `ca: false` makes
 * an end-entity certificate that is otherwise shaped like a CA (key usage keyCertSign).
 */
export async function makeCa(
  name: string,
  options: Validity & { issuer?: TestCertificate; ca?: boolean } = {},
): Promise<TestCertificate> {
  const keys = await newKeys();
  const extensions = [
    new x509.BasicConstraintsExtension(options.ca ?? true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const subject = `C=KR, O=dualpay tests, CN=${name}`;
  if (!options.issuer) {
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: subject,
      ...validity(options),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions,
    });
    return wrap(cert, keys);
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: options.issuer.cert.subject,
    ...validity(options),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: options.issuer.keys.privateKey,
    extensions: [
      ...extensions,
      await x509.AuthorityKeyIdentifierExtension.create(options.issuer.cert),
    ],
  });
  return wrap(cert, keys);
}

function aaguidExtension(aaguid: string): x509.Extension {
  const bytes = Buffer.from(aaguid.replaceAll('-', ''), 'hex');
  // extnValue is the DER of an OCTET STRING holding the 16 AAGUID bytes.
  return new x509.Extension(
    ID_FIDO_GEN_CE_AAGUID,
    false,
    Buffer.concat([Buffer.of(0x04, 16), bytes]),
  );
}

/**
 * An attestation certificate issued by `issuer`. `signingKey` signs it instead of the issuer's
 * key (a forged chain: the issuer's name, somebody else's signature).
 */
export async function makeAttestationCertificate(
  issuer: TestCertificate,
  options: Validity & { aaguid?: string; signingKey?: CryptoKey } = {},
): Promise<TestCertificate> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'C=KR, O=dualpay tests, OU=Authenticator Attestation, CN=Test Batch',
    issuer: issuer.cert.subject,
    ...validity(options),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: options.signingKey ?? issuer.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
      ...(options.aaguid ? [aaguidExtension(options.aaguid)] : []),
    ],
  });
  return wrap(cert, keys);
}

/** What the simulated card signs its attestation with: `leaf`'s key and the chain as `x5c`. */
export function attestationSigner(
  leaf: TestCertificate,
  ...chain: TestCertificate[]
): AttestationSigner {
  return { privateKey: leaf.keys.privateKey, x5c: [leaf, ...chain].map((c) => c.der) };
}

/** A new temp directory holding `files` (name → content), for `--attestation-roots`. */
export function rootsDirectory(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-roots-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
