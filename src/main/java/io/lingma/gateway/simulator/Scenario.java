package io.lingma.gateway.simulator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A scripted {@code session/prompt} turn (lingma-ipc.md §10.5 "scripting hooks", §10.6 faults). The first scenario
 * whose {@link #match} hits the prompt text scripts the turn; if none matches, the simulator streams its default reply
 * ({@code Hello from the Lingma simulator … You said: …}).
 *
 * <h2>File format (YAML or JSON)</h2>
 * A file holds {@code scenarios: [ … ]} (a bare top-level list is accepted too). Every field except {@code match} is
 * optional; unknown fields are rejected so typos fail loudly.
 * <pre>{@code
 * scenarios:
 *   - name: thinking                 # label used in logs and RecordedPrompt.scenario
 *     match: "[sim:thinking]"        # substring of the prompt text; "re:<regex>" for a regex (find, not full match)
 *     thoughts: ["Let me think", "…"] # agent_thought_chunk updates, with _meta["ai-coding/thinking-duration-millis"]
 *     thinkingDurationMs: 1200       # total thinking time reported, spread over the thought chunks (default 100/chunk)
 *     chunks: ["Hel", "lo"]          # agent_message_chunk texts, sent as given ([] = no message chunk at all)
 *     reply: "Hello 你好 ```json …"   # alternative to chunks: split at code-point boundaries into chunkSize pieces
 *     chunkSize: 8                   # code points per reply chunk (default 8; splits inside CJK and ``` fences)
 *     chunkDelayMs: 20               # delay between chunks in ms (default: SimulatorOptions.defaultChunkDelayMs)
 *     delayFirstChunkMs: 500         # delay before the first chunk in ms (default: chunkDelayMs)
 *     contextUsage: {usedTokens: 5123, limitTokens: 131072}   # default: estimated from the session history
 *     finishReason: finished         # chat_finish data.reason (default "finished")
 *     finishStatusCode: 500          # adds chat_finish data.statusCode (absent by default)
 *     fullAnswer: "…"                # chat_finish data.fullAnswer (default "")
 *     promptResponse: end            # end: {"stopReason":…} after chat_finish (default) | immediate: null result
 *                                    #   before the stream | none: never answer session/prompt
 *     stopReason: end_turn           # stopReason of the end-of-turn response (default end_turn)
 *     error: {code: -32000, message: "boom"}  # answer session/prompt with this error and stream nothing
 *     disconnectAfterChunks: 2       # close the WebSocket after N message chunks (0 = before any chunk)
 *     stallAfterChunks: 1            # send N message chunks, then nothing (no chat_finish, no response) until
 *                                    #   session/cancel, which ends the turn with reason "cancelled"
 *     transientFaults: true          # error, disconnect and stall hit only the first prompt with a given text; a
 *                                    #   replay of that text gets the reply without them (a passing fault)
 *     noise: true                    # interleave step callbacks, snapshot/syncAll, title update, foreign-request-id and
 *                                    #   no-_meta updates, tool_call/tool_call_update/plan, a sub-task update and an
 *                                    #   unknown sessionUpdate kind; none of their text belongs to the answer
 *     serverRequests:                # server→client requests sent before the first chunk; answers are recorded
 *       - {method: session/request_permission, id: 7}
 *       - {method: fs/read_text_file, id: "srv-1", params: {path: /tmp/x}}
 *     framing: text                  # text (one frame per text message, default) | binary | packed (two frames per
 *                                    #   message) | split (one frame across two messages, cut inside a multibyte
 *                                    #   character when there is one — those halves go as binary messages)
 * }</pre>
 * When none of {@code thoughts}, {@code chunks}, {@code reply} and {@code fullAnswer} is given, the default reply
 * text is streamed with the scenario's faults and timing applied.
 *
 * @param name                  label for logs; defaults to {@code match}
 * @param match                 substring of the prompt text, or {@code re:}-prefixed regular expression (required)
 * @param thoughts              thought chunk texts
 * @param chunks                message chunk texts, exactly as sent
 * @param reply                 message text chunked automatically (mutually exclusive with {@code chunks})
 * @param chunkSize             code points per automatic chunk, ≥ 1 (default 8)
 * @param chunkDelayMs          milliseconds between chunks, ≥ 0
 * @param delayFirstChunkMs     milliseconds before the first chunk, ≥ 0
 * @param thinkingDurationMs    total reported thinking time in milliseconds
 * @param contextUsage          fixed {@code context_usage} numbers
 * @param finishReason          {@code chat_finish} {@code data.reason}
 * @param finishStatusCode      {@code chat_finish} {@code data.statusCode}, e.g. 500
 * @param fullAnswer            {@code chat_finish} {@code data.fullAnswer}
 * @param promptResponse        when {@code session/prompt} is answered
 * @param stopReason            {@code stopReason} of the end-of-turn response
 * @param error                 JSON-RPC error answering {@code session/prompt} instead of a turn
 * @param disconnectAfterChunks close the connection after this many message chunks, ≥ 0
 * @param stallAfterChunks      go silent after this many message chunks, ≥ 0
 * @param transientFaults       apply {@code error}, {@code disconnectAfterChunks} and {@code stallAfterChunks} to the
 *                              first prompt with a given text only
 * @param noise                 interleave the §5.5/§5.6 notifications a client must ignore
 * @param serverRequests        server→client requests sent during the turn
 * @param framing               how the turn's outbound frames are packed into WebSocket messages (§10.3)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Scenario(String name, String match, List<String> thoughts, List<String> chunks, String reply,
                       Integer chunkSize, Long chunkDelayMs, Long delayFirstChunkMs, Long thinkingDurationMs,
                       ContextUsage contextUsage, String finishReason, Integer finishStatusCode, String fullAnswer,
                       PromptResponse promptResponse, String stopReason, ErrorReply error,
                       Integer disconnectAfterChunks, Integer stallAfterChunks, Boolean transientFaults,
                       Boolean noise, List<ServerRequest> serverRequests, Framing framing) {

    /** Prefix turning {@link #match} into a regular expression. */
    public static final String REGEX_PREFIX = "re:";
    /** Code points per automatic {@link #reply} chunk when {@link #chunkSize} is not set. */
    public static final int DEFAULT_CHUNK_SIZE = 8;

    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    /**
     * Validates the scenario.
     *
     * @throws IllegalArgumentException if {@code match} is blank or an invalid regex, both {@code chunks} and
     *                                  {@code reply} are set, a count or delay is negative, or a server request has no
     *                                  method or an id that is neither a number nor a string
     */
    public Scenario {
        if (match == null || match.isEmpty() || match.equals(REGEX_PREFIX)) {
            throw new IllegalArgumentException("scenario " + (name == null ? "" : "'" + name + "' ")
                    + "needs a non-empty 'match'");
        }
        if (match.startsWith(REGEX_PREFIX)) {
            try {
                PATTERNS.computeIfAbsent(match, m -> Pattern.compile(m.substring(REGEX_PREFIX.length())));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("scenario '" + match + "': bad regex: " + e.getMessage(), e);
            }
        }
        if (chunks != null && reply != null) {
            throw new IllegalArgumentException("scenario '" + match + "': set either 'chunks' or 'reply', not both");
        }
        requireAtLeast(match, "chunkSize", chunkSize, 1);
        requireAtLeast(match, "chunkDelayMs", chunkDelayMs, 0);
        requireAtLeast(match, "delayFirstChunkMs", delayFirstChunkMs, 0);
        requireAtLeast(match, "thinkingDurationMs", thinkingDurationMs, 0);
        requireAtLeast(match, "disconnectAfterChunks", disconnectAfterChunks, 0);
        requireAtLeast(match, "stallAfterChunks", stallAfterChunks, 0);
        thoughts = thoughts == null ? null : List.copyOf(thoughts);
        chunks = chunks == null ? null : List.copyOf(chunks);
        serverRequests = serverRequests == null ? null : List.copyOf(serverRequests);
    }

    private static void requireAtLeast(String match, String field, Number value, long min) {
        if (value != null && value.longValue() < min) {
            throw new IllegalArgumentException("scenario '" + match + "': " + field + " must be >= " + min
                    + ", got " + value);
        }
    }

    /**
     * @param promptText the joined text blocks of a {@code session/prompt}
     * @return whether this scenario scripts that prompt (substring, or regex {@code find} for {@code re:})
     */
    public boolean matches(String promptText) {
        if (promptText == null) {
            return false;
        }
        if (match.startsWith(REGEX_PREFIX)) {
            return PATTERNS.computeIfAbsent(match, m -> Pattern.compile(m.substring(REGEX_PREFIX.length())))
                    .matcher(promptText).find();
        }
        return promptText.contains(match);
    }

    /** @return {@link #name} when set, else {@link #match} */
    public String label() {
        return name != null ? name : match;
    }

    /** @return this scenario without its faults ({@code error}, disconnect, stall): what a replay gets */
    public Scenario withoutFaults() {
        return new Scenario(name, match, thoughts, chunks, reply, chunkSize, chunkDelayMs, delayFirstChunkMs,
                thinkingDurationMs, contextUsage, finishReason, finishStatusCode, fullAnswer, promptResponse,
                stopReason, null, null, null, transientFaults, noise, serverRequests, framing);
    }

    /** @return whether any message or thought content is scripted (else the default reply is streamed) */
    public boolean scriptsContent() {
        return thoughts != null || chunks != null || reply != null || fullAnswer != null;
    }

    /**
     * Reads a scenario file.
     *
     * @param file YAML ({@code .yaml}/{@code .yml}/anything else) or JSON ({@code .json}) holding
     *             {@code scenarios: [ … ]} or a bare list
     * @return the scenarios in file order
     * @throws IllegalArgumentException if the file cannot be read or a scenario is invalid (message names the file)
     */
    public static List<Scenario> read(Path file) {
        return ScenarioFiles.read(file);
    }

    /**
     * Parses scenario text.
     *
     * @param yamlOrJson the content of a scenario file (JSON is valid YAML)
     * @return the scenarios in order
     * @throws IllegalArgumentException on a syntax error or an invalid scenario
     */
    public static List<Scenario> parse(String yamlOrJson) {
        return ScenarioFiles.parse(yamlOrJson, "<text>");
    }

    /** @return the built-in scenarios of {@code classpath:simulator/default-scenarios.yaml} */
    public static List<Scenario> defaults() {
        return ScenarioFiles.defaults();
    }

    /**
     * @param match substring, or {@code re:} regex, of the prompt text
     * @return a builder for a scenario with that match
     */
    public static Builder builder(String match) {
        return new Builder(match);
    }

    /**
     * Fixed numbers for the {@code context_usage} notification (§5.5 item 3).
     *
     * @param usedTokens  tokens in use
     * @param limitTokens context window in tokens
     */
    public record ContextUsage(long usedTokens, long limitTokens) {
    }

    /**
     * A JSON-RPC error answering {@code session/prompt} (§5.11).
     *
     * @param code    JSON-RPC error code, e.g. -32000
     * @param message error text
     */
    public record ErrorReply(int code, String message) {
    }

    /**
     * A server→client request sent during the turn (§4.4, §10.6).
     *
     * @param method request method, e.g. {@code session/request_permission}
     * @param id     integer or string id; {@code null} = a simulator-assigned integer
     * @param params request params; {@code null} = {@code {"sessionId":<the turn's session>}}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ServerRequest(String method, Object id, Map<String, Object> params) {

        /** @throws IllegalArgumentException on a blank method or an id that is neither integral nor a string */
        public ServerRequest {
            if (method == null || method.isBlank()) {
                throw new IllegalArgumentException("serverRequests entry needs a 'method'");
            }
            if (id != null && !(id instanceof Integer || id instanceof Long || id instanceof String)) {
                throw new IllegalArgumentException("serverRequests id must be an integer or a string, got " + id);
            }
        }
    }

    /** When the {@code session/prompt} request gets its response (§5.4, §11 item 2). */
    public enum PromptResponse {
        /** {@code {"stopReason":…}} after {@code chat_finish} (default, ACP-style). */
        @JsonProperty("end") END,
        /** {@code result:null} before the first notification. */
        @JsonProperty("immediate") IMMEDIATE,
        /** Never answered; the turn is driven by notifications only. */
        @JsonProperty("none") NONE
    }

    /** How outbound frames of a turn map onto WebSocket messages (§4.3, §10.3). */
    public enum Framing {
        /** One frame per text message (what Lingma and LP do). */
        @JsonProperty("text") TEXT,
        /** One frame per binary message. */
        @JsonProperty("binary") BINARY,
        /** Two consecutive frames concatenated into one message. */
        @JsonProperty("packed") PACKED,
        /** Each frame cut across two messages, inside a multibyte character when the frame has one. */
        @JsonProperty("split") SPLIT
    }

    /** Fluent construction of a {@link Scenario} from Java; every setter is optional. */
    public static final class Builder {
        private final String match;
        private String name;
        private List<String> thoughts;
        private List<String> chunks;
        private String reply;
        private Integer chunkSize;
        private Long chunkDelayMs;
        private Long delayFirstChunkMs;
        private Long thinkingDurationMs;
        private ContextUsage contextUsage;
        private String finishReason;
        private Integer finishStatusCode;
        private String fullAnswer;
        private PromptResponse promptResponse;
        private String stopReason;
        private ErrorReply error;
        private Integer disconnectAfterChunks;
        private Integer stallAfterChunks;
        private Boolean transientFaults;
        private Boolean noise;
        private final List<ServerRequest> serverRequests = new ArrayList<>();
        private Framing framing;

        private Builder(String match) {
            this.match = match;
        }

        /** @param value label @return this */
        public Builder name(String value) { name = value; return this; }

        /** @param values thought chunk texts @return this */
        public Builder thoughts(String... values) { thoughts = List.of(values); return this; }

        /** @param values message chunk texts, sent as given @return this */
        public Builder chunks(String... values) { chunks = List.of(values); return this; }

        /** @param value message text chunked automatically @return this */
        public Builder reply(String value) { reply = value; return this; }

        /** @param value code points per automatic chunk @return this */
        public Builder chunkSize(int value) { chunkSize = value; return this; }

        /** @param value milliseconds between chunks @return this */
        public Builder chunkDelayMs(long value) { chunkDelayMs = value; return this; }

        /** @param value milliseconds before the first chunk @return this */
        public Builder delayFirstChunkMs(long value) { delayFirstChunkMs = value; return this; }

        /** @param value total thinking time in milliseconds @return this */
        public Builder thinkingDurationMs(long value) { thinkingDurationMs = value; return this; }

        /** @param used tokens used @param limit context window in tokens @return this */
        public Builder contextUsage(long used, long limit) { contextUsage = new ContextUsage(used, limit); return this; }

        /** @param value {@code chat_finish} reason @return this */
        public Builder finishReason(String value) { finishReason = value; return this; }

        /** @param value {@code chat_finish} statusCode @return this */
        public Builder finishStatusCode(int value) { finishStatusCode = value; return this; }

        /** @param value {@code chat_finish} fullAnswer @return this */
        public Builder fullAnswer(String value) { fullAnswer = value; return this; }

        /** @param value when {@code session/prompt} is answered @return this */
        public Builder promptResponse(PromptResponse value) { promptResponse = value; return this; }

        /** @param value stopReason of the end-of-turn response @return this */
        public Builder stopReason(String value) { stopReason = value; return this; }

        /** @param code JSON-RPC code @param message error text @return this */
        public Builder error(int code, String message) { error = new ErrorReply(code, message); return this; }

        /** @param value message chunks before the connection is closed @return this */
        public Builder disconnectAfterChunks(int value) { disconnectAfterChunks = value; return this; }

        /** @param value message chunks before the turn goes silent @return this */
        public Builder stallAfterChunks(int value) { stallAfterChunks = value; return this; }

        /** @param value faults hit only the first prompt with a given text @return this */
        public Builder transientFaults(boolean value) { transientFaults = value; return this; }

        /** @param value interleave ignorable notifications @return this */
        public Builder noise(boolean value) { noise = value; return this; }

        /** @param method request method @param id integer or string id @return this */
        public Builder serverRequest(String method, Object id) {
            serverRequests.add(new ServerRequest(method, id, null));
            return this;
        }

        /** @param value frame packing @return this */
        public Builder framing(Framing value) { framing = value; return this; }

        /** @return the validated scenario @throws IllegalArgumentException as {@link Scenario#Scenario} */
        public Scenario build() {
            return new Scenario(name, match, thoughts, chunks, reply, chunkSize, chunkDelayMs, delayFirstChunkMs,
                    thinkingDurationMs, contextUsage, finishReason, finishStatusCode, fullAnswer, promptResponse,
                    stopReason, error, disconnectAfterChunks, stallAfterChunks, transientFaults, noise,
                    serverRequests.isEmpty() ? null : serverRequests, framing);
        }
    }
}
