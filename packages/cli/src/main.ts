#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// The only file that touches the process: arguments, environment, streams, exit status.
const code = await runCli(
  process.argv.slice(2),
  { CONVERTER_URL: process.env.CONVERTER_URL, CONVERTER_API_KEY: process.env.CONVERTER_API_KEY },
  {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text, newline = true) => process.stderr.write(newline ? `${text}\n` : text),
    errIsTty: process.stderr.isTTY === true,
  },
);
process.exitCode = code;
