/**
 * The simulated cluster's certificates, made with openssl: a CA, the API server's serving
 * certificate (127.0.0.1 and the in-cluster names), one client certificate per component, the
 * front-proxy client (so kcm and the scheduler find the requestheader CA), and the service
 * account signing key. EC P-256 keys: the whole set takes a fraction of a second.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Client certificates: file name → subject. system:masters for the admin and kwok. */
export const CLIENTS = {
  admin: "/O=system:masters/CN=kubernetes-admin",
  "front-proxy-client": "/CN=front-proxy-client",
  kcm: "/CN=system:kube-controller-manager",
  scheduler: "/CN=system:kube-scheduler",
  kwok: "/O=system:masters/CN=kwok-controller",
} as const;

export type ClientName = keyof typeof CLIENTS;

export const SERVICE_IP = "10.96.0.1";
export const SERVICE_CIDR = "10.96.0.0/16";

const SCRIPT = `
set -euo pipefail
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ec ca.key
openssl req -x509 -new -key ca.key -out ca.crt -days 3650 -subj /CN=gpu-jupyterhub-sim-ca \\
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature
# cert NAME SUBJECT EXTENSIONS...
cert() {
  local name=$1 subject=$2; shift 2
  ec "$name.key"
  openssl req -new -key "$name.key" -out "$name.csr" -subj "$subject"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out "$name.crt" \\
    -extfile <(printf '%s\\n' "$@" "keyUsage=critical,digitalSignature") 2>/dev/null
  rm -f "$name.csr"
}
cert apiserver /CN=kube-apiserver "extendedKeyUsage=serverAuth" \\
  "subjectAltName=IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
while read -r name subject; do cert "$name" "$subject" "extendedKeyUsage=clientAuth"; done <<<"$CLIENTS"
ec sa.key
openssl pkey -in sa.key -pubout -out sa.pub
`;

export interface Pki {
  readonly dir: string;
  readonly ca: string;
  readonly caKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  file(name: string): string;
  /** PEM text of a client's certificate and key. */
  client(name: ClientName): { cert: string; key: string };
}

export function pkiIn(dir: string): Pki {
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    ca: file("ca.crt"),
    caKey: file("ca.key"),
    serviceAccountKey: file("sa.key"),
    serviceAccountPub: file("sa.pub"),
    file,
    client: (name) => ({
      cert: readFileSync(file(`${name}.crt`), "utf8"),
      key: readFileSync(file(`${name}.key`), "utf8"),
    }),
  };
}

export function createPki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  const clients = Object.entries(CLIENTS)
    .map(([name, subject]) => `${name} ${subject}`)
    .join("\n");
  const result = spawnSync("bash", ["-c", SCRIPT], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CLIENTS: clients, SERVICE_IP },
  });
  if (result.status !== 0)
    throw new Error(`making the certificates failed (openssl): ${result.error?.message ?? result.stderr}`);
  return pkiIn(dir);
}
