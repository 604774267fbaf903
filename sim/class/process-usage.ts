/**
 * CPU and memory of one process over a run, read from /proc once a second: CPU seconds used, the
 * busiest second, and the largest resident set. Follows the process across restarts (`pid()` is
 * asked at every sample).
 */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcessUsage {
  readonly cpuSeconds: number;
  readonly peakCpuPercent: number;
  readonly meanCpuPercent: number;
  readonly peakRssMiB: number;
  readonly samples: number;
}

function cpuTicks(pid: number): number | undefined {
  try {
    // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function rssMiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class UsageSampler {
  private timer?: NodeJS.Timeout;
  private last?: { pid: number; ticks: number; at: number };
  private ticks = 0;
  private peakPercent = 0;
  private peakRss = 0;
  private samples = 0;
  private readonly started = Date.now();

  constructor(private readonly pid: () => number) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
    return this;
  }

  private sample(): void {
    const pid = this.pid();
    const ticks = cpuTicks(pid);
    const rss = rssMiB(pid);
    const at = Date.now();
    if (ticks === undefined) return;
    if (this.last && this.last.pid === pid) {
      const used = ticks - this.last.ticks;
      this.ticks += used;
      const percent = (used / TICKS_PER_SECOND / ((at - this.last.at) / 1000)) * 100;
      this.peakPercent = Math.max(this.peakPercent, percent);
    } else if (this.last) {
      this.ticks += ticks; // a new process (restart): everything it used so far
    }
    this.last = { pid, ticks, at };
    if (rss !== undefined) this.peakRss = Math.max(this.peakRss, rss);
    this.samples++;
  }

  stop(): ProcessUsage {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    const elapsed = (Date.now() - this.started) / 1000;
    const cpuSeconds = this.ticks / TICKS_PER_SECOND;
    return {
      cpuSeconds: round(cpuSeconds),
      peakCpuPercent: round(this.peakPercent),
      meanCpuPercent: round(elapsed > 0 ? (cpuSeconds / elapsed) * 100 : 0),
      peakRssMiB: round(this.peakRss),
      samples: this.samples,
    };
  }
}

const round = (value: number) => Math.round(value * 10) / 10;
