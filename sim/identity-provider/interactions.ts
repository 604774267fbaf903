/**
 * Our side of oidc-provider's interactions, at `/if/flow/login/<uid>/`: the login form, a refused
 * attempt shown again with 401, and on success the sign-in and a grant of the requested scopes in one
 * step (no consent screen for the hub, a first-party client).
 */
import type http from "node:http";
import type Provider from "oidc-provider";
import type { AccountBook } from "./accounts";
import { errorPage, loginPage } from "./login-page";
import { loginPath } from "./paths";

export interface LoginCounts {
  loginsOk: number;
  loginsRefused: number;
}

const MAX_FORM_BYTES = 16 * 1024;

function send(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Length": Buffer.byteLength(html),
  });
  res.end(html);
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_FORM_BYTES) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

/** A grant of what the request asks for (its scopes, and any claims it names), saved; returns its id. */
async function grantRequested(provider: Provider, details: Interaction, accountId: string): Promise<string> {
  const clientId = String(details.params.client_id);
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing?.accountId === accountId ? existing : new provider.Grant({ accountId, clientId });
  grant.addOIDCScope(String(details.params.scope ?? "openid"));
  const missing = details.prompt.details.missingOIDCClaims;
  if (Array.isArray(missing)) grant.addOIDCClaims(missing.map(String));
  return grant.save();
}

export function interactionHandler(
  provider: Provider,
  accounts: AccountBook,
  application: string,
  counts: LoginCounts,
): (req: http.IncomingMessage, res: http.ServerResponse, uid: string) => Promise<void> {
  return async (req, res, uid) => {
    let details: Interaction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      // No interaction cookie, or it expired: the browser must start again at the hub.
      send(res, 400, errorPage("The sign-in expired or was not started here.", (error as Error).message));
      return;
    }
    const action = loginPath(uid);
    if (details.prompt.name !== "login") {
      const accountId = details.session?.accountId;
      if (!accountId) return send(res, 400, errorPage(`Unexpected prompt ${details.prompt.name}`));
      const grantId = await grantRequested(provider, details, accountId);
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    }
    if (req.method === "GET") return send(res, 200, loginPage({ action, application }));
    if (req.method !== "POST") return send(res, 405, errorPage("Method not allowed"));

    const form = await readForm(req);
    const username = form.get("username") ?? "";
    const accountId = accounts.verify(username, form.get("password") ?? "");
    if (!accountId) {
      counts.loginsRefused += 1;
      const error = "Invalid username or password.";
      return send(res, 401, loginPage({ action, application, error, username }));
    }
    const grantId = await grantRequested(provider, details, accountId);
    counts.loginsOk += 1;
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  };
}
