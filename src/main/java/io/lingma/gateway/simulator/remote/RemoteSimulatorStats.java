package io.lingma.gateway.simulator.remote;

/**
 * Counters of a {@link RemoteSimulator} (snapshot).
 *
 * @param requests          every HTTP request received
 * @param modelListRequests {@code GET /algo/api/v2/model/list}
 * @param chatRequests      {@code POST …/agent_chat_generation}
 * @param authRejections    requests answered 401/403 by the authentication checks
 * @param faultsInjected    requests answered by a {@link RemoteFault}
 * @param framesWritten     SSE frames written
 * @param clientAborts      streams closed by the client before the simulator ended them
 */
public record RemoteSimulatorStats(long requests, long modelListRequests, long chatRequests, long authRejections,
                                   long faultsInjected, long framesWritten, long clientAborts) {
}
