// The background-runs guide (../shared/seed/how-to-kick-off-background-runs.md), step by step,
// with the official JS SDK. Usage: node background_run_guide.mjs <API_URL>
//
// Prints ONE JSON object to stdout with everything it observed; tests/e2e/test_js_client.py
// makes the assertions. On an unexpected error it still prints what it saw so far, plus an
// "error" entry, and exits 1.
import { randomUUID } from "node:crypto";

import { Client } from "@langchain/langgraph-sdk";

import { describeError, requireApiUrl, runAndReport } from "./common.mjs";

const apiUrl = requireApiUrl("background_run_guide.mjs");


const observed = {};

async function main() {
  const client = new Client({ apiUrl });
  // Using the graph deployed with the name "agent"
  const assistantID = "agent";

  // Setup: create a thread.
  const thread = await client.threads.create();
  observed.thread = thread;

  // Check runs on the thread: none yet.
  observed.runs = await client.runs.list(thread["thread_id"]);

  // Start a background run on the thread.
  const input = { messages: [{ role: "user", content: "what's the weather in sf" }] };
  const run = await client.runs.create(thread["thread_id"], assistantID, { input });
  observed.run = run;

  // The first poll: pending (or already running / done).
  observed.polled = await client.runs.get(thread["thread_id"], run["run_id"]);

  // Join the run (waits server-side), then check its status again.
  observed.joined = await client.runs.join(thread["thread_id"], run["run_id"]);
  observed.finished = await client.runs.get(thread["thread_id"], run["run_id"]);

  // The final state of the thread.
  observed.state = await client.threads.getState(thread["thread_id"]);

  // Beyond the guide: the thread afterwards, and its runs.
  observed.after = await client.threads.get(thread["thread_id"]);
  observed.runsAfter = await client.runs.list(thread["thread_id"]);

  // An unknown thread rejects with a 404 error.
  const missingId = randomUUID();
  observed.missingThreadId = missingId;
  try {
    const unexpected = await client.threads.get(missingId);
    observed.missingThread = { rejected: false, value: unexpected };
  } catch (err) {
    observed.missingThread = { rejected: true, ...describeError(err) };
  }
}

await runAndReport(observed, main);
