/**
 * preview, up and destroy with the real engine, each reduced to what a person (or a test) asks of
 * it: how many resources per operation, which URNs changed and how, the policy pack's verdicts,
 * and how long it took. The engine's own output goes to `.work/engine/<name>/logs/<step>.log`.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { type EngineStack, PROJECT_ROOT } from "./workspace";

export const POLICY_PACK_DIR = path.join(PROJECT_ROOT, "policies");

export interface Change {
  readonly urn: string;
  readonly type: string;
  readonly op: OpType;
  /** Properties that differ, as the provider reports them. */
  readonly diffs: readonly string[];
}

export interface PolicyVerdict {
  readonly policy: string;
  readonly level: string;
  readonly urn?: string;
  readonly message: string;
}

export interface StepResult {
  readonly step: string;
  readonly seconds: number;
  /** Resources per operation (create, same, update, replace, delete, ...). */
  readonly counts: Readonly<Record<string, number>>;
  /** Every resource whose operation is not "same". */
  readonly changes: readonly Change[];
  /** Mandatory or warning verdicts of the policy pack. */
  readonly policyViolations: readonly PolicyVerdict[];
  /** Advisory notes, e.g. a policy that cannot judge a value unknown until `up`. */
  readonly policyNotes: readonly PolicyVerdict[];
  readonly log: string;
}

/** Collects the engine's events of one step. */
class StepRecorder {
  readonly changes = new Map<string, Change>();
  readonly counts: Record<string, number> = {};
  readonly violations: PolicyVerdict[] = [];
  readonly log: string;

  constructor(
    engine: EngineStack,
    readonly step: string,
  ) {
    mkdirSync(path.join(engine.dir, "logs"), { recursive: true });
    this.log = path.join(engine.dir, "logs", `${step}.log`);
    writeFileSync(this.log, "");
  }

  onOutput = (text: string): void => appendFileSync(this.log, text);

  onEvent = (event: EngineEvent): void => {
    const step = event.resourcePreEvent?.metadata;
    if (step && step.type !== "pulumi:pulumi:Stack" && !step.urn.includes("::pulumi:providers:")) {
      if (!this.changes.has(step.urn)) this.counts[step.op] = (this.counts[step.op] ?? 0) + 1;
      if (step.op !== "same")
        this.changes.set(step.urn, { urn: step.urn, type: step.type, op: step.op, diffs: step.diffs ?? [] });
    }
    const policy = event.policyEvent;
    if (policy)
      this.violations.push({
        policy: policy.policyName,
        level: policy.enforcementLevel,
        ...(policy.resourceUrn ? { urn: policy.resourceUrn } : {}),
        message: policy.message.trim(),
      });
  };

  result(started: number): StepResult {
    return {
      step: this.step,
      seconds: (Date.now() - started) / 1000,
      counts: this.counts,
      changes: [...this.changes.values()],
      policyViolations: this.violations.filter((verdict) => verdict.level !== "advisory"),
      policyNotes: this.violations.filter((verdict) => verdict.level === "advisory"),
      log: this.log,
    };
  }
}

async function runStep(
  engine: EngineStack,
  step: string,
  action: (recorder: StepRecorder) => Promise<unknown>,
): Promise<StepResult> {
  const recorder = new StepRecorder(engine, step);
  const started = Date.now();
  try {
    await action(recorder);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(
      `${step} failed (engine output: ${path.relative(process.cwd(), recorder.log)}):\n${tail(message)}`,
    );
  }
  return recorder.result(started);
}

/** The last lines of the engine's error, which name the resource and the reason. */
function tail(message: string, lines = 40): string {
  return message.split("\n").slice(-lines).join("\n");
}

/** `pulumi preview --diff --policy-pack policies` (the policy pack by default). */
export function preview(engine: EngineStack, step = "preview", policyPack = true): Promise<StepResult> {
  return runStep(engine, step, (recorder) =>
    engine.stack.preview({
      diff: true,
      ...(policyPack ? { policyPacks: [POLICY_PACK_DIR] } : {}),
      onOutput: recorder.onOutput,
      onEvent: recorder.onEvent,
    }),
  );
}

/** `pulumi up --yes` (with the policy pack, as CI's preview ran it). */
export function up(engine: EngineStack, step = "up", policyPack = true): Promise<StepResult> {
  return runStep(engine, step, (recorder) =>
    engine.stack.up({
      ...(policyPack ? { policyPacks: [POLICY_PACK_DIR] } : {}),
      onOutput: recorder.onOutput,
      onEvent: recorder.onEvent,
    }),
  );
}

/** `pulumi destroy --yes`. */
export function destroy(engine: EngineStack, step = "destroy"): Promise<StepResult> {
  return runStep(engine, step, (recorder) =>
    engine.stack.destroy({ onOutput: recorder.onOutput, onEvent: recorder.onEvent }),
  );
}

/** "3 create, 2 same" */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length === 0 ? "nothing" : entries.map(([op, n]) => `${n} ${op}`).join(", ");
}
