package io.lingma.gateway.simulator;

/**
 * A server→client JSON-RPC request the simulator sent during a turn and whether the client answered it
 * (lingma-ipc.md §4.4: every server request MUST be answered, echoing the id with its JSON type).
 *
 * @param method    the request method, e.g. {@code session/request_permission}
 * @param id        the id as sent: an {@link Integer}/{@link Long} or a {@link String}
 * @param sessionId the session of the turn that sent it
 * @param requestId the {@code ai-coding/request-id} of that turn
 * @param answered  whether a response with the same id (same JSON type) arrived on the same connection
 * @param response  the response message as JSON text, or {@code null} while unanswered
 */
public record RecordedServerRequest(String method, Object id, String sessionId, String requestId, boolean answered,
                                    String response) {
}
