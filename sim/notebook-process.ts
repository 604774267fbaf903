/**
 * Small parts of the notebook runner (sim/notebook-servers.ts): start slots, a server's first HTTP
 * answer, its memory.
 */
import { readFileSync } from "node:fs";
import http from "node:http";

/**
 * At most `limit` servers starting at once (0: no limit); the others wait in order. A slot is
 * taken before a server is started and released once it answers or exits.
 */
export class StartSlots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async take(): Promise<void> {
    if (this.limit <= 0 || this.busy < this.limit) {
      this.busy++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve)); // release() hands its slot over
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy--;
  }
}

/** The process's RSS in MiB (one decimal), or undefined when it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `url` gives any HTTP answer (the server is up). */
export function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on("error", () => resolve(false));
    request.on("timeout", () => {
      request.destroy();
      resolve(false);
    });
  });
}
