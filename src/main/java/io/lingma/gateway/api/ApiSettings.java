package io.lingma.gateway.api;

import java.util.Arrays;
import java.util.List;

/**
 * Settings of the client-API translation (client-api.md §15). Immutable; build it once from the
 * {@code gateway.*} properties.
 *
 * @param defaultModel                the model used for an empty {@code model}; property {@code gateway.default-model},
 *                                    default {@code kmodel}. Carried for the model resolver (client-api.md §3.3);
 *                                    the translation itself keeps the requested name as sent.
 * @param openAiExposeReasoning       {@code gateway.openai.expose-reasoning}, default true: Chat Completions carries
 *                                    thought text as {@code reasoning_content} (client-api.md §4.2)
 * @param anthropicInputJsonChunkSize {@code gateway.anthropic.input-json-chunk-size}, default 0 (one
 *                                    {@code input_json_delta} per tool call); &gt; 0 splits the arguments into
 *                                    pieces of at most this many characters (client-api.md §6.3)
 * @param toolIdGenerator             {@code gateway.tools.id-generator}, default {@code random}; {@code sequential}
 *                                    (tests only) yields {@code call_1}, {@code toolu_1}, … per response for calls
 *                                    that arrive without an id (client-api.md §10.6)
 * @param toolsAllowlist              {@code gateway.tools.allowlist}, default empty (no restriction): declared tools
 *                                    outside the list are removed, a forced one is rejected (client-api.md §10.2)
 * @param responseFormatHint          {@code gateway.response-format.hint}, default false: a {@code json_object} /
 *                                    {@code json_schema} response format adds a system hint (client-api.md §4.1)
 * @param echoRequestedModel          {@code gateway.models.echo-requested}, default false: the {@code model} field
 *                                    of responses echoes the requested name instead of the model used
 *                                    (client-api.md §3.4)
 * @param responses                   the {@code gateway.responses.*} settings of {@code POST /v1/responses}
 *                                    (client-api.md §5)
 */
public record ApiSettings(String defaultModel, boolean openAiExposeReasoning, int anthropicInputJsonChunkSize,
                          ToolIdGenerator toolIdGenerator, List<String> toolsAllowlist, boolean responseFormatHint,
                          boolean echoRequestedModel, ResponsesSettings responses) {

    /**
     * The {@code gateway.responses.*} settings (client-api.md §5, §15).
     *
     * @param doneSentinel           {@code gateway.responses.done-sentinel}, default true: a Responses stream ends with
     *                               {@code data: [DONE]} after its terminal event (§5.4 step 7)
     * @param alwaysComplete         {@code gateway.responses.always-complete}, default false: a failure after the
     *                               commit ends the stream with {@code response.completed} (what was produced)
     *                               instead of {@code response.failed} (§5.4)
     * @param dropTextWithToolCalls  {@code gateway.responses.drop-text-with-tool-calls}, default false: when the
     *                               answer has tool calls its text is dropped (no message item, empty
     *                               {@code output_text}), as lingma-proxy does (§5.2)
     * @param previousResponseId     {@code gateway.responses.previous-response-id} (§5.1)
     */
    public record ResponsesSettings(boolean doneSentinel, boolean alwaysComplete, boolean dropTextWithToolCalls,
                                    PreviousResponseIdPolicy previousResponseId) {

        public ResponsesSettings {
            java.util.Objects.requireNonNull(previousResponseId, "previousResponseId");
        }

        /**
         * @param value the new {@code done-sentinel}
         * @return a copy with {@code doneSentinel} replaced
         */
        public ResponsesSettings withDoneSentinel(boolean value) {
            return new ResponsesSettings(value, alwaysComplete, dropTextWithToolCalls, previousResponseId);
        }

        /**
         * @param value the new {@code always-complete}
         * @return a copy with {@code alwaysComplete} replaced
         */
        public ResponsesSettings withAlwaysComplete(boolean value) {
            return new ResponsesSettings(doneSentinel, value, dropTextWithToolCalls, previousResponseId);
        }

        /**
         * @param value the new {@code drop-text-with-tool-calls}
         * @return a copy with {@code dropTextWithToolCalls} replaced
         */
        public ResponsesSettings withDropTextWithToolCalls(boolean value) {
            return new ResponsesSettings(doneSentinel, alwaysComplete, value, previousResponseId);
        }

        /**
         * @param value the new {@code previous-response-id} policy
         * @return a copy with {@code previousResponseId} replaced
         */
        public ResponsesSettings withPreviousResponseId(PreviousResponseIdPolicy value) {
            return new ResponsesSettings(doneSentinel, alwaysComplete, dropTextWithToolCalls, value);
        }
    }

    /** What a Responses request with {@code previous_response_id} gets ({@code gateway.responses.previous-response-id}). */
    public enum PreviousResponseIdPolicy {
        /** The field is ignored with a warning log; the client must send the full conversation. */
        IGNORE,
        /** 400 {@code previous_response_id is not supported; send the full conversation in input}. */
        REJECT
    }

    /** How ids are made for tool calls that reach an encoder without one ({@code gateway.tools.id-generator}). */
    public enum ToolIdGenerator {
        /** {@code call_} + 24 base62 / {@code toolu_01} + 22 base62 (the default). */
        RANDOM,
        /** {@code call_1}, {@code call_2}, … / {@code toolu_1}, … numbered per response (tests only). */
        SEQUENTIAL
    }

    public ApiSettings {
        defaultModel = defaultModel == null || defaultModel.isBlank() ? "kmodel" : defaultModel.trim();
        anthropicInputJsonChunkSize = Math.max(0, anthropicInputJsonChunkSize);
        java.util.Objects.requireNonNull(toolIdGenerator, "toolIdGenerator");
        toolsAllowlist = toolsAllowlist == null ? List.of() : List.copyOf(toolsAllowlist);
        java.util.Objects.requireNonNull(responses, "responses");
    }

    /**
     * Parses {@code gateway.tools.allowlist}: comma- or newline-separated names, entries trimmed, blanks dropped
     * (client-api.md §16 vector 96).
     *
     * @param value the property value, may be null
     * @return the names in order (empty = no restriction)
     */
    public static List<String> parseAllowlist(String value) {
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split("[,\\r\\n]")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * @param generator the id generator
     * @return a copy with {@code toolIdGenerator} replaced
     */
    public ApiSettings withToolIdGenerator(ToolIdGenerator generator) {
        return new ApiSettings(defaultModel, openAiExposeReasoning, anthropicInputJsonChunkSize, generator,
                toolsAllowlist, responseFormatHint, echoRequestedModel, responses);
    }

    /**
     * @param expose whether Chat Completions exposes {@code reasoning_content}
     * @return a copy with {@code openAiExposeReasoning} replaced
     */
    public ApiSettings withOpenAiExposeReasoning(boolean expose) {
        return new ApiSettings(defaultModel, expose, anthropicInputJsonChunkSize, toolIdGenerator,
                toolsAllowlist, responseFormatHint, echoRequestedModel, responses);
    }

    /**
     * @param chunkSize characters per {@code input_json_delta}; 0 = one delta
     * @return a copy with {@code anthropicInputJsonChunkSize} replaced
     */
    public ApiSettings withAnthropicInputJsonChunkSize(int chunkSize) {
        return new ApiSettings(defaultModel, openAiExposeReasoning, chunkSize, toolIdGenerator,
                toolsAllowlist, responseFormatHint, echoRequestedModel, responses);
    }

    /**
     * @param allowlist allowed tool names (empty = no restriction)
     * @return a copy with {@code toolsAllowlist} replaced
     */
    public ApiSettings withToolsAllowlist(List<String> allowlist) {
        return new ApiSettings(defaultModel, openAiExposeReasoning, anthropicInputJsonChunkSize, toolIdGenerator,
                allowlist, responseFormatHint, echoRequestedModel, responses);
    }

    /**
     * @param hint whether a JSON response format adds the system hint
     * @return a copy with {@code responseFormatHint} replaced
     */
    public ApiSettings withResponseFormatHint(boolean hint) {
        return new ApiSettings(defaultModel, openAiExposeReasoning, anthropicInputJsonChunkSize, toolIdGenerator,
                toolsAllowlist, hint, echoRequestedModel, responses);
    }

    /**
     * @param echo whether responses echo the requested model name
     * @return a copy with {@code echoRequestedModel} replaced
     */
    public ApiSettings withEchoRequestedModel(boolean echo) {
        return new ApiSettings(defaultModel, openAiExposeReasoning, anthropicInputJsonChunkSize, toolIdGenerator,
                toolsAllowlist, responseFormatHint, echo, responses);
    }

    /**
     * @param value the {@code gateway.responses.*} settings
     * @return a copy with {@code responses} replaced
     */
    public ApiSettings withResponses(ResponsesSettings value) {
        return new ApiSettings(defaultModel, openAiExposeReasoning, anthropicInputJsonChunkSize, toolIdGenerator,
                toolsAllowlist, responseFormatHint, echoRequestedModel, value);
    }
}
