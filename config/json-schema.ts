/** JSON Schemas for editors, generated from the zod schema so they can never drift from it. */
import { z } from "zod";
import { PROJECT } from "./load";
import { stackSectionsSchema } from "./schema/platform";
import { profileSchema } from "./schema/profile";

function toJson(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    // zod keeps a field's description but drops its examples where the field transforms its input
    // (quantities): put them back from the field's metadata.
    override: (ctx) => {
      const examples = z.globalRegistry.get(ctx.zodSchema)?.examples;
      if (Array.isArray(examples) && ctx.jsonSchema.examples === undefined)
        ctx.jsonSchema.examples = examples;
    },
  }) as Record<string, unknown>;
}

export function profileJsonSchema(): Record<string, unknown> {
  return { ...toJson(profileSchema), title: "JupyterHub notebook profile (config/profiles/*.yaml)" };
}

/** The stack file: Pulumi's own keys, and one `gpu-jupyterhub:<section>` key per section. */
export function stackJsonSchema(): Record<string, unknown> {
  const sections = toJson(stackSectionsSchema) as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  const properties: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(sections.properties)) {
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    properties[`${PROJECT}:${name}`] = rest;
  }
  const secure = { type: "object", properties: { secure: { type: "string" } }, required: ["secure"] };
  properties[`${PROJECT}:profilesDir`] = {
    type: "string",
    description: "Profiles folder, relative to this file.",
  };
  properties[`${PROJECT}:oauthClientSecret`] = {
    ...secure,
    description: "Set with `pulumi config set --secret`.",
  };
  properties[`${PROJECT}:databaseUrl`] = {
    ...secure,
    description: "External database URL, a Pulumi secret.",
  };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Pulumi stack file of the GPU JupyterHub platform (Pulumi.<stack>.yaml)",
    type: "object",
    properties: {
      config: {
        type: "object",
        properties,
        required: (sections.required ?? []).map((name) => `${PROJECT}:${name}`),
        patternProperties: { [`^(?!${PROJECT}:)[^:]+:`]: {} },
        additionalProperties: false,
      },
      secretsprovider: { type: "string" },
      encryptionsalt: { type: "string" },
      encryptedkey: { type: "string" },
      environment: {},
    },
    required: ["config"],
    additionalProperties: false,
  };
}
