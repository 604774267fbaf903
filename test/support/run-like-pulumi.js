// Loads index.ts the way `pulumi up` does (@pulumi/pulumi cmd/run/run.js, CommonJS path): ts-node
// registered with Pulumi's defaults spread under our tsconfig, type-checking on. Engine calls are
// answered by mocks that record every resource; prints {outputs, resources} as JSON on stdout.
// usage: node test/support/run-like-pulumi.js STACK [preview|up]
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");
process.chdir(root);
const [stack = "prod", mode = "preview"] = process.argv.slice(2);

const tsutils = require("@pulumi/pulumi/tsutils");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true",
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});

const pulumi = require("@pulumi/pulumi");
const resources = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      resources.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => {
      throw new Error(`unexpected call ${args.token}`);
    },
  },
  "gpu-jupyterhub",
  stack,
  mode === "preview",
);

(async () => {
  let program;
  try {
    program = require(path.join(root, "index.ts"));
  } catch (error) {
    if (error instanceof pulumi.RunError) {
      process.stdout.write(JSON.stringify({ runError: error.message }));
      return;
    }
    throw error;
  }
  const outputs = {};
  for (const [name, value] of Object.entries(program)) {
    outputs[name] = await new Promise((resolve) => pulumi.output(value).apply(resolve));
  }
  await pulumi.runtime.disconnect?.();
  process.stdout.write(JSON.stringify({ outputs, resources }));
})().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
