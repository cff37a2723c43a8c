// Chooses the proxy (if any) that reaches the apiserver, as kubectl does: the cluster's proxy-url, else HTTPS_PROXY/NO_PROXY.
//
// kubectl (Go's http.ProxyFromEnvironment) proxies an https server through HTTPS_PROXY (or
// https_proxy), an http one through HTTP_PROXY, except a host NO_PROXY names (an IP, a CIDR, a
// domain and its subdomains, `.domain` for subdomains only, `*` for all, each with an optional
// port) and except localhost and loopback addresses, which are never proxied. A cluster's
// `proxy-url` (http, https or socks5) wins over the environment.
import { BlockList, isIP } from 'node:net';

/** The proxy to use and where that choice came from (for logs and messages). */
export interface ProxyChoice {
  url: string;
  from: 'proxy-url' | 'HTTPS_PROXY' | 'HTTP_PROXY';
}

/** A proxy URL kubectl would not use; says which and what to do. */
export class ProxyUrlInvalid extends Error {
  override readonly name = 'ProxyUrlInvalid';
}

const SCHEMES = new Set(['http:', 'https:', 'socks5:']);

/** The proxy for `server`: the cluster's `proxyUrl`, else the environment's; undefined: connect directly. */
export function chooseProxy(
  server: string,
  proxyUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ProxyChoice | undefined {
  if (proxyUrl !== undefined && proxyUrl !== '')
    return { url: checked(proxyUrl, 'proxy-url'), from: 'proxy-url' };
  const target = new URL(server);
  const https = target.protocol === 'https:';
  // Go reads the upper-case name first, and an empty value counts as unset.
  const first = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const [name, value] = https
    ? (['HTTPS_PROXY', first('HTTPS_PROXY', 'https_proxy')] as const)
    : (['HTTP_PROXY', first('HTTP_PROXY', 'http_proxy')] as const);
  if (value === undefined) return undefined;
  const port = target.port === '' ? (https ? '443' : '80') : target.port;
  if (!useProxy(target.hostname, port, first('NO_PROXY', 'no_proxy') ?? '')) return undefined;
  // Go takes a proxy without a scheme as http://.
  return {
    url: checked(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`, name),
    from: name,
  };
}

function checked(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProxyUrlInvalid(`${from} ${url} is not a URL; give it as http://host:port`);
  }
  if (!SCHEMES.has(parsed.protocol))
    throw new ProxyUrlInvalid(`${from} ${url}: the scheme must be http, https or socks5, as kubectl accepts`);
  return url;
}

/** Whether a request to `host:port` goes through the proxy, given NO_PROXY (Go's httpproxy rules). */
export function useProxy(host: string, port: string, noProxy: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || isLoopback(bare)) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return false;
    if (entry.includes('/')) {
      if (isIP(bare) !== 0 && inCidr(bare, entry)) return false;
      continue;
    }
    const [entryHost, entryPort] = splitHostPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (isIP(entryHost) !== 0) {
      if (entryHost === bare) return false;
      continue;
    }
    if (entryHost.startsWith('.')) {
      if (bare.endsWith(entryHost)) return false;
    } else if (bare === entryHost || bare.endsWith(`.${entryHost}`)) return false;
  }
  return true;
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function inCidr(ip: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/');
  const family = isIP(network ?? '');
  const prefix = Number(bits);
  if (family === 0 || !Number.isInteger(prefix) || family !== isIP(ip)) return false;
  const list = new BlockList();
  list.addSubnet(network ?? '', prefix, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

function splitHostPort(entry: string): [string, string | undefined] {
  const v6 = /^\[(.*)\](?::(\d+))?$/.exec(entry);
  if (v6) return [v6[1] ?? '', v6[2]];
  if (isIP(entry) === 6) return [entry, undefined];
  const m = /^(.*):(\d+)$/.exec(entry);
  return m ? [m[1] ?? '', m[2]] : [entry, undefined];
}
