// Node's `path` (POSIX flavour), as much of it as Babel calls in the compile worker: the
// playground's one file has a relative name and the working directory is "/".
"use strict";

function normalizeParts(parts, absolute) {
  const out = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else {
      out.push(part);
    }
  }
  return out;
}

function normalize(p) {
  const absolute = p.startsWith("/");
  const joined = normalizeParts(p.split("/"), absolute).join("/");
  return (absolute ? "/" : "") + joined || (absolute ? "/" : ".");
}

function resolve(...paths) {
  let resolved = "";
  for (let i = paths.length - 1; i >= 0 && !resolved.startsWith("/"); i--) {
    if (paths[i]) resolved = paths[i] + (resolved ? "/" + resolved : "");
  }
  if (!resolved.startsWith("/")) resolved = "/" + resolved;
  return normalize(resolved);
}

function relative(from, to) {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}

function basename(p, ext) {
  const base = p.replace(/\/+$/, "").split("/").pop() ?? "";
  return ext !== undefined && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
}

function dirname(p) {
  const trimmed = p.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : trimmed.slice(0, i);
}

function extname(p) {
  const base = basename(p);
  const i = base.lastIndexOf(".");
  return i <= 0 ? "" : base.slice(i);
}

const join = (...parts) => normalize(parts.filter(Boolean).join("/"));
const isAbsolute = (p) => p.startsWith("/");

module.exports = {
  sep: "/",
  delimiter: ":",
  normalize,
  resolve,
  relative,
  basename,
  dirname,
  extname,
  join,
  isAbsolute,
};
module.exports.posix = module.exports;
