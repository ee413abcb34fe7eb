import v8 from "node:v8";

// The V8 setting bin/naftiko.js makes before anything loads (see the reasons there). The
// young-generation size cannot be set from inside a running process: a binary gets it from
// NODE_OPTIONS, as the CLI does (README, Deployment).
v8.setFlagsFromString("--no-allocation-site-pretenuring");
