#!/usr/bin/env node
// The load test's clients: raw node:net sockets in a process of their own, so that the server's
// process measures only itself (its heap, RSS, descriptors and tasks). Started by
// scripts/loadtest/echo-load.ts with one argument, a JSON object:
//
//   { port, clients, durationMs, seed }
//
// `clients` slots run concurrently on 127.0.0.1:port until `durationMs` has passed, each slot
// repeating sessions of one kind (the mix below). Every byte a well-behaved client gets back is
// compared with what it sent. At the deadline the slots stop starting sessions; the sessions that
// never finish by design (slowloris writers, slow readers still reading) are left open, and the
// process prints one JSON line {"type":"results", ...}. It then waits for the server to close
// those connections (the server is cancelled when it reads the results), prints
// {"type":"closed", ...} and exits. Exit code 0 unless the client process itself failed.
"use strict";

const net = require("node:net");

const config = JSON.parse(process.argv[2] ?? "{}");
const { port, clients, durationMs, seed = 1 } = config;
if (!Number.isInteger(port) || !Number.isInteger(clients) || clients < 1 || !(durationMs > 0)) {
  console.error(`clients.cjs: bad configuration ${process.argv[2]}`);
  process.exit(2);
}

/** How the slots are shared among the kinds, in order (the rest of the slots are "echo"). */
const MIX = [
  ["halfClose", 0.15],
  ["slowReader", 0.1],
  ["slowloris", 0.15],
  ["reset", 0.1],
  ["flood", 0.1],
];
/** Round trips per well-behaved session. */
const ROUND_TRIPS = 10;
/** Bytes a slow reader sends (and must get back) per session. */
const SLOW_TOTAL = 1024 * 1024;
/** How often a slow reader takes what has arrived, and a slowloris writer sends a byte. */
const SLOW_READ_MS = 50;
const LORIS_MS = Math.min(1000, Math.max(100, Math.floor(durationMs / 10)));
/** Connections per flood burst, and the pause after each burst. */
const FLOOD_BURST = 10;
const FLOOD_PAUSE_MS = 500;
/** A well-behaved round trip that takes longer than this is a stall (an error), not a wait. */
const STALL_MS = 120_000;
/** How long the lingering connections may wait for the server to close them. */
const LINGER_MS = 120_000;

const deadline = Date.now() + durationMs;
const over = () => Date.now() >= deadline;

const results = {
  type: "results",
  clients,
  durationMs,
  slots: {},
  sessions: {},
  connections: 0,
  roundTrips: { ok: 0, bad: 0 },
  bytesVerified: 0,
  errors: {},
  lingering: 0,
};
const lingering = new Set();
let closedByServer = 0;

function count(table, key, by = 1) {
  table[key] = (table[key] ?? 0) + by;
}
function recordError(kind, error) {
  count(results.errors, `${kind}:${error?.code ?? error?.message ?? String(error)}`);
}

// A small seeded generator (mulberry32), so a run's payloads can be reproduced.
function generator(seedValue) {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function payload(random, min, max) {
  const size = min + Math.floor(random() * (max - min + 1));
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (random() * 256) | 0;
  return bytes;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects; resolves with the socket, rejects with the connect error. */
function connect() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      results.connections++;
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * Reads from a flowing socket into an expectation: `expect(bytes)` resolves once `bytes.length`
 * further bytes arrived, and checks they equal `bytes`. Bytes beyond an expectation are an error.
 */
function echoReader(socket, kind) {
  let pending = null; // { bytes, offset, resolve, reject, timer }
  let failure = null;
  let ended = false;
  const fail = (error) => {
    failure ??= error;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(failure);
      pending = null;
    }
  };
  socket.on("data", (chunk) => {
    if (!pending) return fail(Object.assign(new Error("unexpected bytes"), { code: "UNEXPECTED_BYTES" }));
    const { bytes, offset } = pending;
    if (offset + chunk.length > bytes.length || !chunk.equals(bytes.subarray(offset, offset + chunk.length))) {
      return fail(Object.assign(new Error("echo differs from what was sent"), { code: "MISMATCH" }));
    }
    pending.offset += chunk.length;
    if (pending.offset === bytes.length) {
      clearTimeout(pending.timer);
      const { resolve } = pending;
      pending = null;
      resolve();
    }
  });
  socket.on("end", () => {
    ended = true;
    if (pending) fail(Object.assign(new Error("the server ended the echo early"), { code: "EARLY_END" }));
  });
  socket.on("error", fail);
  socket.on("close", () => fail(Object.assign(new Error("closed"), { code: "CLOSED" })));
  return {
    expect(bytes) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => fail(Object.assign(new Error("round trip stalled"), { code: "STALLED" })),
          STALL_MS,
        );
        pending = { bytes, offset: 0, resolve, reject, timer };
      });
    },
    get ended() {
      return ended;
    },
  };
}

/** Resolves when the socket has closed. */
const closed = (socket) =>
  socket.destroyed && socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once("close", resolve));

// --- The kinds of client ------------------------------------------------------------------------------

/** Round trips of 1 byte to 16 KiB, each checked byte for byte; then a clean close. */
async function echoSession(random) {
  const socket = await connect();
  const reader = echoReader(socket, "echo");
  try {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const bytes = payload(random, 1, 16 * 1024);
      const echoed = reader.expect(bytes);
      socket.write(bytes);
      await echoed;
      results.roundTrips.ok++;
      results.bytesVerified += bytes.length;
      if (random() < 0.3) await sleep(random() * 10);
    }
    socket.end();
    await closed(socket);
  } catch (error) {
    results.roundTrips.bad++;
    socket.destroy();
    throw error;
  }
}

/** Sends up to 64 KiB, half-closes, and must get exactly those bytes back, then the end. */
async function halfCloseSession(random) {
  const socket = await connect();
  const bytes = payload(random, 1, 64 * 1024);
  const chunks = [];
  const done = new Promise((resolve, reject) => {
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", resolve);
    socket.on("error", reject);
    socket.on("close", () => reject(Object.assign(new Error("closed before the end"), { code: "CLOSED" })));
  });
  socket.end(bytes);
  try {
    await done;
    const echoed = Buffer.concat(chunks);
    if (!echoed.equals(bytes)) throw Object.assign(new Error("echo differs from what was sent"), { code: "MISMATCH" });
    results.roundTrips.ok++;
    results.bytesVerified += bytes.length;
    await closed(socket);
  } catch (error) {
    results.roundTrips.bad++;
    socket.destroy();
    throw error;
  }
}

/**
 * Sends 1 MiB as fast as the server takes it while reading the echo slowly (what has arrived,
 * every 50 ms), so the server's sends wait on this client. The echo is checked; a session still
 * running at the deadline is left open for the server to close.
 */
async function slowReaderSession(random) {
  const socket = await connect();
  const bytes = payload(random, SLOW_TOTAL, SLOW_TOTAL);
  let offset = 0;
  let sent = 0;
  let lingered = false;
  const finished = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      let chunk;
      while ((chunk = socket.read()) !== null) {
        if (!chunk.equals(bytes.subarray(offset, offset + chunk.length))) {
          clearInterval(timer);
          return reject(Object.assign(new Error("echo differs from what was sent"), { code: "MISMATCH" }));
        }
        offset += chunk.length;
        results.bytesVerified += chunk.length;
        if (offset === bytes.length) {
          clearInterval(timer);
          return resolve(true);
        }
        if (!lingered) break; // one bufferful per tick: slow
      }
      if (over() && !lingered) {
        lingered = true; // keep reading (so the close is seen), now as a lingering connection
        linger(socket);
        resolve(false);
      }
    }, SLOW_READ_MS);
    socket.on("error", (error) => {
      clearInterval(timer);
      if (!lingered) reject(error);
    });
    socket.on("close", () => {
      clearInterval(timer);
      reject(Object.assign(new Error("closed before the echo was complete"), { code: "CLOSED" }));
    });
  });
  socket.pause();
  (async () => {
    while (sent < bytes.length && !socket.destroyed) {
      const piece = bytes.subarray(sent, sent + 64 * 1024);
      sent += piece.length;
      if (!socket.write(piece)) await new Promise((resolve) => socket.once("drain", resolve).once("close", resolve));
    }
  })();
  try {
    const complete = await finished;
    if (complete) {
      socket.end();
      socket.resume();
      await closed(socket);
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** A byte every so often, never finishing; left open at the deadline for the server to close. */
async function slowlorisSession(random) {
  const socket = await connect();
  socket.on("data", () => {}); // the echo of each byte
  socket.on("error", () => {}); // counted through lingering
  while (!over() && !socket.destroyed) {
    socket.write(Buffer.of((random() * 256) | 0));
    await sleep(LORIS_MS);
  }
  if (socket.destroyed) throw Object.assign(new Error("closed before the deadline"), { code: "CLOSED_EARLY" });
  linger(socket);
}

/** Sends part of a request, maybe reads a little, then resets the connection (RST). */
async function resetSession(random) {
  const socket = await connect();
  socket.on("error", () => {}); // whatever happens after our own reset
  socket.on("data", () => {});
  socket.write(payload(random, 1, 64 * 1024));
  await sleep(random() * 20);
  socket.resetAndDestroy();
  await closed(socket);
}

/** A burst of connections, each closed (or reset) as soon as it is open; then a pause. */
async function floodSession(random) {
  await Promise.all(
    Array.from({ length: FLOOD_BURST }, async () => {
      const socket = await connect();
      socket.on("error", () => {});
      if (random() < 0.5) socket.destroy();
      else socket.resetAndDestroy();
      await closed(socket);
    }),
  );
  await sleep(FLOOD_PAUSE_MS * (0.5 + random()));
}

const SESSIONS = {
  echo: echoSession,
  halfClose: halfCloseSession,
  slowReader: slowReaderSession,
  slowloris: slowlorisSession,
  reset: resetSession,
  flood: floodSession,
};

function linger(socket) {
  results.lingering++;
  lingering.add(socket);
  socket.resume();
  socket.on("error", () => {});
  socket.once("close", () => {
    lingering.delete(socket);
    closedByServer++;
    if (lingeringDone !== undefined && lingering.size === 0) lingeringDone();
  });
}
let lingeringDone;

// --- The run ------------------------------------------------------------------------------------------

function kindOf(slot) {
  let start = 0;
  for (const [kind, share] of MIX) {
    const end = start + Math.round(clients * share);
    if (slot >= start && slot < end) return kind;
    start = end;
  }
  return "echo";
}

async function runSlot(slot) {
  const kind = kindOf(slot);
  count(results.slots, kind);
  const random = generator(seed * 100003 + slot);
  // Spread the first connections over the first quarter second.
  await sleep(random() * 250);
  while (!over()) {
    try {
      await SESSIONS[kind](random);
      count(results.sessions, kind);
    } catch (error) {
      recordError(kind, error);
      await sleep(50);
    }
  }
}

async function main() {
  const hardStop = setTimeout(
    () => {
      console.error("clients.cjs: gave up waiting (hard stop)");
      process.exit(3);
    },
    durationMs + 2 * LINGER_MS,
  );
  hardStop.unref();

  await Promise.all(Array.from({ length: clients }, (_, slot) => runSlot(slot)));
  process.stdout.write(`${JSON.stringify(results)}\n`);

  const allClosed = new Promise((resolve) => {
    lingeringDone = resolve;
    if (lingering.size === 0) resolve();
  });
  const timer = setTimeout(() => lingeringDone(), LINGER_MS);
  await allClosed;
  clearTimeout(timer);
  const notClosed = lingering.size;
  for (const socket of lingering) socket.destroy();
  process.stdout.write(`${JSON.stringify({ type: "closed", closedByServer, notClosed })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
