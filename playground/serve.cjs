/**
 * A small static file server for the built playground (playground/dist): what `npm start` and
 * the browser tests serve it with. Node's `http` only, bound to localhost.
 *
 *   node playground/serve.cjs [dir] [--port N]     serves dir (default: playground/dist)
 */
"use strict";

const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

/**
 * Serves `dir` on `host:port` (port 0: any free port). Resolves once listening, with the page's
 * URL and a `close()`.
 */
function serve(dir, { port = 0, host = "127.0.0.1" } = {}) {
  const root = path.resolve(dir);
  const server = http.createServer((request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (pathname.endsWith("/")) pathname += "index.html";
    const file = path.join(root, pathname);
    // Never outside the served directory.
    if (file !== root && !file.startsWith(root + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    fs.stat(file, (error, stat) => {
      if (error !== null || !stat.isFile()) {
        response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end(`Not found: ${pathname}\n`);
        return;
      }
      const hashed = pathname.startsWith("/assets/");
      response.writeHead(200, {
        "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "Content-Length": stat.size,
        // Assets carry a content hash in their names; the page and the service worker do not.
        "Cache-Control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
      });
      if (request.method === "HEAD") response.end();
      else fs.createReadStream(file).pipe(response);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      const shownHost = host === "127.0.0.1" || host === "::1" || host === "0.0.0.0" ? "localhost" : host;
      resolve({
        url: `http://${shownHost}:${address.port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

module.exports = { serve };

if (require.main === module) {
  const args = process.argv.slice(2);
  const portFlag = args.indexOf("--port");
  const port = portFlag >= 0 ? Number(args.splice(portFlag, 2)[1]) : 0;
  const dir = args[0] ?? path.join(__dirname, "dist");
  serve(dir, { port }).then(({ url }) => console.log(`Serving ${dir} at ${url}`));
}
