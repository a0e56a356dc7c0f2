package io.lingma.gateway.tools;

import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.UpstreamTurn;

/**
 * Entry point of the tool emulation for the backends (client-api.md §10): the contract to inject and the turn
 * wrappers that parse, filter, retry and emit tool calls. One instance per application; thread-safe.
 */
public final class ToolEmulation {

    private final ToolSettings settings;
    private final ToolCallParser parser;
    private final ToolContract contract;
    private final ToolRetryPolicy retryPolicy;
    private final TokenEstimator estimator;

    /**
     * @param settings  the {@code gateway.tools.*} settings
     * @param estimator the token estimator used to recompute estimated output usage (§10.8 step 6)
     */
    public ToolEmulation(ToolSettings settings, TokenEstimator estimator) {
        this.settings = settings;
        this.parser = new ToolCallParser(settings);
        this.contract = new ToolContract();
        this.retryPolicy = new ToolRetryPolicy(settings);
        this.estimator = estimator;
    }

    /**
     * @param turn a request
     * @return true when tools are declared and {@code tool_choice} is not none (§9.8, §10.3, §10.9)
     */
    /**
     * Keeps tool mode on while tool history exists: a request that declares no tools but whose history holds tool
     * calls or results gets schema-less definitions of the tools used so far, so the model can go on calling them
     * and its action blocks are still parsed instead of leaking as text (issue: "keep tool mode on while tool
     * history exists"; client-api.md §17 question 2).
     *
     * @param turn a request
     * @return {@code turn} itself, or a copy declaring the tools its history used
     */
    public static ChatTurn keepToolMode(ChatTurn turn) {
        if (!turn.tools().isEmpty() || !turn.hasToolHistory() || turn.toolChoice().mode() == ToolChoice.Mode.NONE) {
            return turn;
        }
        java.util.Map<String, io.lingma.gateway.chat.ToolDefinition> used = new java.util.LinkedHashMap<>();
        for (io.lingma.gateway.chat.ChatMessage m : turn.messages()) {
            m.toolCalls().forEach(c -> used.putIfAbsent(c.name(), new io.lingma.gateway.chat.ToolDefinition(
                    c.name(), "", null)));
            if (m.toolName() != null && !m.toolName().isBlank()) {
                used.putIfAbsent(m.toolName(), new io.lingma.gateway.chat.ToolDefinition(m.toolName(), "", null));
            }
        }
        return used.isEmpty() ? turn
                : turn.withConversation(turn.messages(), java.util.List.copyOf(used.values()), turn.toolChoice());
    }

    public static boolean applies(ChatTurn turn) {
        return !turn.tools().isEmpty() && turn.toolChoice().mode() != ToolChoice.Mode.NONE;
    }

    /**
     * @param turn a request
     * @return the contract to pass to {@code IpcPromptRenderer.render(turn, contract)}, or null when emulation does
     * not apply
     */
    public String contractFor(ChatTurn turn) {
        return applies(turn) ? contract.build(turn.tools(), turn.toolChoice(), turn.parallelToolCalls()) : null;
    }

    /**
     * Wraps a prompt-emulated turn (IPC, or remote with {@code gateway.remote.tool-mode=emulate}).
     *
     * @param inner the backend's turn (its prompt carried {@link #contractFor})
     * @param turn  the request
     * @param ids   id source for this response
     * @param retry starts the retry, or null when the backend cannot retry
     * @return the wrapping turn, or {@code inner} itself when emulation does not apply
     */
    public UpstreamTurn emulate(UpstreamTurn inner, ChatTurn turn, ToolIdSource ids, ToolRetry retry) {
        return applies(turn) ? new ToolEmulatingTurn(inner, turn, this, ids, retry, false, true) : inner;
    }

    /**
     * Wraps a remote turn whose tools went natively upstream (§10.1): native calls are validated against the
     * declared tools; the text is parsed when none arrived and {@code textFallback} is on; the
     * "announced but not called" retry rule applies too.
     *
     * @param inner        the backend's turn
     * @param turn         the request
     * @param ids          id source for this response (upstream ids are reused when well-formed)
     * @param retry        starts the retry, or null
     * @param textFallback {@code gateway.remote.tool-text-fallback} (default true)
     * @return the wrapping turn, or {@code inner} itself when tools do not apply
     */
    public UpstreamTurn nativeCalls(UpstreamTurn inner, ChatTurn turn, ToolIdSource ids, ToolRetry retry,
                                    boolean textFallback) {
        return applies(turn) ? new ToolEmulatingTurn(inner, turn, this, ids, retry, true, textFallback) : inner;
    }

    /** @return the settings */
    public ToolSettings settings() {
        return settings;
    }

    /** @return the parser */
    public ToolCallParser parser() {
        return parser;
    }

    /** @return the contract builder */
    public ToolContract contract() {
        return contract;
    }

    /** @return the retry policy */
    public ToolRetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** @return the token estimator */
    public TokenEstimator estimator() {
        return estimator;
    }
}
