/** The Pulumi program: load the validated config, build the platform from it, export what people need. */

import { platformProgram } from "./program";

const outputs = platformProgram(__dirname);

export const hubUrl = outputs.hubUrl;
export const namespace = outputs.namespace;
export const profileSlugs = outputs.profileSlugs;
