// Streaming runs over SSE with the official JS SDK: the JS client's view of what
// test_streaming.py checks with the Python SDK (values/updates, messages-tuple tokens, custom
// events of a stateless run, the error event of a failing run, and joining a finished stream).
// Usage: node streaming.mjs <API_URL>
//
// Prints ONE JSON object to stdout with every part each stream yielded ({id, event, data});
// tests/e2e/test_js_client.py makes the assertions. On an unexpected error it still prints what
// it saw so far, plus an "error" entry, and exits 1.
import { Client } from "@langchain/langgraph-sdk";

import { describeError, requireApiUrl, runAndReport } from "./common.mjs";

const apiUrl = requireApiUrl("streaming.mjs");

const GUIDE_INPUT = { messages: [{ role: "user", content: "what's the weather in sf" }] };


function part({ id, event, data }) {
  return { id: id ?? null, event, data };
}

// Every part a stream yields, in order. An exception propagates (with the parts seen so far
// kept in `sink`, when given), so an unexpected failure is reported with context.
async function collect(stream, sink = []) {
  for await (const p of stream) sink.push(part(p));
  return sink;
}

// Every part a stream yields, and whether (and with what) the iteration threw once it ended.
async function collectOrThrown(stream) {
  const parts = [];
  try {
    await collect(stream, parts);
    return { parts, threw: null };
  } catch (err) {
    return { parts, threw: describeError(err) };
  }
}

const observed = {};

// The agent with two stream modes, on a thread; then that finished run joined again.
async function valuesAndUpdates(client) {
  const o = (observed.valuesUpdates = {});
  const threadId = (await client.threads.create()).thread_id;
  o.threadId = threadId;
  let created = null;
  const parts = (o.parts = []);
  await collect(
    client.runs.stream(threadId, "agent", {
      input: GUIDE_INPUT,
      streamMode: ["values", "updates"],
      onRunCreated: (meta) => {
        created = meta;
      },
    }),
    parts,
  );
  o.runCreated = created;
  const runId = parts[0]?.data?.run_id;
  o.run = await client.runs.get(threadId, runId);
  o.state = await client.threads.getState(threadId);

  // Join the finished run: from the start, after its fourth event, and only its values.
  const j = (observed.join = {});
  j.replayed = await collect(client.runs.joinStream(threadId, runId, { lastEventId: "-1" }));
  const fourth = parts[3]?.id;
  j.afterId = fourth;
  j.rest = await collect(client.runs.joinStream(threadId, runId, { lastEventId: fourth }));
  j.onlyValues = await collect(
    client.runs.joinStream(threadId, runId, { lastEventId: "-1", streamMode: "values" }),
  );
}

// The agent's tokens: [message chunk, metadata] tuples.
async function messagesTuple(client) {
  const o = (observed.messagesTuple = {});
  const threadId = (await client.threads.create()).thread_id;
  o.threadId = threadId;
  o.parts = await collect(
    client.runs.stream(threadId, "agent", { input: GUIDE_INPUT, streamMode: "messages-tuple" }),
  );
  o.state = await client.threads.getState(threadId);
}

// Custom events written from inside a node, on a stateless run.
async function statelessCustom(client) {
  const o = (observed.custom = {});
  let created = null;
  o.parts = await collect(
    client.runs.stream(null, "writer", {
      input: { items: 4 },
      streamMode: ["custom", "values"],
      onRunCreated: (meta) => {
        created = meta;
      },
    }),
  );
  o.runCreated = created;
}

// A run whose only node raises: what the stream yields, and whether iterating it throws.
async function failing(client) {
  const o = (observed.failing = {});
  const threadId = (await client.threads.create()).thread_id;
  o.threadId = threadId;
  Object.assign(o, await collectOrThrown(client.runs.stream(threadId, "failing", { input: { value: 1 } })));
  const runId = o.parts[0]?.data?.run_id;
  o.run = runId ? await client.runs.get(threadId, runId) : null;
  // The same stream joined after the run failed: it ends with the same error event.
  o.joined = runId ? await collectOrThrown(client.runs.joinStream(threadId, runId, { lastEventId: "-1" })) : null;
}

async function main() {
  const client = new Client({ apiUrl });
  await valuesAndUpdates(client);
  await messagesTuple(client);
  await statelessCustom(client);
  await failing(client);
}

await runAndReport(observed, main);
