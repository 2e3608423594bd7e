// What every e2e script shares: its arguments, how errors are described, and how the one JSON
// object of observations is printed (also on failure, with an "error" entry and exit code 1).

export function requireApiUrl(scriptName) {
  const apiUrl = process.argv[2];
  if (!apiUrl) {
    console.error(`usage: node ${scriptName} <API_URL> [args...]`);
    process.exit(2);
  }
  return apiUrl;
}

export function describeError(err) {
  return {
    name: err?.name ?? null,
    status: err?.status ?? null,
    message: err?.message ?? String(err),
    // HTTPError keeps the response body as `text`.
    body: typeof err?.text === "string" ? err.text : null,
  };
}

export async function runAndReport(observed, main) {
  try {
    await main();
    process.stdout.write(JSON.stringify(observed) + "\n");
  } catch (err) {
    observed.error = { ...describeError(err), stack: err?.stack ?? null };
    process.stdout.write(JSON.stringify(observed) + "\n");
    process.exitCode = 1;
  }
}
