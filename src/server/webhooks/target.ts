/**
 * Where a webhook may go. A URL is checked when a merchant sets it and again before every attempt
 * (DNS answers change): https only (http only to loopback, with `devWebhooks`), no credentials or
 * fragment, and every address its host resolves to must be public (`address.ts`). The attempt is
 * then sent to the address that was checked (`send.ts` pins it), so a name that resolves to a
 * public address for the check and to a private one for the connection (DNS rebinding) cannot
 * steer it.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress } from './address.js';

export interface LookupAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses (`dns.lookup` with `all`, by default). */
export type WebhookLookup = (hostname: string) => Promise<LookupAddress[]>;

export interface TargetPolicy {
  /** Allow loopback addresses, and http to them (development only: `--dev-webhooks`). */
  devWebhooks: boolean;
  lookup: WebhookLookup;
}

/** A checked webhook target: the URL and the address its connection must use. */
export interface WebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** Why a URL may not receive webhooks (a sentence, for the merchant or the delivery log). */
export class WebhookTargetRefused extends Error {
  override readonly name = 'WebhookTargetRefused';
}

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL = 2048;
/** A host name that does not resolve within this is refused. */
const LOOKUP_TIMEOUT_MS = 5000;

export const systemLookup: WebhookLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

/** The URL as text checks allow it (no DNS yet); throws `WebhookTargetRefused`. */
export function parseWebhookUrl(text: string, devWebhooks: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookTargetRefused('webhookUrl is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && devWebhooks)) {
    throw new WebhookTargetRefused(
      devWebhooks
        ? 'webhookUrl must be https (or http to a loopback address)'
        : 'webhookUrl must be https',
    );
  }
  if (url.username || url.password) {
    throw new WebhookTargetRefused('webhookUrl must not carry a user name or password');
  }
  if (url.hash) throw new WebhookTargetRefused('webhookUrl must not have a fragment');
  if (url.href.length > MAX_WEBHOOK_URL) {
    throw new WebhookTargetRefused(`webhookUrl must be at most ${MAX_WEBHOOK_URL} characters`);
  }
  return url;
}

async function resolve(hostname: string, lookup: WebhookLookup): Promise<LookupAddress[]> {
  const literal = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(literal);
  if (family === 4 || family === 6) return [{ address: literal, family }];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('DNS timeout')), LOOKUP_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([lookup(hostname), timeout]);
  } catch (error) {
    throw new WebhookTargetRefused(
      `the host ${hostname} does not resolve (${(error as { code?: string }).code ?? (error as Error).message})`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves the URL's host and checks every address; returns the address to connect to. Throws
 * `WebhookTargetRefused` when any address is not allowed (a mixed answer is refused whole).
 */
export async function resolveWebhookTarget(url: URL, policy: TargetPolicy): Promise<WebhookTarget> {
  const addresses = await resolve(url.hostname, policy.lookup);
  const first = addresses[0];
  if (!first) throw new WebhookTargetRefused(`the host ${url.hostname} has no address`);
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    const allowed = kind === 'public' || (kind === 'loopback' && policy.devWebhooks);
    if (!allowed) {
      throw new WebhookTargetRefused(
        `${url.hostname} resolves to ${address}, a ${kind === 'loopback' ? 'loopback' : 'private or reserved'} address`,
      );
    }
    if (url.protocol === 'http:' && kind !== 'loopback') {
      throw new WebhookTargetRefused('webhookUrl must be https unless it is a loopback address');
    }
  }
  return { url, address: first.address, family: first.family };
}
