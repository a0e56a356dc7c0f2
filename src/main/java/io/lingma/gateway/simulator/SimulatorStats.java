package io.lingma.gateway.simulator;

/**
 * A point-in-time snapshot of the simulator's counters (lingma-ipc.md §10.5 "recorder"). Counters are cumulative
 * since construction; {@code restart()} does not reset them.
 *
 * @param sessionsCreated        successful {@code session/new} calls
 * @param sessionsDeleted        successful {@code chat/deleteSessionById} calls
 * @param activeSessions         sessions currently known (created, not deleted, not lost in a restart)
 * @param prompts                accepted {@code session/prompt} requests (known session, request id present)
 * @param cancels                {@code session/cancel} messages received
 * @param protocolViolations     client messages that break the wire rules of §4 and §9 (bad frames, missing
 *                               {@code jsonrpc}, non-object params, string request ids, {@code initialized}, a prompt
 *                               without {@code ai-coding/request-id}, …); see {@link LingmaSimulator#violations()}
 * @param serverRequestsSent     server→client requests sent during scripted turns
 * @param serverRequestsAnswered of those, the ones the client answered (matching id and id type)
 * @param connections            WebSocket connections accepted
 * @param openConnections        WebSocket connections currently open
 * @param activeTurns            turn scripts currently running or stalled
 * @param handshakesRejected     handshakes refused: 401 for a missing or wrong {@code Cosy-MachineToken}, or the
 *                               status set with {@link LingmaSimulator#setHandshakeRejection(int)}
 */
public record SimulatorStats(long sessionsCreated, long sessionsDeleted, long activeSessions, long prompts,
                             long cancels, long protocolViolations, long serverRequestsSent,
                             long serverRequestsAnswered, long connections, long openConnections, long activeTurns,
                             long handshakesRejected) {
}
