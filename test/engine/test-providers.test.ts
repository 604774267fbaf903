/**
 * The engine harness's test stand-ins for the random and tls provider plugins
 * (engine/test-providers/, started by engine/plugins/pulumi-resource-{random,tls}).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
} from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { CreateRequest } from "@pulumi/pulumi/proto/provider_pb";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { LOWER, NUMERIC, randomProvider, SPECIAL, UPPER } from "../../engine/test-providers/random";
import { type Props, STAND_IN_VERSION } from "../../engine/test-providers/stand-in";
import { EXTENDED_KEY_USAGES, KEY_USAGES, tlsProvider } from "../../engine/test-providers/tls";
import { PROJECT_ROOT } from "../helpers";

const urn = (type: string) =>
  `urn:pulumi:test::gpu-jupyterhub::gpu-jupyterhub:jupyterhub:HubSecrets$${type}::x`;
const BYTES = urn("random:index/randomBytes:RandomBytes");
const PASSWORD = urn("random:index/randomPassword:RandomPassword");
const KEY = urn("tls:index/privateKey:PrivateKey");
const CERT = urn("tls:index/selfSignedCert:SelfSignedCert");

const RANDOM_LABEL = "pulumi-resource-random (test stand-in for the engine harness)";
const TLS_LABEL = "pulumi-resource-tls (test stand-in for the engine harness)";

/** As the engine sends a secret input, and as a stand-in must send a secret output. */
const asSecret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

/** The value of a secret output; fails unless it is wrapped as an RPC secret. */
function secretValue(outs: Props, key: string): string {
  const wrapped = outs[key] as Record<string, unknown>;
  assert.deepEqual(Object.keys(wrapped).sort(), [specialSigKey, "value"].sort(), `${key} is a secret`);
  assert.equal(wrapped[specialSigKey], specialSecretSig, `${key} is a secret`);
  assert.equal(typeof wrapped.value, "string");
  return wrapped.value as string;
}

/** Only JSON values: an undefined anywhere would make the provider server fail ("Unexpected struct type."). */
function assertJsonOnly(outs: Props): void {
  assert.deepEqual(JSON.parse(JSON.stringify(outs)), outs);
}

/** check, then create with the checked inputs, as the engine does. */
async function checkAndCreate(provider: typeof randomProvider, type: string, news: Props) {
  const checked = await provider.check(type, {}, news);
  assert.deepEqual(checked.failures, undefined);
  const created = await provider.create(type, checked.inputs);
  assertJsonOnly(created.outs);
  return { inputs: checked.inputs as Props, id: created.id, outs: created.outs as Props };
}

const ingressCert = (privateKeyPem: unknown): Props => ({
  privateKeyPem: asSecret(privateKeyPem),
  subject: { commonName: "hub.example.org", organization: "JupyterHub (self-signed)" },
  dnsNames: ["hub.example.org"],
  validityPeriodHours: 24 * 365,
  earlyRenewalHours: 24 * 30,
  allowedUses: ["key_encipherment", "digital_signature", "server_auth"],
});

async function ecdsaKey(): Promise<string> {
  const { outs } = await checkAndCreate(tlsProvider, KEY, { algorithm: "ECDSA", ecdsaCurve: "P256" });
  return secretValue(outs, "privateKeyPem");
}

describe("random stand-in", () => {
  test("RandomBytes { length: 32 } gives 32 random bytes as hex and base64, both secret; two creates differ", async () => {
    const first = await checkAndCreate(randomProvider, BYTES, { length: 32 });
    const second = await checkAndCreate(randomProvider, BYTES, { length: 32 });
    const hex = secretValue(first.outs, "hex");
    assert.match(hex, /^[0-9a-f]{64}$/);
    assert.equal(Buffer.from(secretValue(first.outs, "base64"), "base64").toString("hex"), hex);
    assert.equal(first.outs.length, 32);
    assert.notEqual(secretValue(second.outs, "hex"), hex);
    assert.deepEqual(Object.keys(first.outs).sort(), ["base64", "hex", "length"]);
  });

  test("RandomPassword { length: 32, special: false } gives 32 letters and digits, a secret, with upstream's defaults echoed", async () => {
    const first = await checkAndCreate(randomProvider, PASSWORD, { length: 32, special: false });
    const second = await checkAndCreate(randomProvider, PASSWORD, { length: 32, special: false });
    const result = secretValue(first.outs, "result");
    assert.match(result, /^[A-Za-z0-9]{32}$/);
    assert.notEqual(secretValue(second.outs, "result"), result);
    const { result: _, ...echoed } = first.outs;
    assert.deepEqual(echoed, {
      length: 32,
      special: false,
      upper: true,
      lower: true,
      numeric: true,
      number: true,
      minUpper: 0,
      minLower: 0,
      minNumeric: 0,
      minSpecial: 0,
    });
  });

  test("minimums are met, and only upstream's special characters (or overrideSpecial) appear", async () => {
    const count = (text: string, alphabet: string) => [...text].filter((c) => alphabet.includes(c)).length;
    for (let i = 0; i < 20; i++) {
      const mins = { minUpper: 3, minLower: 3, minNumeric: 3, minSpecial: 3 };
      const { outs } = await checkAndCreate(randomProvider, PASSWORD, { length: 12, ...mins });
      const result = secretValue(outs, "result");
      assert.deepEqual(
        [UPPER, LOWER, NUMERIC, SPECIAL].map((alphabet) => count(result, alphabet)),
        [3, 3, 3, 3],
      );
    }
    const { outs } = await checkAndCreate(randomProvider, PASSWORD, {
      length: 200,
      upper: false,
      lower: false,
      numeric: false,
      overrideSpecial: "_~",
    });
    assert.match(secretValue(outs, "result"), /^[_~]{200}$/);
  });

  test("check keeps secret and unknown inputs as they came and does not judge unknown values", async () => {
    const secretLength = await randomProvider.check(BYTES, {}, { length: asSecret(16) });
    assert.deepEqual(secretLength, { inputs: { length: asSecret(16) } });
    const unknownLength = await randomProvider.check(PASSWORD, {}, { length: unknownValue, minUpper: 4 });
    assert.equal(unknownLength.failures, undefined);
    assert.equal((unknownLength.inputs as Props).length, unknownValue);
  });

  test("invalid inputs are refused by check and create with the stand-in named", async () => {
    const checked = await randomProvider.check(PASSWORD, {}, { length: 4, minUpper: 3, minSpecial: 2 });
    assert.deepEqual(checked.failures, [
      {
        property: "length",
        reason: `${RANDOM_LABEL}: length (4) must be at least minUpper + minLower + minNumeric + minSpecial (5)`,
      },
    ]);
    await assert.rejects(randomProvider.create(BYTES, { length: 0 }), {
      message: `length: ${RANDOM_LABEL}: length must be an integer of at least 1, got 0`,
    });
    const noLength = await randomProvider.check(BYTES, {}, {});
    assert.deepEqual(noLength.failures, [
      { property: "length", reason: `${RANDOM_LABEL}: length is required` },
    ]);
    const disagreeing = await randomProvider.check(PASSWORD, {}, { length: 8, number: false, numeric: true });
    assert.deepEqual(
      disagreeing.failures?.map((f) => f.property),
      ["numeric"],
    );
  });

  test("any other random type is refused, naming what the stand-in supports", async () => {
    await assert.rejects(
      randomProvider.check(urn("random:index/randomString:RandomString"), {}, { length: 8 }),
      {
        message:
          `${RANDOM_LABEL} supports only random:index/randomBytes:RandomBytes and ` +
          "random:index/randomPassword:RandomPassword, not random:index/randomString:RandomString " +
          `(${urn("random:index/randomString:RandomString")})`,
      },
    );
  });

  test("diff replaces on any input change, including a value not known yet, and reports no change otherwise", async () => {
    const { inputs, outs } = await checkAndCreate(randomProvider, PASSWORD, { length: 32, special: false });
    assert.deepEqual(await randomProvider.diff("none", PASSWORD, outs, inputs), { changes: false });
    const specialAgain = (await randomProvider.check(PASSWORD, {}, { length: 32 })).inputs as Props;
    assert.deepEqual(await randomProvider.diff("none", PASSWORD, outs, specialAgain), {
      changes: true,
      replaces: ["special"],
    });
    const longer = { ...inputs, length: unknownValue, keepers: { course: "ml-101" } };
    assert.deepEqual(await randomProvider.diff("none", PASSWORD, outs, longer), {
      changes: true,
      replaces: ["keepers", "length"],
    });
    const secretSame = { ...inputs, length: asSecret(32) };
    assert.deepEqual(await randomProvider.diff("none", PASSWORD, outs, secretSame), { changes: false });
  });

  test("read returns the state unchanged; delete has nothing to do; update is never expected", async () => {
    const { outs } = await checkAndCreate(randomProvider, BYTES, { length: 8 });
    assert.deepEqual(await randomProvider.read("none", BYTES, outs), { id: "none", props: outs });
    await randomProvider.delete("none", BYTES);
    await assert.rejects(randomProvider.update("none", BYTES), /update is never expected/);
    assert.equal(randomProvider.version, "0.0.0-test-stand-in");
  });
});

describe("tls stand-in", () => {
  test("PrivateKey ECDSA P256: a SEC1 'EC PRIVATE KEY' as upstream, its PKCS#8 form and public key; private forms secret", async () => {
    const { id, outs } = await checkAndCreate(tlsProvider, KEY, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const sec1 = secretValue(outs, "privateKeyPem");
    const pkcs8 = secretValue(outs, "privateKeyPemPkcs8");
    assert.match(sec1, /^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----\n$/);
    assert.match(pkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(sec1);
    assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
    const publicKeyPem = outs.publicKeyPem as string;
    assert.match(publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(createPublicKey(key).export({ type: "spki", format: "pem" }), publicKeyPem);
    assert.equal(
      createPublicKey(createPrivateKey(pkcs8)).export({ type: "spki", format: "pem" }),
      publicKeyPem,
    );
    const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
    assert.equal(id, createHash("sha1").update(der).digest("hex"));
    assert.deepEqual([outs.algorithm, outs.ecdsaCurve, outs.rsaBits], ["ECDSA", "P256", 2048]);
    assert.notEqual(await ecdsaKey(), sec1);
  });

  test("PrivateKey refuses RSA, and a missing curve (upstream's default is P224)", async () => {
    const rsa = await tlsProvider.check(KEY, {}, { algorithm: "RSA", rsaBits: 4096 });
    assert.deepEqual(rsa.failures, [
      { property: "algorithm", reason: `${TLS_LABEL}: algorithm is supported only as "ECDSA", got "RSA"` },
      { property: "ecdsaCurve", reason: `${TLS_LABEL}: ecdsaCurve is supported only as "P256", got "P224"` },
    ]);
    await assert.rejects(tlsProvider.create(KEY, { algorithm: "ECDSA" }), {
      message: `ecdsaCurve: ${TLS_LABEL}: ecdsaCurve is supported only as "P256", got "P224"`,
    });
  });

  test("SelfSignedCert as the ingress makes it: subject, SAN, usages, a year of validity, signed by the key", async () => {
    const privateKeyPem = await ecdsaKey();
    const { id, outs } = await checkAndCreate(tlsProvider, CERT, ingressCert(privateKeyPem));
    assert.equal(secretValue(outs, "privateKeyPem"), privateKeyPem);
    const certPem = outs.certPem as string;
    const cert = new X509Certificate(certPem);
    assert.equal(cert.subject, "O=JupyterHub (self-signed)\nCN=hub.example.org");
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.subjectAltName, "DNS:hub.example.org");
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
    assert.ok(cert.verify(createPublicKey(privateKeyPem)), "signed by the private key");
    assert.ok(cert.checkPrivateKey(createPrivateKey(privateKeyPem)));
    const from = new Date(cert.validFrom);
    const to = new Date(cert.validTo);
    assert.equal(to.getTime() - from.getTime(), 365 * 24 * 3600 * 1000);
    assert.ok(Math.abs(from.getTime() - Date.now()) < 5 * 60 * 1000, "valid from now");
    assert.equal(outs.validityStartTime, from.toISOString().replace(".000Z", "Z"));
    assert.equal(outs.validityEndTime, to.toISOString().replace(".000Z", "Z"));
    assert.match(outs.validityEndTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(outs.readyForRenewal, false);
    assert.equal(outs.keyAlgorithm, "ECDSA");
    assert.equal(id, BigInt(`0x${cert.serialNumber}`).toString());
    const text = spawnSync(
      "openssl",
      ["x509", "-noout", "-ext", "keyUsage,basicConstraints,subjectKeyIdentifier"],
      {
        input: certPem,
        encoding: "utf8",
      },
    ).stdout;
    assert.match(text, /Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    assert.match(text, /Basic Constraints: critical\n\s+CA:FALSE\n/);
    assert.doesNotMatch(text, /Subject Key Identifier/);
  });

  test("validityPeriodHours is rounded up to whole days (openssl 3.0): 25 hours give 2 days", async () => {
    const { outs } = await checkAndCreate(tlsProvider, CERT, {
      ...ingressCert(await ecdsaKey()),
      validityPeriodHours: 25,
    });
    const hours =
      (Date.parse(outs.validityEndTime as string) - Date.parse(outs.validityStartTime as string)) / 3600e3;
    assert.equal(hours, 48);
  });

  test("every allowedUses value upstream knows, every subject field (escaped), IP SANs and key ids", async () => {
    const { outs } = await checkAndCreate(tlsProvider, CERT, {
      ...ingressCert(await ecdsaKey()),
      allowedUses: [...Object.keys(KEY_USAGES), ...Object.keys(EXTENDED_KEY_USAGES)],
      subject: {
        country: "DE",
        province: "Bavaria",
        locality: "Munich",
        streetAddresses: ["Main St 1", "Building B"],
        postalCode: "80333",
        organization: "CPS / GPU + lab = us \\ co",
        organizationalUnit: "HPC",
        commonName: "hub.example.org",
        serialNumber: "42",
      },
      ipAddresses: ["10.0.0.1", "::1"],
      setSubjectKeyId: true,
      setAuthorityKeyId: true,
    });
    const cert = new X509Certificate(outs.certPem as string);
    // openssl prints the values as they are (Node's cert.subject would escape the "+").
    const subject = spawnSync("openssl", ["x509", "-noout", "-subject", "-nameopt", "sep_multiline,utf8"], {
      input: outs.certPem as string,
      encoding: "utf8",
    }).stdout;
    assert.deepEqual(
      subject
        .split("\n")
        .slice(1, -1)
        .map((line) => line.trim()),
      [
        ...["C=DE", "ST=Bavaria", "L=Munich", "street=Main St 1", "street=Building B", "postalCode=80333"],
        ...["O=CPS / GPU + lab = us \\ co", "OU=HPC", "CN=hub.example.org", "serialNumber=42"],
      ],
    );
    assert.equal(cert.subjectAltName, "DNS:hub.example.org, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    assert.equal(cert.keyUsage?.length, Object.keys(EXTENDED_KEY_USAGES).length);
    const text = spawnSync(
      "openssl",
      ["x509", "-noout", "-ext", "subjectKeyIdentifier,authorityKeyIdentifier"],
      {
        input: outs.certPem as string,
        encoding: "utf8",
      },
    ).stdout;
    assert.match(text, /Subject Key Identifier/);
    assert.match(text, /Authority Key Identifier/);
  });

  test("the temporary folder the key is written to (0700, key file 0600) is removed afterwards", async () => {
    const folders = () =>
      new Set(readdirSync(os.tmpdir()).filter((name) => name.startsWith("tls-stand-in-")));
    const before = folders();
    await checkAndCreate(tlsProvider, CERT, ingressCert(await ecdsaKey()));
    assert.deepEqual(
      [...folders()].filter((name) => !before.has(name)),
      [],
    );
  });

  test("SelfSignedCert refuses other keys, unsupported options and names openssl's config cannot carry", async () => {
    const rsaKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    const checked = await tlsProvider.check(CERT, {}, { ...ingressCert(rsaKey), isCaCertificate: true });
    assert.deepEqual(checked.failures?.[0], {
      property: "privateKeyPem",
      reason:
        `${TLS_LABEL}: privateKeyPem is supported only for ECDSA P-256 keys (tls.PrivateKey with algorithm ` +
        `"ECDSA", ecdsaCurve "P256"), got rsa`,
    });
    assert.deepEqual(
      checked.failures?.map((f) => f.property),
      ["privateKeyPem", "isCaCertificate"],
    );
    const options = await tlsProvider.check(
      CERT,
      {},
      {
        ...ingressCert(await ecdsaKey()),
        uris: ["spiffe://x"],
        dnsNames: ["bad name"],
        allowedUses: ["nope"],
      },
    );
    assert.deepEqual(
      options.failures?.map((f) => f.property),
      ["allowedUses", "dnsNames", "uris"],
    );
    await assert.rejects(tlsProvider.create(CERT, { allowedUses: [] }), /privateKeyPem is required/);
  });

  test("a preview's unknown private key passes check, and diff replaces the certificate", async () => {
    const checked = await tlsProvider.check(CERT, {}, ingressCert(unknownValue));
    assert.equal(checked.failures, undefined);
    const { outs } = await checkAndCreate(tlsProvider, CERT, ingressCert(await ecdsaKey()));
    assert.deepEqual(await tlsProvider.diff("1", CERT, outs, checked.inputs), {
      changes: true,
      replaces: ["privateKeyPem"],
    });
    const same = (await tlsProvider.check(CERT, {}, ingressCert(secretValue(outs, "privateKeyPem")))).inputs;
    assert.deepEqual(await tlsProvider.diff("1", CERT, outs, same), { changes: false });
  });
});

describe("plugin launcher", () => {
  test("the launchers are executable shell scripts", () => {
    for (const name of ["pulumi-resource-random", "pulumi-resource-tls"]) {
      const file = path.join(PROJECT_ROOT, "engine", "plugins", name);
      assert.ok(statSync(file).mode & 0o100, `${name} is executable`);
    }
  });

  test("pulumi-resource-random, started as the engine starts it, prints only its port, then serves gRPC", async () => {
    const launcher = path.join(PROJECT_ROOT, "engine", "plugins", "pulumi-resource-random");
    // The engine's arguments: logging flags, then its own address (the server connects to it lazily).
    const child = spawn(launcher, ["--logtostderr", "-v=9", "127.0.0.1:1"], {
      cwd: os.tmpdir(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`launcher exited (${code}) before a port: ${stderr}`)));
      });
      assert.match(firstLine, /^\d+$/);
      const client = new ResourceProviderClient(`127.0.0.1:${firstLine}`, grpc.credentials.createInsecure());
      try {
        const info = await new Promise<string>((resolve, reject) =>
          client.getPluginInfo(new Empty(), (error, response) =>
            error ? reject(error) : resolve(response.getVersion()),
          ),
        );
        assert.equal(info, STAND_IN_VERSION);
        const request = new CreateRequest().setUrn(BYTES).setProperties(Struct.fromJavaScript({ length: 8 }));
        const properties = await new Promise<Props>((resolve, reject) =>
          client.create(request, (error, response) =>
            error ? reject(error) : resolve(response.getProperties()?.toJavaScript() ?? {}),
          ),
        );
        assert.match(secretValue(properties, "hex"), /^[0-9a-f]{16}$/);
      } finally {
        client.close();
      }
    } finally {
      child.kill();
    }
  });
});
