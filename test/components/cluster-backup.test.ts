/**
 * Backups under mocks (prod has them on): a restricted namespace of their own, one CronJob per
 * source, the exports mounted read-only, no API token, non-root with a read-only root filesystem,
 * secrets only through Secrets, the repository's password generated and kept by `pulumi destroy`,
 * and the network closed but for DNS, the repository and (the dump) the database.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCRIPT, DUMP_SCRIPT } from "../../components/cluster/backup-scripts";
import type { CollectedResource } from "../../render/collect";
import { editableProdConfig, prodConfig } from "../helpers";
import { podSecurityViolations } from "../support/pod-security";
import { type K8sObject, type Rendered, render } from "./render-helpers";

const NS = "jupyterhub-backup";
let prod: Rendered;
before(async () => {
  prod = await render(prodConfig());
});

const pod = (cronJob: K8sObject) => cronJob.spec.jobTemplate.spec.template.spec;
const env = (container: { env: { name: string; value?: string }[] }) =>
  Object.fromEntries(container.env.map((entry) => [entry.name, entry.value]));
const resourceOf = (rendered: Rendered, object: K8sObject): CollectedResource => {
  const found = rendered.resources.find((resource) => resource.inputs === object);
  assert.ok(found);
  return found;
};

describe("backups", () => {
  test("their own namespace at Pod Security restricted, kept by destroy; the repository's Secret is not (a new generated password would conflict with it)", () => {
    const namespace = prod.get("Namespace", NS);
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    assert.equal(resourceOf(prod, namespace).options.retainOnDelete, true);
    const repository = prod.get("Secret", "backup-repository");
    assert.equal(repository.metadata.namespace, NS);
    assert.equal(resourceOf(prod, repository).options.retainOnDelete, false);
    assert.ok(
      prod.resources.some((resource) => resource.type === "random:index/randomPassword:RandomPassword"),
    );
    assert.equal(prod.get("Secret", "backup-hub-db").metadata.namespace, NS);
  });

  test("one CronJob per source, on its schedule in the stack's time zone, one run at a time, failures kept", () => {
    const jobs = prod.all("CronJob");
    assert.deepEqual(jobs.map((job) => job.metadata.name).sort(), [
      "backup-database",
      "backup-datasets",
      "backup-home",
    ]);
    const home = prod.get("CronJob", "backup-home");
    assert.equal(home.metadata.namespace, NS);
    assert.equal(home.spec.schedule, "15 2 * * *");
    assert.equal(home.spec.timeZone, "Europe/Vienna");
    assert.equal(home.spec.concurrencyPolicy, "Forbid");
    assert.equal(home.spec.failedJobsHistoryLimit, 5);
    assert.equal(home.spec.jobTemplate.spec.activeDeadlineSeconds, 21600);
    assert.equal(prod.get("CronJob", "backup-database").spec.schedule, "0 2 * * *");
  });

  test("the homes' job: restic's pinned image runs the tested script on the export, read-only, as the notebook user", () => {
    const spec = pod(prod.get("CronJob", "backup-home"));
    const [restic] = spec.containers;
    assert.equal(restic.image, "docker.io/restic/restic:0.19.1");
    assert.deepEqual(restic.command, ["sh", "-c", BACKUP_SCRIPT]);
    const vars = env(restic);
    assert.equal(vars.RESTIC_REPOSITORY, "repository-not-set/home");
    assert.equal(vars.BACKUP_SOURCE, "/data/home");
    assert.equal(vars.BACKUP_TAG, "home");
    assert.deepEqual([vars.KEEP_DAILY, vars.KEEP_WEEKLY, vars.KEEP_MONTHLY], ["7", "5", "12"]);
    assert.equal(vars.RESTIC_PASSWORD_FILE, "/run/secrets/restic/restic-password");
    assert.equal(
      restic.env.some((entry: { name: string }) => entry.name === "RESTIC_PASSWORD"),
      false,
    );
    const data = spec.volumes.find((volume: { name: string }) => volume.name === "data");
    assert.deepEqual(data.persistentVolumeClaim, { claimName: "jupyterhub-backup-home", readOnly: true });
    assert.equal(restic.volumeMounts.find((mount: { name: string }) => mount.name === "data").readOnly, true);
    assert.equal(spec.automountServiceAccountToken, false);
    assert.equal(restic.securityContext.runAsUser, 1000);
    assert.equal(restic.securityContext.runAsNonRoot, true);
    assert.equal(restic.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(restic.securityContext.capabilities, { drop: ["ALL"] });
  });

  test("every backup job's pod passes Pod Security restricted, which its namespace enforces", () => {
    for (const job of prod.all("CronJob"))
      assert.deepEqual(podSecurityViolations(pod(job), "restricted"), [], job.metadata.name);
  });

  test("the export's volume: the stack's NFS path, read-only, bound only to the backup namespace's claim", () => {
    const volume = prod.get("PersistentVolume", "jupyterhub-backup-home");
    assert.equal(volume.spec.nfs.path, prodConfig().storage.nfs.path);
    assert.equal(volume.spec.nfs.readOnly, true);
    assert.deepEqual(volume.spec.accessModes, ["ReadOnlyMany"]);
    assert.equal(volume.spec.persistentVolumeReclaimPolicy, "Retain");
    assert.deepEqual(volume.spec.claimRef, { namespace: NS, name: "jupyterhub-backup-home" });
    assert.equal(
      prod.get("PersistentVolume", "jupyterhub-backup-datasets").spec.nfs.path,
      "/export/datasets",
    );
  });

  test("the database's job: pg_dump of the database's own image into an emptyDir, then restic backs it up", () => {
    const spec = pod(prod.get("CronJob", "backup-database"));
    const [dump] = spec.initContainers;
    const database = prodConfig().database;
    assert.equal(dump.image, database.type === "postgres" ? database.image : undefined);
    assert.deepEqual(dump.command, ["sh", "-c", DUMP_SCRIPT]);
    assert.equal(env(dump).PGHOST, "hub-db.jupyterhub.svc");
    const password = dump.env.find((entry: { name: string }) => entry.name === "PGPASSWORD");
    assert.deepEqual(password.valueFrom, { secretKeyRef: { name: "backup-hub-db", key: "password" } });
    assert.ok(spec.volumes.find((volume: { name: string }) => volume.name === "data").emptyDir);
    assert.equal(env(spec.containers[0]).BACKUP_SOURCE, "/data/database");
    assert.equal(spec.securityContext.runAsUser, 999);
  });

  test("network: the namespace denies all; the jobs reach DNS and the repository only; hub-db admits the dump job", async () => {
    const config = editableProdConfig();
    config.backup.repository = {
      url: "s3:https://s3.example.org/b",
      addresses: ["10.21.0.60/32"],
      port: 9000,
      credentials: {},
    };
    const rendered = await render(config);
    const policies = rendered.all("NetworkPolicy").filter((policy) => policy.metadata.namespace === NS);
    assert.deepEqual(policies.map((p) => p.metadata.name).sort(), [
      "backup",
      "backup-database",
      "default-deny",
    ]);
    const backup = rendered.get("NetworkPolicy", "backup");
    assert.deepEqual(backup.spec.ingress, []);
    assert.deepEqual(backup.spec.egress[1], {
      to: [{ ipBlock: { cidr: "10.21.0.60/32" } }],
      ports: [{ port: 9000, protocol: "TCP" }],
    });
    assert.equal(backup.spec.egress.length, 2, "DNS and the repository, nothing else");
    const database = rendered.all("NetworkPolicy").find((p) => p.metadata.name === "hub-db");
    assert.deepEqual(database?.spec.ingress[1].from, [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NS } },
        podSelector: {
          matchLabels: {
            app: "jupyterhub",
            component: "backup",
            "app.kubernetes.io/instance": "backup-database",
          },
        },
      },
    ]);
    assert.equal(
      env(pod(rendered.get("CronJob", "backup-home")).containers[0]).RESTIC_REPOSITORY,
      "s3:https://s3.example.org/b/home",
    );
  });

  test("a restic password the stack supplies (backup.repository.passwordSecretKey) replaces the generated one", async () => {
    const generated = (rendered: Rendered) =>
      rendered.resources.filter((resource) => resource.name === "jupyterhub-backup-password").length;
    assert.equal(generated(prod), 1);
    const supplied = await render(prodConfig(), { backupPassword: pulumi.secret("from-the-stack") });
    assert.equal(generated(supplied), 0);
    assert.ok(supplied.get("Secret", "backup-repository").stringData["restic-password"]);
  });

  test("the repository's credentials come from Secret keys named after restic's variables; off means nothing rendered", async () => {
    const config = editableProdConfig();
    config.backup.repository.credentials = {
      AWS_SECRET_ACCESS_KEY: "backupS3Secret",
      AWS_ACCESS_KEY_ID: "backupS3Key",
    };
    const rendered = await render(config);
    const restic = pod(rendered.get("CronJob", "backup-datasets")).containers[0];
    const refs = restic.env.filter((entry: { valueFrom?: unknown }) => entry.valueFrom);
    assert.deepEqual(
      refs.map((entry: { name: string; valueFrom: { secretKeyRef: { key: string } } }) => [
        entry.name,
        entry.valueFrom.secretKeyRef.key,
      ]),
      [
        ["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"],
        ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"],
      ],
    );
    config.backup.enabled = false;
    const off = await render(config);
    assert.deepEqual(off.all("CronJob"), []);
    assert.equal(
      off.objects.some((object) => object.metadata?.namespace === NS),
      false,
    );
  });
});
