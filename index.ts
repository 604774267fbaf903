/** The Pulumi program: load the validated config, build the platform from it, export what people need. */

import { Platform } from "./components/platform";
import { loadStackConfig } from "./config/pulumi-stack";

const { config, secrets } = loadStackConfig(__dirname);
const platform = new Platform("jupyterhub", { config, secrets });

export const hubUrl = platform.hubUrl;
export const namespace = platform.namespace;
export const profileSlugs = config.profiles.map((profile) => profile.slug);
