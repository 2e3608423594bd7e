// The store and crons with the official JS SDK: what test_store_api.py and test_crons.py check
// with the Python SDK, seen by the JS client.
// Usage: node store_and_crons.mjs <API_URL>
// Prints ONE JSON object to stdout with everything it observed; tests/e2e/test_js_client.py makes
// the assertions.
import { randomUUID } from "node:crypto";

import { Client } from "@langchain/langgraph-sdk";

import { describeError, requireApiUrl, runAndReport } from "./common.mjs";

const apiUrl = requireApiUrl("store_and_crons.mjs");
const client = new Client({ apiUrl });
const observed = {};

await runAndReport(observed, async () => {
  const root = `js${randomUUID().slice(0, 8)}`;
  await client.store.putItem([root, "a"], "k1", { topic: "cats" });
  await client.store.putItem([root, "b"], "k2", { topic: "dogs" });
  observed.item = await client.store.getItem([root, "a"], "k1");
  observed.missing = await client.store.getItem([root, "a"], "nope");
  observed.searched = await client.store.searchItems([root], { filter: { topic: "dogs" } });
  observed.namespaces = await client.store.listNamespaces({ prefix: [root] });
  await client.store.deleteItem([root, "a"], "k1");
  observed.deleted = await client.store.getItem([root, "a"], "k1");

  const thread = await client.threads.create();
  observed.threadId = thread.thread_id;
  const cron = await client.crons.createForThread(thread.thread_id, "gated", {
    schedule: "0 9 * * 1", input: { label: "js" }, metadata: { via: "js" },
  });
  observed.cron = cron;
  observed.counted = await client.crons.count({ threadId: thread.thread_id });
  observed.updated = await client.crons.update(cron.cron_id, { schedule: "0 10 * * 2", enabled: false });
  observed.searched_crons = await client.crons.search({ threadId: thread.thread_id });
  await client.crons.delete(cron.cron_id);
  observed.counted_after = await client.crons.count({ threadId: thread.thread_id });
  try {
    await client.crons.delete(cron.cron_id);
    observed.second_delete = { rejected: false };
  } catch (err) {
    observed.second_delete = { rejected: true, ...describeError(err) };
  }
});
