/** The Pulumi program: load the validated config, build the platform from it, export what people need. */
import { loadStackConfig } from "./config/pulumi-stack";

const { config } = loadStackConfig(__dirname);

export const namespace = config.cluster.namespace;
export const hubUrl = `https://${config.ingress.host}`;
export const profileSlugs = config.profiles.map((profile) => profile.slug);
