// Assistants, threads (state, history, copy) and runs (list, get, delete, cancel, stateless) with
// the official JS SDK: the JS client's view of what test_assistants_api.py, test_threads_api.py
// and test_runs_api.py check with the Python SDK.
// Usage: node resource_api.mjs <API_URL> <WORK_DIR>
//
// WORK_DIR is an existing, empty directory shared with the test (the blocked run's log file and
// its never-opened gate live there). Prints ONE JSON object to stdout with everything it observed;
// tests/e2e/test_js_client.py makes the assertions. On an unexpected error it still prints what
// it saw so far, plus an "error" entry, and exits 1.
import { randomUUID } from "node:crypto";
import { readFileSync, watch } from "node:fs";
import { join } from "node:path";

import { Client } from "@langchain/langgraph-sdk";

import { describeError, requireApiUrl, runAndReport } from "./common.mjs";

const apiUrl = requireApiUrl("resource_api.mjs");
const workDir = process.argv[3];
if (!workDir) {
  console.error("usage: node resource_api.mjs <API_URL> <WORK_DIR>");
  process.exit(2);
}

// A call that should fail: what it rejected with (or what it unexpectedly returned).
async function rejection(promise) {
  try {
    return { rejected: false, value: await promise };
  } catch (err) {
    return { rejected: true, ...describeError(err) };
  }
}

function logLines(path) {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch (err) {
    if (err.code === "ENOENT") return [];
    throw err;
  }
}

// Resolves once `line` is in the log file: woken by file-system events on its directory, not by
// polling. Rejects after `timeoutMs` with the lines seen so far.
function logged(path, line, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const watcher = watch(workDir);
    const done = (fn, value) => {
      clearTimeout(timer);
      watcher.close();
      fn(value);
    };
    const check = () => {
      const lines = logLines(path);
      if (lines.includes(line)) done(resolve, lines);
    };
    const timer = setTimeout(
      () => done(reject, new Error(`${line} not logged after ${timeoutMs} ms: ${JSON.stringify(logLines(path))}`)),
      timeoutMs,
    );
    watcher.on("change", check);
    watcher.on("error", (err) => done(reject, err));
    check(); // it may have been written before the watcher started
  });
}

const observed = {};

async function assistants(client, tag) {
  const a = (observed.assistants = {});
  const created = await client.assistants.create({
    graphId: "agent",
    metadata: { tag, team: "x" },
    name: "js-first",
  });
  a.created = created;
  const id = created.assistant_id;
  a.fetched = await client.assistants.get(id);
  a.updated = await client.assistants.update(id, { metadata: { team: "y", extra: true } });
  a.versions = await client.assistants.getVersions(id);
  a.restored = await client.assistants.setLatest(id, 1);
  a.afterRestore = await client.assistants.get(id);

  a.second = await client.assistants.create({
    graphId: "agent",
    metadata: { tag, team: "z" },
    name: "js-second",
  });
  a.searched = await client.assistants.search({ metadata: { tag }, sortBy: "name", sortOrder: "asc" });
  a.searchedLimit = await client.assistants.search({ metadata: { tag }, limit: 1, sortBy: "name", sortOrder: "asc" });
  a.searchedPage = await client.assistants.search({
    metadata: { tag },
    limit: 1,
    sortBy: "name",
    sortOrder: "asc",
    includePagination: true,
  });
  a.searchedTeamX = await client.assistants.search({ metadata: { tag, team: "x" } });
  a.searchedTeamY = await client.assistants.search({ metadata: { tag, team: "y" } });
  a.count = await client.assistants.count({ metadata: { tag } });
  a.countTeamZ = await client.assistants.count({ metadata: { tag, team: "z" } });
  a.countAgentGraph = await client.assistants.count({ graphId: "agent" });

  // The assistant routes take an assistant's UUID (a graph id is a 422, as on the official server).
  const systemAssistant = async (graphId) =>
    (await client.assistants.search({ graphId, limit: 100 })).find((x) => x.metadata?.created_by === "system")
      .assistant_id;
  a.graph = await client.assistants.getGraph(await systemAssistant("agent"));
  a.graphXray = await client.assistants.getGraph(await systemAssistant("agent"), { xray: true });
  a.schemas = await client.assistants.getSchemas(await systemAssistant("agent"));
  a.gatedSchemas = await client.assistants.getSchemas(await systemAssistant("gated"));

  a.duplicate = await rejection(
    client.assistants.create({ graphId: "agent", assistantId: id, ifExists: "raise", name: "dup" }),
  );
  a.doNothing = await client.assistants.create({
    graphId: "agent",
    assistantId: id,
    ifExists: "do_nothing",
    name: "ignored",
  });
}

async function threads(client, tag) {
  const t = (observed.threads = {});
  const thread = await client.threads.create({ metadata: { tag, n: 1 } });
  t.created = thread;
  const tid = thread.thread_id;
  t.updated = await client.threads.update(tid, { metadata: { n: 2, extra: true } });
  t.other = await client.threads.create({ metadata: { tag, n: 10 } });
  t.searchedN2 = await client.threads.search({ metadata: { tag, n: 2 } });
  t.searched = await client.threads.search({ metadata: { tag }, sortBy: "created_at", sortOrder: "asc" });
  t.count = await client.threads.count({ metadata: { tag } });

  let created;
  t.result = await client.runs.wait(tid, "gated", {
    input: { label: "js" },
    onRunCreated: (meta) => {
      created = meta;
    },
  });
  t.runCreated = created ?? null;
  t.run = created ? await client.runs.get(tid, created.run_id) : null;
  t.afterRun = await client.threads.get(tid);
  t.countByValues = await client.threads.count({ metadata: { tag }, values: { label: "js" } });

  const history = await client.threads.getHistory(tid, { limit: 20 });
  t.history = history;
  const older = history[1]; // after `wait`, before `last`
  t.stateAtId = await client.threads.getState(tid, older.checkpoint.checkpoint_id);
  t.stateAtCheckpoint = await client.threads.getState(tid, older.checkpoint);

  t.stateUpdate = await client.threads.updateState(tid, { values: { trace: ["edited"] }, asNode: "wait" });
  t.stateAfterUpdate = await client.threads.getState(tid);
  t.afterUpdate = await client.threads.get(tid);

  const copy = await client.threads.copy(tid);
  t.copy = copy;
  t.historyOriginal = await client.threads.getHistory(tid, { limit: 50 });
  t.historyCopy = await client.threads.getHistory(copy.thread_id, { limit: 50 });
  t.copyState = await client.threads.getState(copy.thread_id);

  t.deleted = (await client.threads.delete(tid)) ?? null;
  t.getDeleted = await rejection(client.threads.get(tid));
  t.copyAfterDelete = await client.threads.get(copy.thread_id);
}

async function runs(client) {
  const r = (observed.runs = {});
  const tid = (await client.threads.create()).thread_id;
  r.threadId = tid;
  r.first = await client.runs.create(tid, "gated", { input: { label: "r1" } });
  r.firstJoined = await client.runs.join(tid, r.first.run_id);
  r.second = await client.runs.create(tid, "gated", { input: { label: "r2" } });
  r.secondJoined = await client.runs.join(tid, r.second.run_id);
  r.listed = await client.runs.list(tid);
  r.listedPage = await client.runs.list(tid, { limit: 1, offset: 1 });
  r.listedErrors = await client.runs.list(tid, { status: "error" });
  r.got = await client.runs.get(tid, r.first.run_id);
  r.deleted = (await client.runs.delete(tid, r.first.run_id)) ?? null;
  r.getDeleted = await rejection(client.runs.get(tid, r.first.run_id));
  r.listedAfterDelete = await client.runs.list(tid);

  // A run that blocks in its `wait` node (the gate file is never created), cancelled while running.
  const ctid = (await client.threads.create()).thread_id;
  r.cancelThreadId = ctid;
  const log = join(workDir, "blocked.log");
  const gate = join(workDir, "never-opened");
  r.blocked = await client.runs.create(ctid, "gated", { input: { label: "c", log_file: log, gate } });
  r.loggedBeforeCancel = await logged(log, "c:wait-started");
  r.blockedBeforeCancel = await client.runs.get(ctid, r.blocked.run_id);
  r.cancelled = (await client.runs.cancel(ctid, r.blocked.run_id, true)) ?? null;
  r.afterCancel = await client.runs.get(ctid, r.blocked.run_id);
  r.cancelledState = await client.threads.getState(ctid);
  r.cancelledThread = await client.threads.get(ctid);

  // A stateless run: a temporary thread, the values when it ends.
  let created;
  r.stateless = await client.runs.wait(null, "gated", {
    input: { label: "stateless" },
    onRunCreated: (meta) => {
      created = meta;
    },
  });
  r.statelessCreated = created ?? null;
}

async function main() {
  const client = new Client({ apiUrl });
  const tag = randomUUID();
  observed.tag = tag;
  await assistants(client, tag);
  await threads(client, tag);
  await runs(client);
}

await runAndReport(observed, main);
