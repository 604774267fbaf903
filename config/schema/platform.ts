/**
 * The whole platform config: the single source of truth. Each stack-file section is one key
 * `gpu-jupyterhub:<section>` under `config:`; `profiles` comes from config/profiles/*.yaml.
 */
import { z } from "zod";
import { auditSchema } from "./audit";
import { authSchema } from "./auth";
import { backupSchema } from "./backup";
import { clusterSchema, ingressSchema } from "./cluster";
import { gpuOperatorSchema, networkSchema, priorityClassesSchema, quotaSchema } from "./cluster-services";
import {
  cullerSchema,
  databaseSchema,
  hubSchema,
  prePullSchema,
  proxySchema,
  singleuserSchema,
  userSchedulerSchema,
} from "./hub";
import { monitoringSchema } from "./monitoring";
import { nodesSchema } from "./nodes";
import { profileSchema } from "./profile";
import { storageSchema } from "./storage";
import { usageSchema } from "./usage";

/** The sections a stack file may set. */
export const stackSectionsSchema = z.strictObject({
  cluster: clusterSchema.prefault({}),
  ingress: ingressSchema,
  auth: authSchema,
  nodes: nodesSchema,
  storage: storageSchema,
  hub: hubSchema,
  proxy: proxySchema,
  userScheduler: userSchedulerSchema,
  culler: cullerSchema,
  database: databaseSchema,
  singleuser: singleuserSchema,
  prePull: prePullSchema,
  gpuOperator: gpuOperatorSchema,
  quota: quotaSchema,
  network: networkSchema,
  priorityClasses: priorityClassesSchema,
  backup: backupSchema,
  monitoring: monitoringSchema,
  usage: usageSchema,
  audit: auditSchema,
});

export const platformSchema = stackSectionsSchema.extend({
  profiles: z.array(profileSchema),
});

export type PlatformConfig = z.output<typeof platformSchema>;
export type PlatformInput = z.input<typeof platformSchema>;
