/** The CrossGuard policy pack: `pulumi preview --policy-pack policies`. */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("gpu-jupyterhub", { policies: POLICIES });
