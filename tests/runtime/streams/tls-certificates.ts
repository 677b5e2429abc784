/**
 * Certificates for the TLS tests, made when a suite starts with the `openssl` command line tool
 * in a temporary directory that is removed at once (only PEM strings stay, in memory; no key is
 * ever written into the repository):
 *
 * - a CA, and a server certificate it signed for localhost, 127.0.0.1 and ::1;
 * - a client certificate the same CA signed (for requestCert);
 * - a self-signed server certificate, and a certificate for another name ("example.org").
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface TestCertificates {
  /** The CA's certificate: the `ca` option of anyone trusting it. */
  readonly ca: string;
  /** Signed by the CA, for DNS:localhost, IP:127.0.0.1 and IP:::1. */
  readonly server: KeyPair;
  /** Signed by the CA, for clients (CN "client"). */
  readonly client: KeyPair;
  /** Self-signed, for localhost. */
  readonly selfSigned: KeyPair;
  /** Signed by the CA, for DNS:example.org only. */
  readonly otherName: KeyPair;
  /** Signed by the CA, for "faß.de" as IDNA 2008 spells it (xn--fa-hia.de; IDNA 2003 would say fass.de). */
  readonly idna: KeyPair;
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** Makes a key and a certificate signed by the CA in `dir`, with the given subject alternative names. */
function signed(dir: string, name: string, cn: string, san: string | undefined): KeyPair {
  openssl(dir, ["req", "-new", ...KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
  const extensions = [
    "basicConstraints=CA:FALSE",
    "keyUsage=digitalSignature,keyEncipherment",
    `extendedKeyUsage=${san === undefined ? "clientAuth" : "serverAuth"}`,
  ];
  if (san !== undefined) extensions.push(`subjectAltName=${san}`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions.join("\n") + "\n");
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-sha256",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ]);
  return read(dir, name);
}

function read(dir: string, name: string): KeyPair {
  return {
    cert: fs.readFileSync(path.join(dir, `${name}.pem`), "utf8"),
    key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8"),
  };
}

let cached: TestCertificates | undefined;

/** The suite's certificates (made once per test file). */
export function testCertificates(): TestCertificates {
  if (cached !== undefined) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-tls-"));
  try {
    openssl(dir, [
      "req",
      "-x509",
      ...KEY,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=anyio-ts test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const server = signed(dir, "server", "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1");
    const client = signed(dir, "client", "client", undefined);
    const otherName = signed(dir, "other", "example.org", "DNS:example.org");
    const idna = signed(dir, "idna", "xn--fa-hia.de", "DNS:xn--fa-hia.de");
    openssl(dir, [
      "req",
      "-x509",
      ...KEY,
      "-keyout",
      "self.key",
      "-out",
      "self.pem",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ]);
    cached = {
      ca: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
      server,
      client,
      otherName,
      idna,
      selfSigned: read(dir, "self"),
    };
    return cached;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
