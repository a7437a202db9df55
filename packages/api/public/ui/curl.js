/**
 * The curl command that submits the same job again: its input, output,
 * preset and resolved options. With API_KEY set it reads the key from the
 * shell's $API_KEY: the page never knows the key.
 */
export function curlOf(job, needsKey) {
  const options = Object.fromEntries(Object.entries(job.options ?? {}).filter(([, value]) => value !== null));
  const body = {
    input: job.input,
    output: job.output,
    preset: job.preset,
    options,
    priority: job.priority,
    stream_copy: job.stream_copy,
    ...(job.overwrite ? { overwrite: true } : {}),
    ...(job.webhook_url ? { webhook_url: job.webhook_url } : {}),
  };
  const lines = [
    `curl -X POST ${quote(`${window.location.origin}/convert`)}`,
    "-H 'Content-Type: application/json'",
    ...(needsKey ? ['-H "X-API-Key: $API_KEY"'] : []),
    `-d ${quote(JSON.stringify(body))}`,
  ];
  return lines.join(" \\\n  ");
}

/** Single-quoted for a POSIX shell. */
function quote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
