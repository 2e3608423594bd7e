// A chat page on the official React hooks, as a chat UI uses them:
//   ?hook=protocol  `useStream` from @langchain/react (Agent Protocol v2: threads/{id}/commands + stream/events)
//   ?hook=classic   `useStream` from @langchain/langgraph-sdk/react (runs.stream + joinStream, as agent-chat-ui)
// Other query parameters: api (the server), assistant (graph id), field (submit {field: text} instead of a
// human message), thread (set by the page itself once the hook has a thread, so a reload resumes it).
import React, { useState } from "react";
import { createRoot } from "react-dom/client";
import { useStream as useProtocolStream } from "@langchain/react";
import { useStream as useClassicStream } from "@langchain/langgraph-sdk/react";

const params = new URLSearchParams(location.search);
const apiUrl = params.get("api");
const assistantId = params.get("assistant") || "agent";
const field = params.get("field");

function textOf(message) {
  const content = message?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.filter((b) => b && b.type === "text").map((b) => b.text).join("");
  return "";
}

function kindOf(message) {
  if (typeof message?.type === "string") return message.type;
  if (typeof message?._getType === "function") return message._getType();
  return "unknown";
}

// Every distinct text the last AI message showed, in order: the test reads the answer growing from it.
window.__aiTexts = [];
function record(messages) {
  const ai = [...messages].reverse().find((m) => kindOf(m) === "ai");
  const text = ai ? textOf(ai) : "";
  if (text && window.__aiTexts[window.__aiTexts.length - 1] !== text) window.__aiTexts.push(text);
}

function rememberThread(threadId) {
  const url = new URL(location.href);
  url.searchParams.set("thread", threadId);
  history.replaceState(null, "", url);
}

function Chat({ messages, values, interrupt, loading, error, submit, respond }) {
  const [draft, setDraft] = useState("");
  record(messages);
  const send = (event) => {
    event.preventDefault();
    const text = draft;
    setDraft("");
    void submit(field ? { [field]: text } : { messages: [{ type: "human", content: text }] });
  };
  return (
    <main style={{ fontFamily: "sans-serif", maxWidth: 860, margin: "0 auto" }}>
      <h1 style={{ fontSize: 18 }}>temporal-agent-server · {params.get("hook")} · {assistantId}</h1>
      <ul id="messages">
        {messages.map((m, i) => (
          <li key={m.id ?? i} className="message" data-type={kindOf(m)}>
            <b>{kindOf(m)}</b> {textOf(m)}
            {(m.tool_calls ?? []).map((c) => ` → ${c.name}(${JSON.stringify(c.args)})`).join("")}
          </li>
        ))}
      </ul>
      {interrupt ? (
        <div id="interrupt">
          <pre style={{ whiteSpace: "pre-wrap" }}>{JSON.stringify(interrupt.value ?? interrupt.payload)}</pre>
          <button id="approve" onClick={() => void respond("yes")}>Approve</button>
        </div>
      ) : null}
      <pre id="values" style={{ whiteSpace: "pre-wrap", wordBreak: "break-all", fontSize: 11, color: "#555" }}>
        {JSON.stringify(values ?? {})}
      </pre>
      <div id="status">{loading ? "loading" : "idle"}</div>
      {error ? <div id="error">{String(error?.message ?? error)}</div> : null}
      <form onSubmit={send}>
        <input id="input" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button id="send" type="submit">Send</button>
      </form>
    </main>
  );
}

function ProtocolApp() {
  const [threadId, setThreadId] = useState(params.get("thread"));
  const stream = useProtocolStream({
    apiUrl,
    assistantId,
    threadId,
    onThreadId: (id) => {
      setThreadId(id);
      rememberThread(id);
    },
  });
  return (
    <Chat
      messages={stream.messages ?? []}
      values={stream.values}
      interrupt={stream.interrupts?.[0]}
      loading={stream.isLoading}
      error={stream.error}
      submit={(input) => stream.submit(input)}
      respond={(answer) => stream.respond(answer)}
    />
  );
}

function ClassicApp() {
  const [threadId, setThreadId] = useState(params.get("thread"));
  const stream = useClassicStream({
    apiUrl,
    assistantId,
    threadId,
    messagesKey: "messages",
    reconnectOnMount: true,
    onThreadId: (id) => {
      setThreadId(id);
      rememberThread(id);
    },
  });
  const options = { streamResumable: true, onDisconnect: "continue" };
  return (
    <Chat
      messages={stream.messages ?? []}
      values={stream.values}
      interrupt={stream.interrupt}
      loading={stream.isLoading}
      error={stream.error}
      submit={(input) => stream.submit(input, options)}
      respond={(answer) => stream.submit(undefined, { ...options, command: { resume: answer } })}
    />
  );
}

createRoot(document.getElementById("root")).render(params.get("hook") === "classic" ? <ClassicApp /> : <ProtocolApp />);
