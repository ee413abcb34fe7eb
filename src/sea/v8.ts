import v8 from "node:v8";

// The V8 setting bin/naftiko.js makes before anything loads (see the reasons there). The
// young-generation size on its `#!` line cannot be set from inside a running process: a binary
// gets it from NODE_OPTIONS (README, Single binary).
v8.setFlagsFromString("--no-allocation-site-pretenuring");
