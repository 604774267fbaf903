/**
 * A browser's cookies, enough for JupyterHub and an identity provider on two 127.0.0.1 ports: kept per
 * host:port (browsers ignore the port; keeping it apart is what two separate sites would give), with
 * their Path, dropped when expired or cleared. No Domain or Secure handling: everything here is http
 * on loopback addresses.
 */

interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  /** Epoch ms, or undefined for a session cookie. */
  readonly expires?: number;
}

/** RFC 6265's default-path: the request path up to its last "/". */
function defaultPath(pathname: string): string {
  const at = pathname.lastIndexOf("/");
  return at <= 0 ? "/" : pathname.slice(0, at);
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

export class CookieJar {
  private readonly sites = new Map<string, Map<string, Cookie>>();

  /** Takes the Set-Cookie headers of a response to `url`. */
  store(url: URL, setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const [pair = "", ...attributes] = header.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      let path = defaultPath(url.pathname);
      let expires: number | undefined;
      for (const attribute of attributes) {
        const [key = "", ...rest] = attribute.split("=");
        const text = rest.join("=").trim();
        const lower = key.trim().toLowerCase();
        if (lower === "path" && text.startsWith("/")) path = text;
        else if (lower === "max-age" && /^-?\d+$/.test(text)) expires = Date.now() + Number(text) * 1000;
        else if (lower === "expires" && expires === undefined && !Number.isNaN(Date.parse(text)))
          expires = Date.parse(text);
      }
      const site = this.site(url);
      const key = `${path}\t${name}`;
      if (expires !== undefined && expires <= Date.now()) site.delete(key);
      else site.set(key, { name, value, path, ...(expires === undefined ? {} : { expires }) });
    }
  }

  /** The Cookie header for a request to `url`: longer paths first, as browsers send them. */
  header(url: URL): string | undefined {
    const cookies = this.matching(url).sort((a, b) => b.path.length - a.path.length);
    return cookies.length > 0 ? cookies.map(({ name, value }) => `${name}=${value}`).join("; ") : undefined;
  }

  /** A cookie's value as a request to `url` would send it. */
  get(url: URL, name: string): string | undefined {
    return this.matching(url)
      .filter((cookie) => cookie.name === name)
      .sort((a, b) => b.path.length - a.path.length)[0]?.value;
  }

  private matching(url: URL): Cookie[] {
    const site = this.site(url);
    const now = Date.now();
    const live: Cookie[] = [];
    for (const [key, cookie] of site) {
      if (cookie.expires !== undefined && cookie.expires <= now) site.delete(key);
      else if (pathMatches(cookie.path, url.pathname)) live.push(cookie);
    }
    return live;
  }

  private site(url: URL): Map<string, Cookie> {
    let site = this.sites.get(url.host);
    if (!site) {
      site = new Map();
      this.sites.set(url.host, site);
    }
    return site;
  }
}
