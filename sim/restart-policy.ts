/** What a kubelet does with a container that ended by itself: its pod's restartPolicy and back-off. */
export type RestartPolicy = "Always" | "OnFailure" | "Never";

/** Whether the container starts again (code null: ended by a signal or an error, a failure). */
export function restartsAfterExit(policy: RestartPolicy | undefined, code: number | null): boolean {
  const effective = policy ?? "Always"; // the API server's default
  return effective === "Always" || (effective === "OnFailure" && code !== 0);
}

/** The kubelet's crash back-off before restart number `count` (1, 2, ...): 10 s, doubled, at most 300 s. */
export function backOffMs(count: number): number {
  return Math.min(10_000 * 2 ** (count - 1), 300_000);
}
