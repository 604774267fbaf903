/**
 * The audit shipper's filebeat.yml run by the real Filebeat (7.17.29, the image's version, built
 * by tools/ensure-filebeat.sh): `filebeat test config` accepts it (it checks the output and the
 * processors, not the input), and a run of the rendered input and processors over files written by
 * hub/usage_audit.py ships each audit line once as a JSON document with the audit fields parsed,
 * across a rotation, and drops every other line; and it does so as in the pod, as uid 1000 with the
 * root file system read-only but for path.data. No Elasticsearch runs here: for the runs the output
 * is a file (output.file) in place of output.elasticsearch, the folders are temporary ones.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { AUDIT_DIR, filebeatConfig } from "../../components/jupyterhub/audit-shipper-spec";
import type { AuditShipping } from "../../config/schema/audit";
import { PROJECT_ROOT } from "../helpers";
import { SHIPPING, withShipping } from "../support/audit-shipping";

let filebeat = "";
let folder = "";
const running: ChildProcess[] = [];
const folders: string[] = [];
before(() => {
  const built = spawnSync("bash", [path.join("tools", "ensure-filebeat.sh")], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 30 * 60_000,
  });
  assert.equal(built.status, 0, `tools/ensure-filebeat.sh failed:\n${built.stdout}${built.stderr}`);
  filebeat = built.stdout.trim().split("\n").at(-1) ?? "";
  folder = mkdtempSync(path.join(tmpdir(), "filebeat-"));
  folders.push(folder);
  const ca = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=test-ca",
      "-keyout",
      path.join(folder, "ca.key"),
      "-out",
      path.join(folder, "ca.crt"),
    ],
    { encoding: "utf8" },
  );
  assert.equal(ca.status, 0, ca.stderr);
});
after(() => {
  for (const child of running) child.kill("SIGKILL");
  for (const made of folders) rmSync(made, { recursive: true, force: true });
});

const shipping = (extra: object = {}): AuditShipping => {
  const config = withShipping({ elasticsearch: { ...SHIPPING.elasticsearch, ...extra } });
  assert.ok(config.audit.shipping);
  return config.audit.shipping;
};

/** Filebeat refuses a config file others may write (strict.perms), as in the pod (mode 0440). */
function writeConfig(name: string, text: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, text);
  chmodSync(file, 0o600);
  return file;
}

function testConfig(text: string, env: Record<string, string>) {
  const data = path.join(folder, "data-test");
  const result = spawnSync(
    filebeat,
    [
      "test",
      "config",
      "-c",
      writeConfig("test.yml", text),
      "-E",
      `path.data=${data}`,
      // The CA Secret's mount point does not exist here: the same file, somewhere else.
      "-E",
      `output.elasticsearch.ssl.certificate_authorities=["${path.join(folder, "ca.crt")}"]`,
    ],
    { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
  );
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe("the real Filebeat with the rendered filebeat.yml", () => {
  test("filebeat test config: Config OK with the login from the environment; without it, refused", () => {
    const basic = filebeatConfig(shipping());
    assert.deepEqual(testConfig(basic, { ES_USERNAME: "audit", ES_PASSWORD: "secret" }), {
      ok: true,
      output: "Config OK\n",
    });
    const missing = testConfig(basic, {});
    assert.equal(missing.ok, false);
    assert.match(missing.output, /missing field accessing 'output\.elasticsearch\.(username|password)'/);
    const apiKey = filebeatConfig(shipping({ auth: "apiKey" }));
    assert.equal(testConfig(apiKey, { ES_API_KEY: "id:key" }).ok, true);
  });

  test("a run ships each audit line once, parsed under jupyterhub.*, across a rotation; other lines stay", async (t) => {
    const audit = path.join(folder, "audit");
    const out = path.join(folder, "out");
    mkdirSync(audit);
    const rendered = parse(filebeatConfig(shipping()));
    assert.deepEqual(rendered["filebeat.inputs"][0].paths, [`${AUDIT_DIR}/*.jsonl*`]);
    rendered["filebeat.inputs"][0].paths = [`${audit}/*.jsonl*`];
    rendered["path.data"] = path.join(folder, "data-run");
    delete rendered["output.elasticsearch"];
    rendered["output.file"] = { path: out, filename: "audit" };
    const child = spawn(
      filebeat,
      ["-c", writeConfig("run.yml", stringify(rendered)), "-e", "--path.home", folder],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    running.push(child);
    let log = "";
    child.stderr?.on("data", (chunk) => {
      log += chunk;
    });

    const stray = ["not JSON at all", '{"level": "info", "msg": "a line of another kind"}'];
    const written = write(
      [
        ["login", "alice", { groups: ["students"] }],
        [
          "spawn-requested",
          "alice",
          { server: "", profile: "mig-1g-5gb", cu_per_hour: 1, used_cu: 3, budget_cu: 200 },
        ],
        [
          "spawned",
          "alice",
          { server: "", profile: "mig-1g-5gb", resources: { "nvidia.com/mig-1g.5gb": 1 } },
        ],
      ],
      stray,
    );
    await until(
      () => shipped(out).length === 3,
      () => `3 documents; Filebeat's log:\n${log}`,
    );
    // Enough to pass the rotation size once: hub.jsonl becomes hub.jsonl.1, a new hub.jsonl starts.
    for (let i = 0; i < 8; i++) {
      written.push(
        ...write([["refused", `user${i}`, { profile: "a100-full", reason: "costs 8 CU/h; 2 CU left" }]]),
      );
    }
    assert.ok(existsSync(path.join(audit, "hub.jsonl.1")), "the hub's file was rotated");
    written.push(
      ...write([["budget-warning", "bob", { reason: "used 201 of 200 CU" }]], [], "budget-enforcer"),
    );
    written.push(...write([["stopped", "alice", { server: "", cause: "user", runtime_seconds: 12.5 }]]));
    await until(
      () => shipped(out).length >= written.length,
      () => `${written.length} documents; log:\n${log}`,
    );
    // A line in a new file needs one more scan of the folder: once it is in, a copy of a line
    // already sent (the rotated file read again) would be in too.
    written.push(...write([["login", "carol", {}]], [], "another-writer"));
    await until(
      () => shipped(out).some((doc) => doc.jupyterhub.user === "carol"),
      () => `the line of the new file; log:\n${log}`,
    );
    t.diagnostic(`filebeat RSS ${rss(child.pid)} after ${written.length} lines`);

    const docs = shipped(out);
    assert.deepEqual(
      docs.map((doc) => doc.jupyterhub).sort(byTime),
      [...written].sort(byTime),
      "every audit line once, its fields as written",
    );
    for (const doc of docs) assert.equal(doc["@timestamp"], doc.jupyterhub.time);
    assert.equal(new Set(docs.map((doc) => doc["@metadata"]._id)).size, docs.length, "an _id per line");
    assert.deepEqual(
      [...new Set(docs.map((doc) => path.basename(doc.log.file.path).replace(/\.1$/, "")))].sort(),
      ["another-writer.jsonl", "budget-enforcer.jsonl", "hub.jsonl"],
    );
    assert.ok(!JSON.stringify(docs).includes("another kind") && !JSON.stringify(docs).includes("not JSON"));
  });

  test("as in the pod: uid 1000, the root file system read-only but for path.data, filebeat.yml 0440", (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root for a mount namespace (unshare), as CI runs");
    const dir = mkdtempSync(path.join(tmpdir(), "filebeat-ro-"));
    folders.push(dir);
    const [audit, writable] = [path.join(dir, "audit"), path.join(dir, "rw")];
    mkdirSync(audit);
    mkdirSync(writable);
    chmodSync(dir, 0o755);
    chmodSync(audit, 0o755);
    copyFileSync(filebeat, path.join(dir, "filebeat"));
    const line = write([["login", "dave", {}]], [], "", audit);
    chmodSync(path.join(audit, "hub.jsonl"), 0o644);
    const rendered = parse(filebeatConfig(shipping()));
    rendered["filebeat.inputs"][0].paths = [`${audit}/*.jsonl*`];
    rendered["path.data"] = path.join(writable, "data");
    delete rendered["output.elasticsearch"];
    rendered["output.file"] = { path: path.join(writable, "out"), filename: "audit" };
    const config = path.join(dir, "filebeat.yml");
    writeFileSync(config, stringify(rendered));
    chmodSync(config, 0o440);
    chownSync(config, 0, 1000); // a ConfigMap file: root's, group fsGroup
    const script = [
      "set -e",
      `mount -t tmpfs -o mode=1777 tmpfs ${writable}`,
      "mount -o remount,bind,ro /",
      "if touch /probe 2>/dev/null; then echo 'root is writable'; exit 1; fi",
      `setpriv --reuid 1000 --regid 1000 --groups 1000 ${dir}/filebeat -c ${config} -e --path.home ${dir} 2>${writable}/log &`,
      // Waits for the document, at most 60 s.
      `for i in $(seq 300); do [ -s ${writable}/out/audit ] && break; sleep 0.2; done`,
      "kill $! || true",
      `cat ${writable}/out/audit || tail -20 ${writable}/log`,
    ].join("\n");
    const result = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    const docs = result.stdout
      .split("\n")
      .filter((text) => text.startsWith("{"))
      .map((text) => JSON.parse(text));
    assert.deepEqual(
      docs.map((doc) => doc.jupyterhub),
      line,
      result.stdout,
    );
  });
});

type Line = [event: string, user: string, fields: Record<string, unknown>];

/** Audit lines written by hub/usage_audit.py as the hub (or a service) writes them; returns them. */
function write(
  lines: Line[],
  stray: string[] = [],
  service = "",
  auditDir = path.join(folder, "audit"),
): Record<string, unknown>[] {
  const script = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(path.join(PROJECT_ROOT, "hub"))})`,
    "import usage_audit",
    "out = [usage_audit.audit(e, u, **f) for e, u, f in json.loads(sys.argv[1])]",
    "for text in json.loads(sys.argv[2]): usage_audit.file_log.info('%s', text)",
    "print(json.dumps(out))",
  ].join("\n");
  const env = {
    PATH: process.env.PATH ?? "",
    JUPYTERHUB_AUDIT_DIR: auditDir,
    JUPYTERHUB_AUDIT_MAX_BYTES: "1500",
    ...(service ? { JUPYTERHUB_SERVICE_NAME: service } : {}),
  };
  const result = spawnSync("python3", ["-c", script, JSON.stringify(lines), JSON.stringify(stray)], {
    encoding: "utf8",
    env,
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

// biome-ignore lint/suspicious/noExplicitAny: documents as Filebeat writes them
function shipped(out: string): any[] {
  const file = path.join(out, "audit");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function until(done: () => boolean, what: () => string, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`not within ${seconds} s: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const byTime = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  `${a.time}${a.event}${a.user}`.localeCompare(`${b.time}${b.event}${b.user}`);

function rss(pid: number | undefined): string {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return status.match(/^VmRSS:\s+(.*)$/m)?.[1] ?? "?";
}
