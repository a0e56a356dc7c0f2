package io.lingma.gateway.tools;

import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.GatewayException;

/**
 * Starts the one retry of a tool request (client-api.md §10.8 step 3), provided by the backend that ran the first
 * attempt:
 * <ul>
 *   <li>IPC: the same Lingma session, a new request id, prompt = original prompt + blank line + instruction;</li>
 *   <li>remote: the same request re-issued non-streaming, the instruction as a trailing {@code user} message (§9.9)
 *       and {@code tool_choice} {@code "required"} (or the named tool when the mode is tool X).</li>
 * </ul>
 */
@FunctionalInterface
public interface ToolRetry {

    /**
     * Called at most once, after the first attempt finished, on the consumer thread.
     *
     * @param retryInstruction the instruction of {@link ToolContract#retryInstruction}
     * @return the running retry turn; the caller cancels and closes it
     * @throws GatewayException when the retry cannot be started (the first attempt's result is then used)
     */
    UpstreamTurn retry(String retryInstruction);
}
