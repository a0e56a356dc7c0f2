package io.lingma.gateway.chat;

import io.lingma.gateway.error.GatewayException;

import java.util.List;
import java.util.Map;

/**
 * An upstream Lingma backend (local IPC or remote HTTP). No client API type crosses this interface.
 */
public interface ChatBackend {

    /** @return {@code ipc}, {@code remote} or {@code simulator} (the IPC backend on the built-in simulator) */
    String name();

    /**
     * Starts a turn: sets up the upstream session, sends the prompt and returns the running turn. Does not wait
     * for the first event.
     *
     * @param turn  the normalised request
     * @param model the resolved model
     * @return the running turn; the caller must {@link UpstreamTurn#close()} it
     * @throws GatewayException when the upstream is unavailable (503), refuses the request (4xx/502) or times out
     *                          during set-up (503/504)
     */
    UpstreamTurn open(ChatTurn turn, ResolvedModel model);

    /**
     * As {@link #open(ChatTurn, ResolvedModel)}, giving up early when the client goes away while the backend is
     * still setting up (e.g. between remote fallback attempts).
     *
     * @param turn      the normalised request
     * @param model     the resolved model
     * @param abandoned true once the client went away
     * @return the running turn
     * @throws GatewayException as {@link #open(ChatTurn, ResolvedModel)}
     */
    default UpstreamTurn open(ChatTurn turn, ResolvedModel model, java.util.function.BooleanSupplier abandoned) {
        return open(turn, model);
    }

    /**
     * @return the upstream model catalogue (may be cached); empty when the upstream lists none
     * @throws GatewayException 503 when the backend is unreachable, 502 when the listing fails
     */
    List<ModelInfo> models();

    /**
     * What this backend would send upstream for a turn, for {@code /v1/messages/count_tokens} (client-api.md §7):
     * the IPC backend's rendered prompt, the remote backend's projected messages and tools.
     *
     * @param turn the normalised request
     * @return that text, or null when the backend cannot tell (callers then count the request's own text)
     */
    default String upstreamPromptText(ChatTurn turn) {
        return null;
    }

    /**
     * @return true when client tools go to the upstream natively (remote backend, tool mode {@code native}), so
     * tool calls come back as {@link ChatEvent.ToolCallDelta}s; false when they are emulated in the prompt
     * (client-api.md §10.1)
     */
    default boolean nativeTools() {
        return false;
    }

    /**
     * @return true when the upstream is the built-in simulator (IPC or remote), so health and model lists can say
     * so and it is never mistaken for the real Lingma
     */
    default boolean simulated() {
        return false;
    }

    /**
     * @return true when the backend is connected and ready to take a turn (readiness)
     */
    boolean ready();

    /**
     * @return backend details for {@code /health} ({@code transport}, {@code endpoint}, {@code connected}, …);
     * never contains secrets
     */
    Map<String, Object> status();
}
