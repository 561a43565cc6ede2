import { needsRelaunch, relaunchServer } from "./process/relaunch.ts";

// No top-level await: the binary is compiled to bytecode, which needs a plain module body.
const argv = process.argv.slice(2);
const done = (code: number) => {
  process.exitCode = code;
};
// Loaded only when needed, so the relaunching parent stays small and starts fast (the module is still bundled).
const runHere = () =>
  import("./cli/run-cli.ts")
    .then(({ runCli }) => runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin }))
    .then(done);
if (needsRelaunch(argv, process.env)) {
  relaunchServer(argv, process.env).then((code) => (code === undefined ? runHere() : done(code)));
} else {
  runHere();
}
