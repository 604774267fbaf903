/**
 * A browser's session over plain HTTP: a cookie jar per host:port, redirects followed by hand across
 * hosts (the hub on one 127.0.0.1 port, the identity provider on another), JupyterHub's XSRF header on
 * API calls, and `signIn`: the OAuth sign-in through the provider's login form, as a person does it.
 *
 * node:http rather than fetch: undici always sends `Sec-Fetch-Mode: cors`, and JupyterHub sets its
 * _xsrf cookie only on requests that are not (a page load sends `navigate`, curl and requests none).
 */
import http from "node:http";
import { CookieJar } from "./cookie-jar";

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The URL that gave this reply (after redirects, the last one). */
  readonly url: string;
}

export interface RequestOptions {
  /** A form (sent urlencoded), JSON, or raw text with its type. */
  readonly form?: Record<string, string>;
  readonly json?: unknown;
  readonly body?: { readonly type: string; readonly text: string };
  readonly headers?: Record<string, string>;
}

/** The hub's view of a signed-in user (GET /hub/api/user). */
export interface HubUser {
  readonly name: string;
  readonly admin: boolean;
  readonly groups: readonly string[];
  readonly [key: string]: unknown;
}

/** A sign-in that stopped: which step, what answered, and the start of the answer. */
export class SignInError extends Error {
  constructor(
    readonly step: string,
    readonly reply: HttpReply | undefined,
    detail = "",
  ) {
    const answer = reply
      ? ` answered ${reply.status} at ${withoutQuery(reply.url)}: ${excerpt(reply.body)}`
      : "";
    super(`sign-in failed at "${step}":${answer}${detail ? ` ${detail}` : ""}`);
  }
}

/** The URL without its query, which may carry an authorization code. */
const withoutQuery = (url: string) => url.split("?")[0] ?? url;
const excerpt = (body: string) => body.replace(/\s+/g, " ").trim().slice(0, 300);
const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);
const MAX_REDIRECTS = 20;

export class HttpSession {
  readonly cookies = new CookieJar();

  constructor(private readonly timeoutMs = 30_000) {}

  /** One request, no redirect followed. */
  request(method: string, url: string, options: RequestOptions = {}): Promise<HttpReply> {
    const target = new URL(url);
    const headers: Record<string, string> = { Accept: "text/html,application/json;q=0.9,*/*;q=0.8" };
    const cookie = this.cookies.header(target);
    if (cookie) headers.Cookie = cookie;
    let text: string | undefined;
    if (options.form) {
      text = new URLSearchParams(options.form).toString();
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    } else if (options.json !== undefined) {
      text = JSON.stringify(options.json);
      headers["Content-Type"] = "application/json";
    } else if (options.body) {
      text = options.body.text;
      headers["Content-Type"] = options.body.type;
    }
    if (text !== undefined) headers["Content-Length"] = String(Buffer.byteLength(text));
    Object.assign(headers, options.headers);
    return new Promise<HttpReply>((resolve, reject) => {
      const request = http.request(target, { method, headers, timeout: this.timeoutMs }, (response) => {
        this.cookies.store(target, response.headers["set-cookie"] ?? []);
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body, url: target.href }),
        );
        response.on("error", reject);
      });
      request.on("timeout", () =>
        request.destroy(new Error(`${method} ${withoutQuery(url)}: no answer in ${this.timeoutMs / 1000} s`)),
      );
      request.on("error", reject);
      request.end(text);
    });
  }

  /**
   * A request and the redirects after it, as a browser follows them: 301/302/303 become GET, 307/308
   * keep the method and body. `stop(url)` may end the chain before a hop (the reply is the redirect).
   */
  async navigate(
    method: string,
    url: string,
    options: RequestOptions = {},
    stop: (next: URL) => boolean = () => false,
  ): Promise<HttpReply> {
    let reply = await this.request(method, url, options);
    for (let hops = 0; isRedirect(reply.status); hops++) {
      const location = reply.headers.location;
      if (!location) return reply;
      if (hops >= MAX_REDIRECTS)
        throw new Error(`more than ${MAX_REDIRECTS} redirects from ${withoutQuery(url)}`);
      const next = new URL(location, reply.url);
      if (stop(next)) return reply;
      const keep = reply.status === 307 || reply.status === 308;
      reply = await this.request(keep ? method : "GET", next.href, keep ? options : {});
    }
    return reply;
  }

  /**
   * A JupyterHub API call with the session's cookies: `X-XSRFToken` from the hub's `_xsrf` cookie
   * (JupyterHub 4+ wants it on cookie-authenticated API requests).
   */
  api(method: string, url: string, json?: unknown): Promise<HttpReply> {
    const xsrf = this.cookies.get(new URL(url), "_xsrf");
    return this.request(method, url, {
      ...(json === undefined ? {} : { json }),
      headers: { Accept: "application/json", ...(xsrf ? { "X-XSRFToken": xsrf } : {}) },
    });
  }

  /**
   * Signs in at the hub (`hubUrl`, e.g. http://127.0.0.1:8081) through its OAuth login: the hub sends
   * the browser to the provider, the provider's form takes the username and password, the provider
   * sends the browser back to the hub's callback, and the hub sets its session cookie. Returns the
   * hub's user model; throws a SignInError naming the step that failed.
   */
  async signIn(hubUrl: string, username: string, password: string): Promise<HubUser> {
    const hub = new URL(hubUrl);
    const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        if (error instanceof SignInError) throw error;
        throw new SignInError(name, undefined, (error as Error).message);
      }
    };
    // Redirects are followed until the browser is back at the hub and would leave /hub/ (e.g. to its
    // server at /user/<name>/, which the hub's port does not serve without the proxy).
    const leavesHub = (next: URL) =>
      next.host === hub.host && !next.pathname.startsWith(`${hubBase(hub)}hub/`);

    // The hub sends the browser to the provider: its login form, or straight back when the provider
    // still has a session for this browser.
    const first = await step("open the login form", () =>
      this.navigate("GET", new URL("hub/oauth_login", hubBaseUrl(hub)).href, {}, leavesHub),
    );
    let landed = first;
    if (new URL(first.url).host !== hub.host) {
      const action = formAction(first.body);
      if (first.status !== 200 || !action)
        throw new SignInError("open the login form", first, "(expected the identity provider's login form)");
      landed = await step("post the login form", () =>
        this.navigate("POST", new URL(action, first.url).href, { form: { username, password } }, leavesHub),
      );
      if (new URL(landed.url).host !== hub.host)
        throw new SignInError("post the login form", landed, "(the provider did not send the browser back)");
    }
    if (landed.status >= 400) throw new SignInError("return to the hub's callback", landed);

    if (!this.cookies.get(new URL("hub/api/user", hubBaseUrl(hub)), "_xsrf"))
      await step("load the hub's home page", () =>
        this.navigate("GET", new URL("hub/home", hubBaseUrl(hub)).href),
      );
    const user = await step("read the signed-in user", () =>
      this.api("GET", new URL("hub/api/user", hubBaseUrl(hub)).href),
    );
    if (user.status !== 200) throw new SignInError("read the signed-in user", user);
    return JSON.parse(user.body) as HubUser;
  }
}

/** The hub's base path ("/" unless the hub runs under a prefix), with a trailing "/". */
const hubBase = (hub: URL) => (hub.pathname.endsWith("/") ? hub.pathname : `${hub.pathname}/`);
const hubBaseUrl = (hub: URL) => new URL(hubBase(hub), hub);

/** The first form's action on a page, unescaped. */
function formAction(html: string): string | undefined {
  const match = /<form\b[^>]*\baction="([^"]*)"/i.exec(html);
  return match?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
