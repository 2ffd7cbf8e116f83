#!/usr/bin/env node
// Checks the Node version before loading anything that needs a newer one.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `qa-broker needs Node >= 22.12 but this is Node ${process.versions.node}: run it with \`pnpm exec qa-broker …\` in the qa-broker repo, or with Node 24.\n`,
  );
  process.exit(1);
}
const { run } = await import('../dist/cli.js');
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
