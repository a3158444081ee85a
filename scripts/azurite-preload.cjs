// Loaded with `node --require` in front of Azurite (AzuriteLauncher, tests, scripts/services.sh), for
// the Azurite of package.json (3.37). Three changes to how the emulator runs, none to what it stores:
//
// 1. Azurite requires the Application Insights SDK at load time even when started with
//    --disableTelemetry, and then never calls it; that require is about 450 of the ~830 ms Azurite
//    needs to listen on a 2-core machine. With --disableTelemetry it gets an inert stand-in instead.
//
// 2. Azurite appends every queue message (and blob block) to an extent file and reclaims a file only
//    when nothing in it is referenced any more, the file is no longer being written, and it was last
//    written 10 minutes ago. Extents roll at 64 MB, so a task hub's deleted messages stayed on disk
//    until 64 MB had been written: 10 KB a phase, for thousands of phases. Rolling at 32 KB and
//    protecting for 2 minutes keeps the queue folder small whatever the drains did (issue 17). A
//    message still in a queue (a phase timer left after its drain ended, until the next drain's
//    host takes it) keeps its whole extent, so the smaller the extent the less a left message pins
//    (bench/storage: 16 such messages kept 2.7 MB in 3 extents at 1 MB, 2.0 MB in 16 at 128 KB).
//    A write larger than an extent still goes whole into the current one: Azurite rolls before an
//    append, never inside it.
//
// 3. Azurite saves its metadata databases (LokiJS) every 5 s while they change: a finished drain's
//    purged history reached the disk up to 5 s after the drain, and a kill -9 of Azurite lost up to
//    5 s of writes. Every 2 s instead (each save writes the whole database: 5 MB after ~35 drains of
//    20 with their logs, so every second cost a busy Azurite too much).
//
// Each change is skipped when the module it needs is not where this Azurite version keeps it.
"use strict";
const fs = require("fs");
const path = require("path");

function azuriteModule(relative) {
  try {
    const main = fs.realpathSync(process.argv[1] || "");
    const file = path.join(path.dirname(main), relative);
    return fs.existsSync(file) ? require(file) : null;
  } catch {
    return null;
  }
}

const Module = require("module");
const load = Module._load;
const telemetryOff = process.argv.includes("--disableTelemetry");
const inert = new Proxy(function () {}, {
  get: (_, name) => (name === "then" ? undefined : inert),
  apply: () => inert,
  construct: () => inert,
});
let loki = null;
Module._load = function (request, ...rest) {
  if (request === "applicationinsights" && telemetryOff) {
    return inert;
  }
  if (request === "lokijs") {
    if (loki === null) {
      const Loki = load.call(this, request, ...rest);
      loki = typeof Loki === "function" ? class extends Loki {
        constructor(filename, options) {
          super(filename, options && options.autosaveInterval > 2000 ? { ...options, autosaveInterval: 2000 } : options);
        }
      } : Loki;
    }
    return loki;
  }
  return load.call(this, request, ...rest);
};

const constants = azuriteModule("common/utils/constants.js");
if (constants && typeof constants.DEFAULT_MAX_EXTENT_SIZE === "number" && typeof constants.DEFAULT_EXTENT_GC_PROTECT_TIME_IN_MS === "number") {
  constants.DEFAULT_MAX_EXTENT_SIZE = Math.min(constants.DEFAULT_MAX_EXTENT_SIZE, 32 * 1024);
  constants.DEFAULT_EXTENT_GC_PROTECT_TIME_IN_MS = Math.min(constants.DEFAULT_EXTENT_GC_PROTECT_TIME_IN_MS, 2 * 60 * 1000);
}
