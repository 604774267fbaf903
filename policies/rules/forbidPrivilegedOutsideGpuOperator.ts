import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, workloadName } from "../lib/workloads";

/** The GPU Operator's own namespace is the only place where drivers and device plugins may be privileged. */
export const GPU_OPERATOR_NAMESPACE = "gpu-operator";

export const forbidPrivilegedOutsideGpuOperator: ResourceValidationPolicy = {
  name: "gpu-jupyterhub-forbid-privileged-outside-gpu-operator",
  description:
    "No privileged container and no host network, PID or IPC namespace, except in the GPU Operator's namespace.",
  validateResource: (args, report) => {
    const spec = podSpecOf(args.type, args.props);
    if (!spec || args.props.metadata?.namespace === GPU_OPERATOR_NAMESPACE) return;
    for (const hostNamespace of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (spec[hostNamespace] === true) report(`${workloadName(args.props)} uses ${hostNamespace}`);
    }
    for (const { container } of containersOf(spec)) {
      if (container.securityContext?.privileged === true) {
        report(`${workloadName(args.props)}: container "${container.name}" is privileged`);
      }
      if (container.securityContext?.allowPrivilegeEscalation === true) {
        report(`${workloadName(args.props)}: container "${container.name}" allows privilege escalation`);
      }
    }
  },
};
