/** Health probes of the control-plane processes (plain GETs on 127.0.0.1; their serving certs are self-signed). */
import http from "node:http";
import https from "node:https";

/** True when `url` answers 200 (and the body contains `expect`, if given). */
export function probe(url: string, expect?: string): Promise<boolean> {
  const get = url.startsWith("https:") ? https.get : http.get;
  return new Promise((resolve) => {
    const request = get(url, { rejectUnauthorized: false, timeout: 2000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve(response.statusCode === 200 && (!expect || body.includes(expect))));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
  });
}
