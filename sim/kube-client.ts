/**
 * A small Kubernetes REST client over HTTPS (client certificate or bearer token), enough for the
 * simulated cluster: get/list/create/patch/delete, server-side apply, and watch. No dependency
 * beyond Node's https module; one keep-alive agent, so hundreds of requests stay cheap.
 */
import https from "node:https";

export interface Credentials {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
}

export interface KubeResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** A Kubernetes Status object, as the API server answers an error. */
export interface KubeStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
}

export class KubeError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: KubeStatus,
  ) {
    super(`${method} ${path}: ${status} ${body.reason ?? ""}: ${body.message ?? JSON.stringify(body)}`);
  }
}

export interface WatchEvent<T> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: T;
}

export class KubeClient {
  private readonly agent: https.Agent;

  constructor(readonly credentials: Credentials) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      ca: credentials.ca,
      ...(credentials.cert ? { cert: credentials.cert, key: credentials.key } : {}),
    });
  }

  /** One request; resolves with any status (callers decide), rejects only on transport errors. */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<KubeResponse<T>> {
    const url = new URL(path, this.credentials.server);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: "application/json",
            ...(payload !== undefined
              ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) }
              : {}),
            ...(this.credentials.token ? { authorization: `Bearer ${this.credentials.token}` } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              // plain text (e.g. /readyz answers "ok")
            }
            resolve({ status: response.statusCode ?? 0, body: parsed as T });
          });
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.setTimeout(60_000, () => request.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  /** Like request, but throws KubeError unless the status is 2xx. */
  async call<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const response = await this.request<T>(method, path, body, contentType);
    if (response.status < 200 || response.status >= 300)
      throw new KubeError(method, path, response.status, response.body as KubeStatus);
    return response.body;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }

  /** GET that answers undefined for 404. */
  async find<T = unknown>(path: string): Promise<T | undefined> {
    const response = await this.request<T>("GET", path);
    if (response.status === 404) return undefined;
    if (response.status >= 300)
      throw new KubeError("GET", path, response.status, response.body as KubeStatus);
    return response.body;
  }

  async list<T = unknown>(path: string): Promise<T[]> {
    return (await this.get<{ items: T[] }>(path)).items;
  }

  create<T = unknown>(path: string, object: unknown): Promise<T> {
    return this.call<T>("POST", path, object);
  }

  /** Deletes now (grace period 0); a missing object is fine. */
  async remove(path: string): Promise<void> {
    const response = await this.request("DELETE", path, { gracePeriodSeconds: 0 });
    if (response.status === 404) return;
    if (response.status >= 300)
      throw new KubeError("DELETE", path, response.status, response.body as KubeStatus);
  }

  mergePatch<T = unknown>(path: string, patch: unknown): Promise<T> {
    return this.call<T>("PATCH", path, patch, "application/merge-patch+json");
  }

  /**
   * Server-side apply (what `kubectl apply --server-side --force-conflicts` sends), with strict
   * field validation: an unknown or duplicate field is an error, not a warning.
   */
  apply(path: string, object: unknown, fieldManager: string): Promise<KubeResponse<KubeStatus>> {
    const query = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true&fieldValidation=Strict`;
    return this.request("PATCH", `${path}${query}`, object, "application/apply-patch+yaml");
  }

  /**
   * Watches a collection until `signal` aborts: lists first (onEvent ADDED for each item, then
   * onListed with all of them: anything else is gone), follows changes, and lists again whenever
   * the watch ends or expires.
   */
  async watch<T extends { metadata: { resourceVersion?: string } }>(
    path: string,
    onEvent: (event: WatchEvent<T>) => void | Promise<void>,
    signal: AbortSignal,
    onListed?: (items: readonly T[]) => void,
  ): Promise<void> {
    while (!signal.aborted) {
      let version: string | undefined;
      try {
        const list = await this.get<{ items: T[]; metadata: { resourceVersion: string } }>(path);
        for (const item of list.items) await onEvent({ type: "ADDED", object: item });
        onListed?.(list.items);
        version = list.metadata.resourceVersion;
        await this.follow(path, version, onEvent, signal);
      } catch (error) {
        if (signal.aborted) return;
        // "aborted": the API server drops a watcher that falls behind a burst; listing again catches up.
        const message = (error as Error).message;
        if (message !== "aborted") process.stderr.write(`watch ${path}: ${message}; listing again\n`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private follow<T>(
    path: string,
    version: string,
    onEvent: (event: WatchEvent<T>) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const separator = path.includes("?") ? "&" : "?";
    const url = new URL(
      `${path}${separator}watch=true&resourceVersion=${version}&allowWatchBookmarks=true&timeoutSeconds=300`,
      this.credentials.server,
    );
    return new Promise((resolve, reject) => {
      let queue = Promise.resolve();
      const request = https.request(
        url,
        {
          agent: this.agent,
          signal,
          headers: this.credentials.token ? { authorization: `Bearer ${this.credentials.token}` } : {},
        },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            reject(new Error(`watch answered ${response.statusCode}`));
            return;
          }
          let buffered = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            buffered += chunk;
            let newline = buffered.indexOf("\n");
            while (newline >= 0) {
              const line = buffered.slice(0, newline).trim();
              buffered = buffered.slice(newline + 1);
              if (line) {
                const event = JSON.parse(line) as WatchEvent<T>;
                if (event.type === "ERROR") {
                  request.destroy();
                  reject(new Error(`watch error: ${JSON.stringify(event.object)}`));
                  return;
                }
                if (event.type !== "BOOKMARK") queue = queue.then(() => onEvent(event));
              }
              newline = buffered.indexOf("\n");
            }
          });
          response.on("end", () => queue.then(() => resolve(), reject));
          response.on("error", (error) => (signal.aborted ? resolve() : reject(error)));
        },
      );
      request.on("error", (error) => (signal.aborted ? resolve() : reject(error)));
      request.end();
    });
  }

  /** Closes idle keep-alive sockets, so a command can exit promptly. */
  close(): void {
    this.agent.destroy();
  }
}
