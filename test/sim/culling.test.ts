/**
 * Issue 14's culling for real: the live platform (sim/live/) with real notebook servers and the
 * hub's own cullers as the rendered settings start them, with short timeouts set in memory (the
 * stack's validation refuses timeouts under 10 minutes, because the hub learns of activity only
 * every 5 minutes; an idle server reports none, so short ones are exact here).
 *
 * An HPC user's GPU server (the profile's own idle timeout, profile_culler.py) and a student's CPU
 * server (the hub-wide jupyterhub-idle-culler) start together and stay idle: the GPU server is
 * stopped first, the CPU one later, and the file the student wrote is there when they come back.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlatformConfig } from "../../config/schema/platform";
import { HttpSession } from "../../sim/http-session";
import { startServer, waitForServer } from "../../sim/hub-user";
import { journeyAccounts, type TestAccount } from "../../sim/identity-provider";
import type { LiveServices } from "../../sim/live/services";
import { waitFor } from "../../sim/wait";
import {
  SETUP_TIMEOUT,
  type SimulatedStack,
  simulatedStack,
  startLiveWithNotebooks,
  tearDownLive,
} from "./support";

const NAME = "e2e-culling";
const HUB_TIMEOUT = 60; // seconds idle before the hub-wide culler stops a server
const GPU_TIMEOUT = 20; // the GPU profile's own idle timeout
const EVERY = 5;

/** The first full-GPU profile gets a short idle timeout; the hub-wide culler a short one too. */
function shortTimeouts(config: PlatformConfig): PlatformConfig {
  const gpu = config.profiles.find((profile) => profile.gpu?.count && !profile.customImage);
  assert.ok(gpu, "the stack has a full-GPU profile");
  return {
    ...config,
    culler: { ...config.culler, enabled: true, timeout: HUB_TIMEOUT, every: EVERY, maxAge: 0 },
    profiles: config.profiles.map((profile) =>
      profile.slug === gpu.slug ? { ...profile, idleTimeout: GPU_TIMEOUT, maxRuntime: undefined } : profile,
    ),
  };
}

let sim: SimulatedStack | undefined;
let services: LiveServices | undefined;
const accounts: TestAccount[] = [];
const up = () => {
  assert.ok(sim && services, "the platform did not start");
  return { sim, services };
};

async function signedIn(name: string): Promise<HttpSession> {
  const { services } = up();
  const account = accounts.find((candidate) => candidate.username === name);
  assert.ok(account, `no account ${name}`);
  const session = new HttpSession();
  await session.signIn(services.live.publicUrl, name, account.password);
  return session;
}

/**
 * Starts the user's server with `profile` and waits until the hub says it is ready; returns when it
 * was asked for (the hub counts the server's idle time from its spawn at the earliest).
 */
async function startedAt(session: HttpSession, user: string, profile: string): Promise<number> {
  const requestedAt = Date.now();
  await startServer(session, up().services.live.publicUrl, user, profile, { timeoutMs: 180_000 });
  return requestedAt;
}

before(
  async () => {
    sim = await simulatedStack(NAME, shortTimeouts);
    accounts.push(...journeyAccounts(sim.config));
    services = await startLiveWithNotebooks(sim, accounts);
  },
  { timeout: SETUP_TIMEOUT },
);

after(() => tearDownLive(services, sim, NAME));

describe("culling on the live platform", { timeout: 10 * 60_000 }, () => {
  test("an idle GPU server is stopped by its profile's timeout first, an idle CPU server by the hub's, and the home stays", async (t) => {
    const { sim, services } = up();
    const base = services.live.publicUrl;
    const gpu = sim.config.profiles.find((profile) => profile.idleTimeout === GPU_TIMEOUT);
    const cpu = sim.config.profiles.find((profile) => profile.default);
    assert.ok(gpu && cpu);
    const hpc = await signedIn("hpc");
    const student = await signedIn("student");
    const [hpcAsked, studentAsked] = await Promise.all([
      startedAt(hpc, "hpc", gpu.slug),
      startedAt(student, "student", cpu.slug),
    ]);

    // The student writes a file through their server (the contents API JupyterLab uses), then both go idle.
    await student.navigate("GET", `${base}/user/student/lab`); // the server's own OAuth round with the hub
    const xsrf = student.cookies.get(new URL(`${base}/user/student/`), "_xsrf");
    const put = await student.request("PUT", `${base}/user/student/api/contents/kept.txt`, {
      json: { type: "file", format: "text", content: "still here after culling" },
      headers: xsrf ? { "X-XSRFToken": xsrf } : {},
    });
    assert.ok([200, 201].includes(put.status), `writing kept.txt: ${put.status} ${put.body}`);

    const stopped = async (session: HttpSession, user: string) =>
      waitForServer(session, base, user, ["none"], { timeoutMs: (HUB_TIMEOUT + 120) * 1000 }).then(() =>
        Date.now(),
      );
    const [gpuStopped, cpuStopped] = await Promise.all([stopped(hpc, "hpc"), stopped(student, "student")]);
    const gpuLived = (gpuStopped - hpcAsked) / 1000;
    const cpuLived = (cpuStopped - studentAsked) / 1000;
    t.diagnostic(
      `GPU server stopped ${gpuLived.toFixed(0)} s after it was asked for, CPU server ${cpuLived.toFixed(0)} s`,
    );
    assert.ok(gpuStopped < cpuStopped, "the GPU profile's shorter timeout stops its server first");
    assert.ok(gpuLived >= GPU_TIMEOUT, "not before the GPU profile's idle timeout");
    assert.ok(cpuLived >= HUB_TIMEOUT, "not before the hub-wide timeout");
    await waitFor(
      "jupyter-student and jupyter-hpc deleted",
      async () => {
        const pods = await sim.cluster.client.list<{ metadata: { name: string } }>(
          `/api/v1/namespaces/${sim.config.cluster.namespace}/pods?labelSelector=component=singleuser-server`,
        );
        return pods.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    // Next time: the same home, the same file.
    await startServer(student, base, "student", cpu.slug, { timeoutMs: 180_000 });
    await student.navigate("GET", `${base}/user/student/lab`);
    const kept = await student.request("GET", `${base}/user/student/api/contents/kept.txt?content=1`);
    assert.equal(kept.status, 200, `kept.txt after culling: ${kept.status} ${kept.body}`);
    assert.equal((JSON.parse(kept.body) as { content: string }).content, "still here after culling");
  });
});
