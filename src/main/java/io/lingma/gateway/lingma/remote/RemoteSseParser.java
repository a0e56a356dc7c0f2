package io.lingma.gateway.lingma.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Parses one remote chat SSE response (lingma-remote.md §7, §8.2) into {@link ChatEvent}s. Stateful, one instance
 * per response, not thread-safe. Feed every line without its terminator to {@link #onLine}, and call
 * {@link #onEof()} when the body ends — or when {@code gateway.remote.done-grace} expires while
 * {@link #awaitingFinishFrame()} is true.
 *
 * <p>Accepted: {@code data:}/{@code data: } lines, {@code event:} names ({@code finish}, {@code error}, others
 * ignored with their data), comments, blank lines, the envelope {@code {"headers","body":"<json text>",
 * "statusCodeValue","statusCode"}} (with or without headers/status), bare OpenAI chunks, {@code "body":"null"},
 * metadata-only bodies. Non-JSON data lines are skipped and counted.
 *
 * <p>Emitted: {@link ChatEvent.TextDelta} for {@code delta.content} (with {@code <thought>…</thought>} split out as
 * {@link ChatEvent.ThinkingDelta}, tags may straddle frames), {@code ThinkingDelta} for
 * {@code delta.reasoning_content}; at the end, in this order: one {@link ChatEvent.ToolCallDelta} per merged tool
 * call (index order of first appearance), one {@link ChatEvent.UsageReport} ({@code estimated=false}) when the
 * upstream reported usage, then {@link ChatEvent.Finish}.
 *
 * <p>End: bare {@code data:[DONE]} ends at once; an envelope {@code [DONE]} waits for the {@code event:finish}
 * metrics frame (which may carry usage). Failures are thrown as {@link RemoteFailure}, never a silent success:
 * EOF without end marker or finish reason ({@code TRANSIENT}/{@code INCOMPLETE}), {@code event:error} or
 * {@code success:false} frames, envelopes with {@code statusCodeValue >= 400} (classified per §8.3), a body
 * without any {@code data:} line ({@code AUTH}: login page), only unparsable frames ({@code PROTOCOL}).
 */
public final class RemoteSseParser {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteSseParser.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern VALID_ID = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");
    private static final String OPEN = "<thought>";
    private static final String CLOSE = "</thought>";

    private final int maxLineChars;
    private final Supplier<String> toolIds;

    private String eventName = "";
    private boolean complete;
    private boolean failed;
    private boolean doneSeen;
    private boolean emitted;
    private boolean inThought;
    private final StringBuilder pending = new StringBuilder();
    private final Map<Integer, ToolBuffer> toolCalls = new LinkedHashMap<>();
    private String finishReason;
    private Usage usage;
    private String upstreamModel;
    private final Map<String, Long> metrics = new LinkedHashMap<>();
    private int dataLines;
    private int otherLines;
    private int validFrames;
    private int skippedFrames;

    /** A parser with the default 16 MiB line cap and random {@code call_…} ids for id-less tool calls. */
    public RemoteSseParser() {
        this(16 * 1024 * 1024, () -> Ids.base62("call_", 24));
    }

    /**
     * @param maxLineChars longest accepted line in characters ({@code gateway.remote.max-sse-line})
     * @param toolIds      id source for tool calls whose upstream id is missing or not
     *                     {@code ^[A-Za-z0-9_-]{1,64}$} (client-api.md §10.6)
     */
    public RemoteSseParser(int maxLineChars, Supplier<String> toolIds) {
        this.maxLineChars = maxLineChars;
        this.toolIds = toolIds;
    }

    /**
     * @param line one line without its {@code \n}; a trailing {@code \r} is tolerated
     * @return events produced by this line (often empty); after the stream completed or failed, always empty
     * @throws RemoteFailure on an error frame or envelope, or a line longer than the cap
     */
    public List<ChatEvent> onLine(String line) {
        if (complete || failed) {
            return List.of();
        }
        String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (l.length() > maxLineChars) {
            throw fail(new RemoteFailure(RemoteFailure.Kind.PROTOCOL, "remote SSE line of " + l.length()
                    + " characters exceeds gateway.remote.max-sse-line (" + maxLineChars + ")"));
        }
        if (l.isEmpty()) {
            eventName = "";
            return List.of();
        }
        if (l.startsWith(":")) {
            return List.of();
        }
        if (l.startsWith("event:")) {
            eventName = l.substring(6).trim();
            return List.of();
        }
        if (l.startsWith("data:")) {
            dataLines++;
            List<ChatEvent> out = new ArrayList<>();
            onData(l.substring(5).trim(), out);
            return out;
        }
        if (l.startsWith("id:") || l.startsWith("retry:")) {
            return List.of();
        }
        otherLines++;
        return List.of();
    }

    /**
     * Ends the stream: call at EOF, or when {@code done-grace} expired after an envelope {@code [DONE]}.
     *
     * @return the closing events (tool calls, usage, finish) when the stream ended properly
     * @throws RemoteFailure when it did not (see the class description)
     */
    public List<ChatEvent> onEof() {
        if (complete || failed) {
            return List.of();
        }
        if (doneSeen || finishReason != null) {
            List<ChatEvent> out = new ArrayList<>();
            finish(out);
            return out;
        }
        if (dataLines == 0 && otherLines > 0) {
            throw fail(new RemoteFailure(RemoteFailure.Kind.AUTH, RemoteFailure.Detail.NONE, 200, null, null, null,
                    "remote chat returned a page without SSE data (login page — login expired?)", null));
        }
        if (validFrames == 0 && skippedFrames > 0) {
            throw fail(protocolFailure());
        }
        throw fail(new RemoteFailure(RemoteFailure.Kind.TRANSIENT, RemoteFailure.Detail.INCOMPLETE, -1, null, null,
                null, "Lingma remote stream ended without an end marker (upstream_incomplete)", null));
    }

    /** @return true once any text or reasoning delta was produced (lingma-remote.md §9.2 rule 4) */
    public boolean emitted() {
        return emitted;
    }

    /** @return true after {@link ChatEvent.Finish} was returned; stop reading then */
    public boolean complete() {
        return complete;
    }

    /**
     * @return true after an envelope {@code [DONE]} while the finish frame is still awaited: start the
     * {@code done-grace} timer and call {@link #onEof()} when it expires
     */
    public boolean awaitingFinishFrame() {
        return doneSeen && !complete && !failed;
    }

    /** @return number of {@code data:} payloads skipped because they were not JSON */
    public int skippedFrames() {
        return skippedFrames;
    }

    /** @return the upstream {@code model} of the chunks, or null */
    public String upstreamModel() {
        return upstreamModel;
    }

    /**
     * @return finish-frame durations in ms ({@code firstTokenDuration}, {@code serverDuration},
     * {@code totalDuration}) as far as reported
     */
    public Map<String, Long> metrics() {
        return Map.copyOf(metrics);
    }

    private void onData(String payload, List<ChatEvent> out) {
        String event = eventName;
        if (payload.equals("[DONE]")) {
            finish(out);
            return;
        }
        JsonNode node = parse(payload);
        if (node == null || !node.isObject()) {
            skip(payload);
            return;
        }
        if (event.equals("error") || node.path("success").isBoolean() && !node.path("success").asBoolean()) {
            throw fail(RemoteFailure.fromErrorFrame(node));
        }
        boolean envelope = node.has("body") || node.has("statusCodeValue");
        if (event.equals("finish") || (!envelope && !node.has("choices") && isMetrics(node))) {
            readMetrics(node);
            finish(out);
            return;
        }
        if (!event.isEmpty() && !event.equals("message")) {
            return;
        }
        if (!envelope) {
            validFrames++;
            onChunk(node, out);
            return;
        }
        int status = node.path("statusCodeValue").asInt(200);
        JsonNode body = node.path("body");
        String bodyText = body.isTextual() ? body.asText() : body.isMissingNode() || body.isNull() ? ""
                : body.toString();
        if (status >= 400) {
            String text = bodyText.isBlank() ? node.path("statusMessage").asText(node.path("statusCode").asText(""))
                    : bodyText;
            throw fail(RemoteFailure.fromEnvelope(status, text));
        }
        String trimmed = bodyText.trim();
        if (trimmed.isEmpty() || trimmed.equals("null")) {
            return;
        }
        if (trimmed.equals("[DONE]")) {
            doneSeen = true;
            return;
        }
        JsonNode inner = body.isObject() ? body : parse(trimmed);
        if (inner == null || !inner.isObject()) {
            skip(trimmed);
            return;
        }
        validFrames++;
        onChunk(inner, out);
    }

    private void onChunk(JsonNode chunk, List<ChatEvent> out) {
        if (chunk.path("model").isTextual() && !chunk.path("model").asText().isBlank()) {
            upstreamModel = chunk.path("model").asText();
        }
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.has("delta") ? choice.path("delta") : choice.path("message");
            String reasoning = delta.path("reasoning_content").asText("");
            if (!reasoning.isEmpty()) {
                emitted = true;
                out.add(new ChatEvent.ThinkingDelta(reasoning));
            }
            String content = delta.path("content").isTextual() ? delta.path("content").asText() : "";
            if (!content.isEmpty()) {
                appendContent(content, out);
            }
            int position = 0;
            for (JsonNode fragment : delta.path("tool_calls")) {
                mergeToolCall(fragment, position++);
            }
            JsonNode reason = choice.path("finish_reason");
            if (reason.isTextual() && !reason.asText().isBlank()) {
                finishReason = reason.asText();
            }
        }
        if (chunk.path("usage").isObject()) {
            readUsage(chunk.path("usage"));
        }
    }

    private void appendContent(String text, List<ChatEvent> out) {
        pending.append(text);
        while (true) {
            String tag = inThought ? CLOSE : OPEN;
            int at = pending.indexOf(tag);
            if (at >= 0) {
                emitText(pending.substring(0, at), out);
                pending.delete(0, at + tag.length());
                inThought = !inThought;
                continue;
            }
            // hold back a suffix that may be the start of a tag split across frames
            int keep = partialTagSuffix(tag);
            emitText(pending.substring(0, pending.length() - keep), out);
            pending.delete(0, pending.length() - keep);
            return;
        }
    }

    private int partialTagSuffix(String tag) {
        for (int k = Math.min(tag.length() - 1, pending.length()); k > 0; k--) {
            if (pending.substring(pending.length() - k).equals(tag.substring(0, k))) {
                return k;
            }
        }
        return 0;
    }

    private void emitText(String text, List<ChatEvent> out) {
        if (text.isEmpty()) {
            return;
        }
        emitted = true;
        out.add(inThought ? new ChatEvent.ThinkingDelta(text) : new ChatEvent.TextDelta(text));
    }

    private void mergeToolCall(JsonNode fragment, int position) {
        int index = fragment.path("index").canConvertToInt() ? fragment.path("index").asInt() : position;
        ToolBuffer buffer = toolCalls.computeIfAbsent(index, i -> new ToolBuffer());
        String id = fragment.path("id").asText("");
        if (!id.isBlank()) {
            buffer.id = id;
        }
        JsonNode function = fragment.path("function");
        String name = function.path("name").asText("");
        if (!name.isBlank()) {
            buffer.name = name;
        }
        JsonNode arguments = function.path("arguments");
        if (arguments.isTextual()) {
            buffer.arguments.append(arguments.asText());
        } else if (arguments.isObject()) {
            buffer.arguments.append(arguments.toString());
        }
    }

    private void finish(List<ChatEvent> out) {
        if (validFrames == 0 && skippedFrames > 0) {
            throw fail(protocolFailure());
        }
        if (pending.length() > 0) {
            // an unfinished tag prefix at the very end is literal text
            String rest = pending.toString();
            pending.setLength(0);
            emitText(rest, out);
        }
        List<ToolCall> calls = new ArrayList<>();
        for (ToolBuffer buffer : toolCalls.values()) {
            if (buffer.name.isEmpty() && buffer.arguments.isEmpty()) {
                continue;
            }
            String id = VALID_ID.matcher(buffer.id).matches() ? buffer.id : toolIds.get();
            String arguments = buffer.arguments.toString().isBlank() ? "{}" : buffer.arguments.toString();
            calls.add(new ToolCall(id, buffer.name, arguments));
        }
        calls.forEach(call -> out.add(new ChatEvent.ToolCallDelta(call)));
        if (usage != null) {
            out.add(new ChatEvent.UsageReport(usage));
        }
        out.add(new ChatEvent.Finish(finishReason(!calls.isEmpty())));
        complete = true;
    }

    private FinishReason finishReason(boolean hasCalls) {
        String reason = finishReason == null ? "" : finishReason;
        FinishReason mapped = switch (reason) {
            case "length", "max_tokens" -> FinishReason.LENGTH;
            case "tool_calls", "function_call", "tool_use" -> FinishReason.TOOL_CALLS;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;
        };
        return hasCalls && mapped == FinishReason.STOP ? FinishReason.TOOL_CALLS : mapped;
    }

    private void readUsage(JsonNode node) {
        JsonNode prompt = node.has("prompt_tokens") ? node.path("prompt_tokens") : node.path("input_tokens");
        JsonNode completion = node.has("completion_tokens") ? node.path("completion_tokens")
                : node.path("output_tokens");
        if (!prompt.canConvertToLong() && !completion.canConvertToLong()) {
            return;
        }
        long reasoning = node.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
        long cached = node.has("prompt_tokens_details")
                ? node.path("prompt_tokens_details").path("cached_tokens").asLong(0)
                : node.path("cache_read_input_tokens").asLong(0);
        usage = new Usage(prompt.asLong(0), completion.asLong(0), reasoning, cached, false);
    }

    private void readMetrics(JsonNode node) {
        for (String name : List.of("firstTokenDuration", "serverDuration", "totalDuration")) {
            if (node.path(name).canConvertToLong()) {
                metrics.put(name, node.path(name).asLong());
            }
        }
        if (node.path("usage").isObject()) {
            readUsage(node.path("usage"));
        }
    }

    private static boolean isMetrics(JsonNode node) {
        return node.has("firstTokenDuration") || node.has("totalDuration") || node.has("serverDuration");
    }

    private void skip(String payload) {
        skippedFrames++;
        LOG.warn("skipping a non-JSON remote SSE data payload ({} characters)", payload.length());
    }

    private RemoteFailure protocolFailure() {
        return new RemoteFailure(RemoteFailure.Kind.PROTOCOL, "Lingma remote stream carried only unparsable "
                + "frames (" + skippedFrames + " skipped)");
    }

    private RemoteFailure fail(RemoteFailure failure) {
        failed = true;
        return failure;
    }

    private static JsonNode parse(String text) {
        if (text.isEmpty() || (text.charAt(0) != '{' && text.charAt(0) != '[')) {
            return null;
        }
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private static final class ToolBuffer {
        String id = "";
        String name = "";
        final StringBuilder arguments = new StringBuilder();
    }
}
