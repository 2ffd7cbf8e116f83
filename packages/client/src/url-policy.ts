import { BrokerError } from './broker-error.js';

/** Where each setting came from, so an error can name the exact thing to change. */
export interface SettingNames {
  baseUrl: string;
  endpointPrefix: string;
  allowInsecureHttp: string;
}

export const OPTION_NAMES: SettingNames = {
  baseUrl: 'baseUrl',
  endpointPrefix: 'endpointPrefix',
  allowInsecureHttp: 'allowInsecureHttp',
};

function configError(message: string): BrokerError {
  return new BrokerError('INVALID_CONFIG', message, { transient: false });
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const octets = host.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}

/**
 * Checks the broker's base URL: https, or http to a loopback host with the opt-in. It
 * must not carry credentials (the token has its own setting), a query or a fragment.
 * Returns the URL without a trailing slash.
 */
export function checkBaseUrl(
  raw: string,
  allowInsecureHttp: boolean,
  names: SettingNames = OPTION_NAMES,
): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw configError(`${names.baseUrl} is not a valid URL: set it to the broker's https:// URL.`);
  }
  if (url.username || url.password) {
    throw configError(
      `${names.baseUrl} must not contain a user name or password: put the token in QA_BROKER_TOKEN.`,
    );
  }
  if (url.search || url.hash) {
    throw configError(`${names.baseUrl} must not contain a query or fragment.`);
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw configError(
        `${names.baseUrl} must use https://: plain http is only allowed for a loopback host (127.0.0.1, ::1, localhost).`,
      );
    }
    if (!allowInsecureHttp) {
      throw configError(
        `${names.baseUrl} uses plain http: set ${names.allowInsecureHttp} to allow it for this loopback host, or use https://.`,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw configError(`${names.baseUrl} must use https:// (got ${url.protocol}).`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The endpoint prefix must be an absolute path: no leading `//` (which a URL parser reads
 * as another host), no backslashes, no `.` or `..` segments (also percent-encoded), no
 * query or fragment. Returns it without a trailing slash.
 */
export function checkEndpointPrefix(raw: string, names: SettingNames = OPTION_NAMES): string {
  const prefix = raw.trim();
  const fail = (why: string) =>
    configError(`${names.endpointPrefix} ${why}: use an absolute path such as /qa-credentials/v1.`);
  if (!prefix.startsWith('/')) throw fail('must start with "/"');
  if (prefix.startsWith('//')) throw fail('must not start with "//"');
  if (prefix.includes('\\')) throw fail('must not contain backslashes');
  if (/[?#\s]/.test(prefix)) throw fail('must not contain "?", "#" or whitespace');
  for (const segment of prefix.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw fail('contains an invalid percent-encoding');
    }
    if (decoded === '..' || decoded === '.') throw fail('must not contain "." or ".." segments');
    if (decoded.includes('/') || decoded.includes('\\')) {
      throw fail('must not contain encoded slashes');
    }
  }
  return prefix.replace(/\/+$/, '');
}
