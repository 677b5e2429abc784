/**
 * Debian's Chromium, driven by playwright-core: how the browser tests and the screenshot script
 * find it (installing it when they can), and the flags it needs here. Playwright never
 * downloads a browser of its own in this project.
 */
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

// Headless in a sandboxed container, without the background services whose connections a
// closed network refuses.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const HOW_TO_INSTALL =
  "Chromium is needed for the playground's browser tests and screenshots. Install Debian's package with " +
  "`sudo apt-get update && sudo apt-get install -y chromium` (it provides /usr/bin/chromium), " +
  "or point CHROMIUM_PATH at a Chromium or Chrome binary.";

/**
 * The path of a Chromium binary: CHROMIUM_PATH, else Debian's /usr/bin/chromium. When neither
 * exists and this process runs as root on a system with apt-get, installs Debian's package first.
 * @throws Error saying how to install Chromium when there is none and it cannot be installed.
 */
function ensureChromium({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const wanted = process.env.CHROMIUM_PATH;
  if (wanted) {
    if (fs.existsSync(wanted)) return wanted;
    throw new Error(`CHROMIUM_PATH is set to ${wanted}, which does not exist. ${HOW_TO_INSTALL}`);
  }
  if (fs.existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (isRoot && hasApt) {
    log("Chromium is missing: installing Debian's package (apt-get install -y chromium)...");
    const result = spawnSync("sh", ["-c", "apt-get update && apt-get install -y chromium"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status === 0 && fs.existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
    throw new Error(`Installing Chromium with apt-get failed (exit status ${result.status}). ${HOW_TO_INSTALL}`);
  }
  throw new Error(`${DEBIAN_CHROMIUM} is missing. ${HOW_TO_INSTALL}`);
}

/**
 * Launches Chromium with a fresh profile. Resolves to `{ context, close }`; `close()` also
 * deletes the profile.
 */
async function launchChromium(options = {}) {
  const { chromium } = require("playwright-core");
  const executablePath = ensureChromium(options);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1400, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

module.exports = { launchChromium };
