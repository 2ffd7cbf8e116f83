/**
 * `redis-cluster://[user[:password]@]host:port[,host:port…]` (and `rediss-cluster://` for
 * TLS): the seed nodes of a Redis Cluster. Any one reachable node is enough; the client
 * learns the rest from it. A WHATWG URL cannot hold a comma-separated host list, so this is
 * parsed by hand; credentials are percent-decoded like a URL's.
 */
export interface ClusterLocation {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

const SCHEMES = { 'redis-cluster://': false, 'rediss-cluster://': true } as const;

export function isClusterUrl(url: string): boolean {
  const lower = url.toLowerCase();
  return Object.keys(SCHEMES).some((scheme) => lower.startsWith(scheme));
}

/** Throws a RangeError that never repeats the URL (it may hold a password). */
export function parseClusterUrl(url: string): ClusterLocation {
  const scheme = (Object.keys(SCHEMES) as (keyof typeof SCHEMES)[]).find((candidate) =>
    url.toLowerCase().startsWith(candidate),
  );
  if (!scheme)
    throw new RangeError('A Redis Cluster URL starts with redis-cluster:// or rediss-cluster://.');
  let rest = url.slice(scheme.length);
  // Anything after the node list (a path or query) has no meaning for a cluster.
  rest = rest.split(/[/?#]/, 1)[0] ?? '';
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : undefined;
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts.split(',').map((entry) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(entry.trim());
    const port = Number(match?.[2]);
    if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new RangeError(
        'Each node of a Redis Cluster URL must be host:port (redis-cluster://host:port[,host:port…]).',
      );
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
  const location: ClusterLocation = { nodes, tls: SCHEMES[scheme] };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const username = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    if (username) location.username = username;
    if (colon >= 0) location.password = decodeURIComponent(userinfo.slice(colon + 1));
  }
  return location;
}

/** The URL with any password replaced, for logs. */
export function redactClusterUrl(url: string): string {
  return url.replace(/^([a-z-]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}
