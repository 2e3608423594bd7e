// The JS SDK's thread-centric stream (Agent Protocol v2: `client.threads.stream`), over SSE and over
// a WebSocket (argument 3: "sse" or "websocket"): a tool-calling run (messages, tool calls, output),
// an interrupt answered with `input.respond`, a subgraph, and custom events. Driven by
// tests/e2e/test_js_client.py.
import { Client } from "@langchain/langgraph-sdk";
import { requireApiUrl, runAndReport } from "./common.mjs";

const apiUrl = requireApiUrl("thread_stream.mjs");
const transport = process.argv[3] || "sse";
const client = new Client({ apiUrl });
const observed = { transport };
const within = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

function recorder(thread) {
  const events = [];
  thread.onEvent((event) => events.push({ method: event.method, namespace: event.params.namespace, data: event.params.data }));
  return events;
}

await runAndReport(observed, async () => {
  // A tool-calling run of the bundled agent.
  const agent = client.threads.stream({ assistantId: "agent", transport });
  const agentEvents = recorder(agent);
  const toolCalls = [];
  const collecting = (async () => {
    for await (const call of agent.toolCalls) {
      toolCalls.push({ name: call.name, callId: call.callId, input: call.input, output: await call.output });
      return;
    }
  })();
  const texts = [];
  const reading = (async () => {
    for await (const message of agent.messages) {
      const deltas = [];
      for await (const delta of message.text) deltas.push(delta);
      texts.push({ id: message.id, namespace: message.namespace, deltas });
      if (deltas.join("").startsWith("The weather")) return;
    }
  })();
  const started = await agent.run.start({ input: { messages: [{ role: "user", content: "what's the weather in sf" }] } });
  const output = await within(agent.output, 30_000, "agent output");
  await within(collecting, 30_000, "tool calls");
  await within(reading, 30_000, "messages");
  observed.agent = { thread_id: agent.threadId, run_id: started.run_id, output, tool_calls: toolCalls, texts, events: agentEvents };
  await agent.close();

  // Human in the loop: the run stops at its interrupt; `input.respond` resumes it.
  const hitl = client.threads.stream({ assistantId: "hitl", transport });
  await hitl.run.start({ input: { draft: "tides" } });
  await within((async () => { while (!hitl.interrupts.length) await new Promise((r) => setTimeout(r, 50)); })(), 30_000, "interrupt");
  const [interrupt] = hitl.interrupts;
  await hitl.input.respond({ namespace: interrupt.namespace, interrupt_id: interrupt.interruptId, response: "yes" });
  let state;
  await within((async () => {
    for (;;) {
      state = await client.threads.getState(hitl.threadId);
      if (state.values.published === true) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  })(), 30_000, "the resumed run");
  observed.hitl = { interrupt, values: state.values };
  await hitl.close();

  // A subgraph: its handle names its namespace; custom events pass through as the node wrote them.
  const nested = client.threads.stream({ assistantId: "nested", transport });
  const nestedEvents = recorder(nested);
  const subgraphs = [];
  const watching = (async () => {
    for await (const sub of nested.subgraphs) {
      subgraphs.push({ name: sub.name, namespace: sub.namespace, graphName: sub.graphName ?? null });
      return;
    }
  })();
  await nested.run.start({ input: { topic: "tides" } });
  observed.nested = { output: await within(nested.output, 30_000, "nested output") };
  await within(watching, 30_000, "subgraphs");
  observed.nested.subgraphs = subgraphs;
  observed.nested.events = nestedEvents;
  await nested.close();
});
process.exit(process.exitCode ?? 0);
