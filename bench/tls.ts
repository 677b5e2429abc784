/**
 * TLS echo throughput on loopback: 64 KiB messages sent by a client, echoed by a server and read
 * back whole before the next one is sent, through anyio-ts's TLSStream (both ends, over
 * `fromNodeDuplex` on `net` sockets) and through raw `node:tls` (`tls.connect` and
 * `tls.createServer`, the server piping the socket into itself), in one run.
 *
 *   node --import tsx bench/tls.ts            # anyio-ts from runtime/*.ts (through tsx, not compiled)
 *   node --import tsx bench/tls.ts --dist     # anyio-ts from dist/ (run `npm run build` first)
 *   node --import tsx bench/tls.ts --quick
 *
 * Certificates are made with the `openssl` command line tool into a temporary directory that is
 * removed at once. Figures: each round measures both contenders once (MB/s over MESSAGES round
 * trips after a warm-up); the figure reported is the median over REPS rounds, and the ratio is
 * anyio-ts's MB/s divided by raw node:tls's in the same round. For context, the same echo without
 * TLS (our `fromNodeDuplex` streams against raw `net`) is measured in the same rounds: it shows
 * what the byte-stream layer underneath costs by itself.
 */
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { performance } from "node:perf_hooks";
import { testCertificates } from "../tests/runtime/streams/tls-certificates";

type AnyIO = typeof import("../runtime/index");

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const MESSAGE = 64 * 1024;
const MESSAGES = QUICK ? 200 : 1000;
const WARMUP = QUICK ? 20 : 100;
const REPS = QUICK ? 1 : 5;

const certs = testCertificates();
const payload = new Uint8Array(MESSAGE).map((_, i) => i & 0xff);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Raw node:tls: MB/s of 64 KiB round trips. */
async function rawTls(): Promise<number> {
  const server = tls.createServer({ ...certs.server }, (socket) => {
    socket.on("error", () => {});
    socket.setNoDelay(true);
    socket.pipe(socket);
  });
  const port = await listen(server);
  const client = tls.connect({ port, host: "127.0.0.1", servername: "localhost", ca: certs.ca });
  await new Promise<void>((resolve) => client.once("secureConnect", resolve));
  client.setNoDelay(true);
  let pending = 0;
  let wake: (() => void) | undefined;
  client.on("data", (chunk: Buffer) => {
    pending -= chunk.length;
    if (pending <= 0) wake?.();
  });
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      pending += MESSAGE;
      wake = resolve;
      client.write(payload);
    });
  for (let i = 0; i < WARMUP; i++) await roundTrip();
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) await roundTrip();
  const seconds = (performance.now() - start) / 1000;
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return (MESSAGES * MESSAGE) / seconds / 1e6;
}

/** anyio-ts TLSStream at both ends over net sockets: MB/s of 64 KiB round trips. */
async function anyioTls(anyio: AnyIO): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true });
  const port = await listen(server);
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true, noDelay: true });
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  const serverSocket = await accepted;
  serverSocket.setNoDelay(true);
  server.close();
  let mbps = 0;
  await anyio.run(() =>
    anyio.createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        const stream = await anyio.TLSStream.wrap(anyio.fromNodeDuplex(serverSocket), {
          ...certs.server,
          standardCompatible: false,
        });
        try {
          for (;;) await stream.send(await stream.receive());
        } catch (error) {
          if (!(error instanceof anyio.EndOfStream) && !(error instanceof anyio.ClosedResourceError)) throw error;
        } finally {
          await stream.aclose();
        }
      });
      const client = await anyio.TLSStream.wrap(anyio.fromNodeDuplex(socket), {
        hostname: "127.0.0.1",
        ca: certs.ca,
        standardCompatible: false,
      });
      const roundTrip = async () => {
        await client.send(payload);
        let received = 0;
        while (received < MESSAGE) received += (await client.receive()).length;
      };
      for (let i = 0; i < WARMUP; i++) await roundTrip();
      const start = performance.now();
      for (let i = 0; i < MESSAGES; i++) await roundTrip();
      const seconds = (performance.now() - start) / 1000;
      mbps = (MESSAGES * MESSAGE) / seconds / 1e6;
      await client.aclose();
    }),
  );
  return mbps;
}

/** Context: the same echo without TLS, raw `net` sockets (the server piping into itself). */
async function rawTcp(): Promise<number> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.pipe(socket);
  });
  const port = await listen(server);
  const client = net.connect({ port, host: "127.0.0.1", noDelay: true });
  await new Promise<void>((resolve) => client.once("connect", resolve));
  let pending = 0;
  let wake: (() => void) | undefined;
  client.on("data", (chunk: Buffer) => {
    pending -= chunk.length;
    if (pending <= 0) wake?.();
  });
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      pending += MESSAGE;
      wake = resolve;
      client.write(payload);
    });
  for (let i = 0; i < WARMUP; i++) await roundTrip();
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) await roundTrip();
  const seconds = (performance.now() - start) / 1000;
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return (MESSAGES * MESSAGE) / seconds / 1e6;
}

/** Context: the same echo without TLS, our streams at both ends (`fromNodeDuplex` on `net` sockets). */
async function anyioTcp(anyio: AnyIO): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true });
  const port = await listen(server);
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true, noDelay: true });
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  const serverSocket = await accepted;
  serverSocket.setNoDelay(true);
  server.close();
  let mbps = 0;
  await anyio.run(() =>
    anyio.createTaskGroup().run(async (tg) => {
      const serverStream = anyio.fromNodeDuplex(serverSocket);
      tg.startSoon(async () => {
        try {
          for (;;) await serverStream.send(await serverStream.receive());
        } catch (error) {
          if (!(error instanceof anyio.EndOfStream) && !(error instanceof anyio.ClosedResourceError)) throw error;
        } finally {
          await serverStream.aclose();
        }
      });
      const client = anyio.fromNodeDuplex(socket);
      const roundTrip = async () => {
        await client.send(payload);
        let received = 0;
        while (received < MESSAGE) received += (await client.receive()).length;
      };
      for (let i = 0; i < WARMUP; i++) await roundTrip();
      const start = performance.now();
      for (let i = 0; i < MESSAGES; i++) await roundTrip();
      const seconds = (performance.now() - start) / 1000;
      mbps = (MESSAGES * MESSAGE) / seconds / 1e6;
      await client.aclose();
    }),
  );
  return mbps;
}

async function main(): Promise<void> {
  const anyio: AnyIO = args.has("--dist")
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.resolve(__dirname, "../dist/runtime/index.js"))
    : await import("../runtime/index");
  const raw: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  const tcpRaw: number[] = [];
  const tcpOurs: number[] = [];
  const tcpRatios: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const r = await rawTls();
    const a = await anyioTls(anyio);
    raw.push(r);
    ours.push(a);
    ratios.push(a / r);
    const tr = await rawTcp();
    const ta = await anyioTcp(anyio);
    tcpRaw.push(tr);
    tcpOurs.push(ta);
    tcpRatios.push(ta / tr);
  }
  console.log(`Echo of ${MESSAGES} round trips of 64 KiB on loopback, median of ${REPS} rounds`);
  console.log(`  raw node:tls                    ${median(raw).toFixed(1)} MB/s`);
  console.log(`  anyio-ts TLSStream              ${median(ours).toFixed(1)} MB/s`);
  console.log(`  ratio TLS (anyio-ts / raw)      ${median(ratios).toFixed(2)}`);
  console.log(`  context, no TLS: raw net        ${median(tcpRaw).toFixed(1)} MB/s`);
  console.log(`  context, no TLS: fromNodeDuplex ${median(tcpOurs).toFixed(1)} MB/s`);
  console.log(`  ratio TCP (anyio-ts / raw)      ${median(tcpRatios).toFixed(2)}`);
}

void main();
