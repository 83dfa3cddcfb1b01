/**
 * Attestation trust: is a newly registered card trusted hardware, or a test card?
 *
 * WebAuthn §7.1 steps 21–24: after the attestation statement verified (SimpleWebAuthn's
 * `verifyRegistrationResponse`), the relying party obtains trust anchors for the attestation and
 * assesses its trustworthiness. The AAGUID a card reports is its own claim and proves nothing: a
 * software key can claim a YubiKey's. Only an `x5c` chain that verifies up to a root the issuer
 * trusts (`--attestation-roots`) makes a card trusted; self-attestation, `none`, or a chain to an
 * unknown root makes it a test card.
 *
 * The chain is verified here with node:crypto, not with SimpleWebAuthn's `SettingsService` roots:
 * those are process-wide, and several issuers (each with its own roots) may share a process.
 * SimpleWebAuthn skips path validation when no roots are set for a format (packed, fido-u2f, tpm),
 * so it neither interferes nor needs configuring; for android-key and apple it keeps its built-in
 * Google and Apple roots and refuses chains to anything else, which real attestations never are.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';

/** A trusted attestation root: a PEM certificate (one `BEGIN CERTIFICATE` block) or a parsed one. */
export type AttestationRoot = string | X509Certificate;

/** Why a card is a test card (recorded in the `card.enrolled` audit row). */
export type UntrustedReason =
  /** `none`, packed self-attestation, or a format without `attStmt.x5c`. */
  | 'no_certificate_chain'
  /** The issuer trusts no root (no `--attestation-roots`). */
  | 'no_trusted_roots'
  /** The chain is well formed but ends at no trusted root. */
  | 'unknown_root'
  /** A certificate that does not parse, is not issued or signed by the next, or an over-long chain. */
  | 'broken_chain'
  /** A certificate of the chain, or the root it needs, is expired or not yet valid. */
  | 'outside_validity'
  /** The credential may be synced to other devices (BE flag): its key is not bound to hardware. */
  | 'backup_eligible';

/** The enrolment's trust decision. */
export type AttestationTrust =
  { trusted: true; root: X509Certificate } | { trusted: false; reason: UntrustedReason };

/** A root that cannot be used. `source` is the file, directory or option entry at fault. */
export class AttestationRootsError extends Error {
  override readonly name = 'AttestationRootsError';
  readonly source: string;

  constructor(source: string, problem: string, options?: ErrorOptions) {
    super(`${source}: ${problem}`, options);
    this.source = source;
  }
}

/** Real chains are 1–3 certificates; a longer one only costs signature checks. */
const MAX_CHAIN_LENGTH = 8;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Every certificate of a PEM text (one or several `CERTIFICATE` blocks; text between blocks, such
 * as `openssl` comments, is ignored). Any other block (a private key) or a block that does not
 * parse throws, naming `source`.
 */
export function parsePemCertificates(text: string, source: string): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const [block, label] of text.matchAll(PEM_BLOCK)) {
    if (label !== 'CERTIFICATE') {
      throw new AttestationRootsError(source, `holds a ${label} block, not a certificate`);
    }
    try {
      certificates.push(new X509Certificate(block));
    } catch (cause) {
      throw new AttestationRootsError(source, 'not a valid X.509 certificate', { cause });
    }
  }
  if (certificates.length === 0) {
    throw new AttestationRootsError(source, 'not a PEM certificate (no BEGIN CERTIFICATE block)');
  }
  return certificates;
}

/** `IssuerOptions.attestationRoots` as parsed certificates; a bad entry throws, naming its index. */
export function parseAttestationRoots(roots: readonly AttestationRoot[]): X509Certificate[] {
  return roots.flatMap((root, index) =>
    root instanceof X509Certificate
      ? [root]
      : parsePemCertificates(String(root), `attestationRoots[${index}]`),
  );
}

/**
 * Every certificate of every `*.pem` file in `dir` (`dualpay-issuer --attestation-roots DIR`).
 * Throws {@link AttestationRootsError} naming the directory or the file when the directory cannot
 * be read, holds no `*.pem` file, or a file is not a PEM certificate.
 */
export function loadAttestationRoots(dir: string): X509Certificate[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.toLowerCase().endsWith('.pem'));
  } catch (cause) {
    throw new AttestationRootsError(dir, 'cannot read the directory', { cause });
  }
  if (names.length === 0) throw new AttestationRootsError(dir, 'holds no *.pem file');
  return names.sort().flatMap((name) => {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new AttestationRootsError(file, 'cannot read the file', { cause });
    }
    return parsePemCertificates(text, file);
  });
}

function withinValidity(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo);
}

/**
 * RFC 5280 §6.1.3 (a)(1) and (a)(4), §6.1.4 (k): `issuer` names `certificate`'s issuer (and its key
 * identifiers match, which `checkIssued` checks), signed it, and is a CA.
 */
function issuedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  return issuer.ca && certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
}

/**
 * Walks `chain` (x5c: attestation certificate first) up to a trusted root: each certificate valid
 * now and issued and signed by the next; the last one issued and signed by a valid trusted root.
 * A certificate that is itself a trusted root ends the walk: FIDO metadata allows an intermediate
 * or the attestation certificate itself as the trust anchor.
 */
export function verifyAttestationChain(
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  now: Date,
): AttestationTrust {
  if (roots.length === 0) return { trusted: false, reason: 'no_trusted_roots' };
  for (const [index, certificate] of chain.entries()) {
    if (!withinValidity(certificate, now)) return { trusted: false, reason: 'outside_validity' };
    const anchor = roots.find((root) => root.raw.equals(certificate.raw));
    if (anchor) return { trusted: true, root: anchor };
    const next = chain[index + 1];
    if (next) {
      if (!issuedBy(certificate, next)) return { trusted: false, reason: 'broken_chain' };
      continue;
    }
    const issuers = roots.filter((root) => issuedBy(certificate, root));
    const root = issuers.find((candidate) => withinValidity(candidate, now));
    if (root) return { trusted: true, root };
    return { trusted: false, reason: issuers.length > 0 ? 'outside_validity' : 'unknown_root' };
  }
  return { trusted: false, reason: 'no_certificate_chain' };
}

/**
 * The trust decision for a registration whose attestation statement already verified:
 * `attestationObject` is `registrationInfo.attestationObject`, `backupEligible` its BE flag
 * (`credentialDeviceType === 'multiDevice'`).
 */
export function assessAttestation(input: {
  attestationObject: Parameters<typeof decodeAttestationObject>[0];
  backupEligible: boolean;
  roots: readonly X509Certificate[];
  now: Date;
}): AttestationTrust {
  // RFC 8176 `hwk` means a hardware-secured key: a key that may be synced elsewhere is not one,
  // whatever vouches for the device that made it (Apple's anonymous attestation of passkeys).
  if (input.backupEligible) return { trusted: false, reason: 'backup_eligible' };
  const x5c = decodeAttestationObject(input.attestationObject).get('attStmt').get('x5c');
  if (!Array.isArray(x5c) || x5c.length === 0) {
    return { trusted: false, reason: 'no_certificate_chain' };
  }
  if (x5c.length > MAX_CHAIN_LENGTH) return { trusted: false, reason: 'broken_chain' };
  let chain: X509Certificate[];
  try {
    chain = x5c.map((der) => new X509Certificate(der));
  } catch {
    return { trusted: false, reason: 'broken_chain' };
  }
  return verifyAttestationChain(chain, input.roots, input.now);
}
