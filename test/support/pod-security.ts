/**
 * The Pod Security Standards (Kubernetes' "baseline" and "restricted" profiles, version "latest" as
 * of 1.33) as a checker for rendered pod specs, so a test sees what the API server's Pod Security
 * admission would refuse before any cluster does. Each violation names the field, as the API
 * server's message does. Windows-only fields and AppArmor annotations are not used by the platform
 * and not checked.
 */

export type Level = "privileged" | "baseline" | "restricted";

// biome-ignore lint/suspicious/noExplicitAny: pod specs are free-form JSON here, read by path.
type Json = any;

/** Capabilities baseline lets a container add. */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);
const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

function containersOf(spec: Json): Json[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function baselineViolations(spec: Json): string[] {
  const found: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[field] === true) found.push(`${field}=true`);
  }
  for (const volume of spec.volumes ?? []) {
    if (volume.hostPath) found.push(`hostPath volume "${volume.name}"`);
  }
  for (const sysctl of spec.securityContext?.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) found.push(`sysctl ${sysctl.name}`);
  }
  const contexts = [
    ["pod", spec.securityContext ?? {}],
    ...containersOf(spec).map((container): [string, Json] => [
      `container "${container.name}"`,
      container.securityContext ?? {},
    ]),
  ] as [string, Json][];
  for (const [who, context] of contexts) {
    if (context.seccompProfile?.type === "Unconfined") found.push(`${who}: seccompProfile.type=Unconfined`);
    const selinux = context.seLinuxOptions ?? {};
    if (!SELINUX_TYPES.has(selinux.type ?? "")) found.push(`${who}: seLinuxOptions.type=${selinux.type}`);
    if (selinux.user || selinux.role) found.push(`${who}: seLinuxOptions.user/role`);
  }
  for (const container of containersOf(spec)) {
    const name = `container "${container.name}"`;
    const context = container.securityContext ?? {};
    if (context.privileged === true) found.push(`${name}: privileged=true`);
    for (const added of context.capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.has(added)) found.push(`${name}: capabilities.add ${added}`);
    }
    if ((context.procMount ?? "Default") !== "Default") found.push(`${name}: procMount=${context.procMount}`);
    for (const port of container.ports ?? []) {
      if (port.hostPort) found.push(`${name}: hostPort ${port.hostPort}`);
    }
  }
  return found;
}

function restrictedViolations(spec: Json): string[] {
  const found: string[] = [];
  const pod = spec.securityContext ?? {};
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== "name");
    if (type && !RESTRICTED_VOLUMES.has(type)) found.push(`volume "${volume.name}" of type ${type}`);
  }
  if (pod.runAsNonRoot === false) found.push("pod: runAsNonRoot=false");
  if (pod.runAsUser === 0) found.push("pod: runAsUser=0");
  for (const container of containersOf(spec)) {
    const name = `container "${container.name}"`;
    const context = container.securityContext ?? {};
    if (context.allowPrivilegeEscalation !== false) found.push(`${name}: allowPrivilegeEscalation != false`);
    const nonRoot = context.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) found.push(`${name}: runAsNonRoot != true`);
    if (context.runAsUser === 0) found.push(`${name}: runAsUser=0`);
    const seccomp = context.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
      found.push(`${name}: seccompProfile.type must be RuntimeDefault or Localhost`);
    }
    if (!(context.capabilities?.drop ?? []).includes("ALL"))
      found.push(`${name}: capabilities.drop lacks ALL`);
    for (const added of context.capabilities?.add ?? []) {
      if (added !== "NET_BIND_SERVICE") found.push(`${name}: capabilities.add ${added}`);
    }
  }
  return found;
}

/** What the level refuses in the pod spec: empty when the pod passes. */
export function podSecurityViolations(spec: Json, level: Level): string[] {
  if (level === "privileged") return [];
  const baseline = baselineViolations(spec);
  return level === "baseline" ? baseline : [...baseline, ...restrictedViolations(spec)];
}
