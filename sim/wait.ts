/** Polling with a deadline, failing early when a process the wait depends on has died. */
import { deathNote, isRunning, type ProcessRecord } from "./processes";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Processes that must stay alive meanwhile. */
  readonly processes?: readonly ProcessRecord[];
}

/**
 * Calls `check` until it returns a value other than undefined/false; throws after the timeout
 * (with the last error `check` threw, if any) or as soon as a watched process has exited.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const end = Date.now() + options.timeoutMs;
  let lastError = "";
  for (;;) {
    for (const record of options.processes ?? [])
      if (!isRunning(record)) throw new Error(`while waiting for ${what}: ${deathNote(record)}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${options.timeoutMs / 1000} s waiting for ${what}${lastError ? ` (${lastError})` : ""}`,
      );
    await sleep(options.intervalMs ?? 100);
  }
}

/** "12.3 s" since `start` (a Date.now() value). */
export function since(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)} s`;
}
