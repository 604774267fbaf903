/**
 * TEST STAND-IN for the `tls` provider plugin, for the engine test harness ONLY: the harness puts
 * engine/plugins/pulumi-resource-tls on PATH when it runs the real Pulumi engine on the simulated
 * cluster. Nothing a user deploys ever uses it; real deployments get the upstream plugin
 * (@pulumi/tls 5.6.1).
 *
 * Why: the upstream plugin cannot be obtained on this machine (no registry it reaches serves
 * provider plugins), and the program only needs the ingress's self-signed certificate, so a
 * provider on the Node SDK's provider server is enough to exercise the engine.
 *
 * What it implements, just what components/jupyterhub/ingress.ts uses:
 * - tls:index/privateKey:PrivateKey: algorithm "ECDSA" with ecdsaCurve "P256" only (node:crypto);
 *   upstream's defaults (ecdsaCurve P224, rsaBits 2048) are filled in, so a key without a curve is
 *   refused as upstream would make a P224 one. Outputs privateKeyPem (SEC1 "EC PRIVATE KEY", as
 *   upstream), privateKeyPemPkcs8, publicKeyPem (secrets: the two private ones) and the inputs;
 *   no OpenSSH forms or fingerprints. The id is the SHA-1 of the public key (DER), as upstream.
 * - tls:index/selfSignedCert:SelfSignedCert: an X.509 certificate made by the openssl CLI (Node has
 *   no certificate builder) from an ECDSA P-256 privateKeyPem, written to a private temporary
 *   folder (0700, key file 0600) removed afterwards. Subject fields, dnsNames and ipAddresses
 *   (SAN), allowedUses (key usage, critical, and extended key usage), basicConstraints CA:FALSE
 *   (critical), subject/authority key identifiers when setSubjectKeyId/setAuthorityKeyId. OpenSSL
 *   3.0 sets validity in whole days: validityPeriodHours is ROUNDED UP to days, and
 *   validityStartTime/validityEndTime (RFC 3339) are the certificate's real dates. readyForRenewal
 *   is false and is not re-evaluated over time. Not supported: isCaCertificate, maxPathLength,
 *   uris, privateKeyPemWo. The id is the serial number in decimal, as upstream.
 * Any input change replaces the resource (upstream replaces on all of these but earlyRenewalHours,
 * which it updates in place). Any other type, or an invalid or unsupported input, is refused with
 * an error naming this stand-in. Version 0.0.0-test-stand-in.
 */

import { execFile } from "node:child_process";
import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { CheckFailure } from "@pulumi/pulumi/provider";
import {
  expect,
  isBoolean,
  isIntegerAtLeast,
  isStringList,
  isUnknown,
  type Props,
  required,
  type StandInResource,
  serve,
  standInProvider,
} from "./stand-in";

const SUPPORTED_KEYS = 'ECDSA P-256 keys (tls.PrivateKey with algorithm "ECDSA", ecdsaCurve "P256")';

const privateKeyResource: StandInResource = {
  inputs: ["algorithm", "ecdsaCurve", "rsaBits"],
  secretOutputs: ["privateKeyPem", "privateKeyPemPkcs8"],
  withDefaults: (news) => ({ ...news, ecdsaCurve: news.ecdsaCurve ?? "P224", rsaBits: news.rsaBits ?? 2048 }),
  validate: (inputs) => [
    ...required(inputs, "algorithm"),
    ...expect(inputs, "algorithm", (value) => value === "ECDSA", `is supported only as "ECDSA"`),
    ...expect(inputs, "ecdsaCurve", (value) => value === "P256", `is supported only as "P256"`),
    ...expect(inputs, "rsaBits", isIntegerAtLeast(1), "must be a positive integer"),
  ],
  create: async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const publicDer = publicKey.export({ type: "spki", format: "der" });
    return {
      id: createHash("sha1").update(publicDer).digest("hex"),
      outputs: {
        privateKeyPem: privateKey.export({ type: "sec1", format: "pem" }),
        privateKeyPemPkcs8: privateKey.export({ type: "pkcs8", format: "pem" }),
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }),
      },
    };
  },
};

/** allowedUses → openssl keyUsage names (the upstream provider's list). */
export const KEY_USAGES: Readonly<Record<string, string>> = {
  digital_signature: "digitalSignature",
  content_commitment: "nonRepudiation",
  key_encipherment: "keyEncipherment",
  data_encipherment: "dataEncipherment",
  key_agreement: "keyAgreement",
  cert_signing: "keyCertSign",
  crl_signing: "cRLSign",
  encipher_only: "encipherOnly",
  decipher_only: "decipherOnly",
};

/** allowedUses → openssl extendedKeyUsage names or OIDs (the upstream provider's list). */
export const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  any_extended: "anyExtendedKeyUsage",
  server_auth: "serverAuth",
  client_auth: "clientAuth",
  code_signing: "codeSigning",
  email_protection: "emailProtection",
  ipsec_end_system: "ipsecEndSystem",
  ipsec_tunnel: "ipsecTunnel",
  ipsec_user: "ipsecUser",
  timestamping: "timeStamping",
  ocsp_signing: "OCSPSigning",
  microsoft_server_gated_crypto: "msSGC",
  netscape_server_gated_crypto: "nsSGC",
  microsoft_commercial_code_signing: "1.3.6.1.4.1.311.2.1.22",
  microsoft_kernel_code_signing: "1.3.6.1.4.1.311.61.1.1",
};

/** Subject fields → openssl short names, in the order upstream (Go's crypto/x509) writes them. */
export const SUBJECT_FIELDS: Readonly<Record<string, string>> = {
  country: "C",
  province: "ST",
  locality: "L",
  streetAddresses: "street",
  postalCode: "postalCode",
  organization: "O",
  organizationalUnit: "OU",
  commonName: "CN",
  serialNumber: "serialNumber",
};

/** Names that need no quoting in an openssl config file. */
const DNS_NAME = /^[A-Za-z0-9*_.-]+$/;

/** What kind of key a PEM holds, e.g. "ec prime256v1" or "rsa": never the key itself. */
function keyKind(pem: string): string {
  try {
    const key = createPrivateKey(pem);
    return [key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve].filter(Boolean).join(" ");
  } catch {
    return "not a PEM private key";
  }
}

/** Like `expect`, but a private key is never echoed in a message. */
function keyFailures(pem: unknown): CheckFailure[] {
  if (pem === undefined || isUnknown(pem)) return [];
  const kind = typeof pem === "string" ? keyKind(pem) : typeof pem;
  if (kind === "ec prime256v1") return [];
  return [
    {
      property: "privateKeyPem",
      reason: `privateKeyPem is supported only for ${SUPPORTED_KEYS}, got ${kind}`,
    },
  ];
}

const isSubject = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  Object.entries(value).every(([field, item]) =>
    field === "streetAddresses" ? isStringList(item) : field in SUBJECT_FIELDS && typeof item === "string",
  );

/** openssl's -subj: `/C=…/O=…/CN=…`, with `\ / + =` escaped so a value cannot start another field. */
export function subjectArgument(subject: Props | undefined): string {
  const escaped = (value: string) => value.replace(/[\\/+=]/g, (c) => `\\${c}`);
  const fields = Object.entries(SUBJECT_FIELDS).flatMap(([field, name]) => {
    const value = subject?.[field];
    const values = Array.isArray(value) ? value : value === undefined || value === "" ? [] : [value];
    return values.map((item) => `/${name}=${escaped(String(item))}`);
  });
  return fields.length > 0 ? fields.join("") : "/";
}

/** The openssl config: an empty distinguished name (the subject comes from -subj) and the extensions. */
export function opensslConfig(inputs: Props): string {
  const uses = (inputs.allowedUses as string[] | undefined) ?? [];
  const keyUsage = uses.flatMap((use) => KEY_USAGES[use] ?? []);
  const extendedKeyUsage = uses.flatMap((use) => EXTENDED_KEY_USAGES[use] ?? []);
  const altNames = [
    ...((inputs.dnsNames as string[] | undefined) ?? []).map((name) => `DNS:${name}`),
    ...((inputs.ipAddresses as string[] | undefined) ?? []).map((address) => `IP:${address}`),
  ];
  return [
    "[req]",
    "distinguished_name = dn",
    "x509_extensions = ext",
    "[dn]",
    "[ext]",
    "basicConstraints = critical,CA:FALSE",
    ...(keyUsage.length > 0 ? [`keyUsage = critical,${keyUsage.join(",")}`] : []),
    ...(extendedKeyUsage.length > 0 ? [`extendedKeyUsage = ${extendedKeyUsage.join(",")}`] : []),
    ...(altNames.length > 0 ? [`subjectAltName = ${altNames.join(",")}`] : []),
    `subjectKeyIdentifier = ${inputs.setSubjectKeyId ? "hash" : "none"}`,
    `authorityKeyIdentifier = ${inputs.setAuthorityKeyId ? "keyid:always" : "none"}`,
    "",
  ].join("\n");
}

/** RFC 3339 in UTC without fractions, as upstream writes it: 2026-01-31T12:00:00Z. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Days openssl is asked for: validityPeriodHours rounded up to whole days. */
export function validityDays(hours: number): number {
  return Math.ceil(hours / 24);
}

async function selfSign(inputs: Props): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tls-stand-in-"));
  try {
    const key = path.join(dir, "key.pem");
    const config = path.join(dir, "openssl.cnf");
    writeFileSync(key, inputs.privateKeyPem as string, { mode: 0o600 });
    writeFileSync(config, opensslConfig(inputs), { mode: 0o600 });
    const { stdout } = await promisify(execFile)(
      "openssl",
      [
        ...["req", "-x509", "-new", "-utf8", "-sha256", "-config", config, "-key", key],
        ...["-days", String(validityDays(inputs.validityPeriodHours as number))],
        ...["-subj", subjectArgument(inputs.subject as Props | undefined)],
      ],
      { encoding: "utf8" },
    ).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`openssl could not make the certificate: ${error.stderr?.trim() || error.message}`);
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const selfSignedCertResource: StandInResource = {
  inputs: [
    ...["allowedUses", "dnsNames", "earlyRenewalHours", "ipAddresses", "isCaCertificate", "maxPathLength"],
    ...["privateKeyPem", "privateKeyPemWo", "privateKeyPemWoVersion", "setAuthorityKeyId", "setSubjectKeyId"],
    ...["subject", "uris", "validityPeriodHours"],
  ],
  secretOutputs: ["privateKeyPem"],
  withDefaults: (news) => ({
    ...news,
    earlyRenewalHours: news.earlyRenewalHours ?? 0,
    isCaCertificate: news.isCaCertificate ?? false,
    setAuthorityKeyId: news.setAuthorityKeyId ?? false,
    setSubjectKeyId: news.setSubjectKeyId ?? false,
  }),
  validate: (inputs) => {
    const allowedUses = Object.keys({ ...KEY_USAGES, ...EXTENDED_KEY_USAGES });
    const listOf = (accepts: (item: string) => boolean) => (value: unknown) =>
      isStringList(value) && (value as string[]).every(accepts);
    const unused = (value: unknown) =>
      value === undefined || (Array.isArray(value) && value.length === 0) || isUnknown(value);
    return [
      ...required(inputs, "allowedUses", "privateKeyPem", "validityPeriodHours"),
      ...keyFailures(inputs.privateKeyPem),
      ...expect(
        inputs,
        "allowedUses",
        listOf((use) => allowedUses.includes(use)),
        `must list only ${allowedUses.join(", ")}`,
      ),
      ...expect(
        inputs,
        "dnsNames",
        listOf((name) => DNS_NAME.test(name)),
        "must list names of letters, digits, '.', '-', '_' and '*'",
      ),
      ...expect(
        inputs,
        "ipAddresses",
        listOf((address) => isIP(address) !== 0),
        "must list IPv4 or IPv6 addresses",
      ),
      ...expect(inputs, "subject", isSubject, `must have only ${Object.keys(SUBJECT_FIELDS).join(", ")}`),
      ...expect(inputs, "validityPeriodHours", isIntegerAtLeast(1), "must be an integer of at least 1"),
      ...expect(inputs, "earlyRenewalHours", isIntegerAtLeast(0), "must be an integer of at least 0"),
      ...expect(inputs, "setSubjectKeyId", isBoolean, "must be true or false"),
      ...expect(inputs, "setAuthorityKeyId", isBoolean, "must be true or false"),
      ...expect(inputs, "isCaCertificate", (value) => value === false, "is supported only as false"),
      ...["maxPathLength", "uris", "privateKeyPemWo", "privateKeyPemWoVersion"].flatMap((property) =>
        expect(inputs, property, unused, "is not supported"),
      ),
    ];
  },
  create: async (inputs) => {
    const certPem = await selfSign(inputs);
    const certificate = new X509Certificate(certPem);
    return {
      id: BigInt(`0x${certificate.serialNumber}`).toString(),
      outputs: {
        certPem,
        keyAlgorithm: "ECDSA",
        readyForRenewal: false,
        validityStartTime: rfc3339(new Date(certificate.validFrom)),
        validityEndTime: rfc3339(new Date(certificate.validTo)),
      },
    };
  },
};

export const tlsProvider = standInProvider("tls", {
  "tls:index/privateKey:PrivateKey": privateKeyResource,
  "tls:index/selfSignedCert:SelfSignedCert": selfSignedCertResource,
});

if (require.main === module) serve(tlsProvider);
