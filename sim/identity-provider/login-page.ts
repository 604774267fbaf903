/**
 * The pages a person sees at the provider: the login form (ids `username`, `password`, `sign-in` for
 * the browser tests), the sign-out confirmation, and errors. Plain HTML; every value is escaped.
 */

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

export interface LoginForm {
  /** Where the form posts to (the interaction's URL). */
  readonly action: string;
  /** The application's name, as Authentik shows it. */
  readonly application: string;
  /** Shown above the form after a refused attempt. */
  readonly error?: string;
  /** Refilled after a refused attempt. */
  readonly username?: string;
}

export function loginPage(form: LoginForm): string {
  const error = form.error ? `<p id="error" role="alert">${escapeHtml(form.error)}</p>\n` : "";
  return page(
    `Sign in to ${form.application}`,
    `${error}<form method="post" action="${escapeHtml(form.action)}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${escapeHtml(form.username ?? "")}" autofocus required>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button id="sign-in" type="submit">Sign in</button>
</form>`,
  );
}

/** oidc-provider's end-session page: `form` is its own (hidden fields, id op.logoutForm). */
export function signOutPage(form: string): string {
  return page(
    "Sign out",
    `${form}
<p>Sign out of the identity provider too?</p>
<button id="sign-out" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button id="stay-signed-in" type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}

export function signedOutPage(): string {
  return page("Signed out", "<p>You have been signed out.</p>");
}

export function errorPage(error: string, description?: string): string {
  return page(
    "Sign-in failed",
    `<p id="error">${escapeHtml(error)}</p>\n<p>${escapeHtml(description ?? "")}</p>`,
  );
}
