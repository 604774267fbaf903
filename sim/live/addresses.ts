/**
 * What cluster DNS and the load balancer do for the real platform, done by hand for the live one:
 * each address a manifest or the hub settings name (a Service `hub:8081`, the public host
 * `https://jupyterhub.example.org`, Authentik's host) maps to the local address of the process that
 * plays it. Only the origin changes; paths stay as rendered, so a wrong path still fails.
 */

/** "scheme://host:port" → "scheme://host:port" of the local stand-in. */
export type OriginMap = ReadonlyMap<string, string>;

/** The origin of a URL with its default port spelled out: https://a.b → https://a.b:443. */
export function originOf(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return `${parsed.protocol}//${parsed.hostname}:${port}`;
}

/** `url` with its origin replaced when the map knows it; otherwise unchanged. */
export function localUrl(url: string, origins: OriginMap): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const local = origins.get(originOf(url));
  if (!local) return url;
  return `${local}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

/** Every string in `value` that is a URL with a mapped origin, replaced; anything else kept. */
export function localUrls<T>(value: T, origins: OriginMap): T {
  if (typeof value === "string") return localUrl(value, origins) as T;
  if (Array.isArray(value)) return value.map((item) => localUrls(item, origins)) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, localUrls(item, origins)]),
    ) as T;
  return value;
}
