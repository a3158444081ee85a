// Loaded with `node --require` in front of Azurite (AzuriteLauncher, tests, scripts/services.sh).
// Azurite 3.x requires the Application Insights SDK at load time even when started with
// --disableTelemetry, which then never calls it; that require is about 450 of the ~830 ms Azurite
// needs to listen on a 2-core machine. With --disableTelemetry, hand it an inert stand-in instead.
// Without that flag this file changes nothing.
"use strict";
if (process.argv.includes("--disableTelemetry")) {
  const Module = require("module");
  const load = Module._load;
  const inert = new Proxy(function () {}, {
    get: (_, name) => (name === "then" ? undefined : inert),
    apply: () => inert,
    construct: () => inert,
  });
  Module._load = function (request, ...rest) {
    return request === "applicationinsights" ? inert : load.call(this, request, ...rest);
  };
}
