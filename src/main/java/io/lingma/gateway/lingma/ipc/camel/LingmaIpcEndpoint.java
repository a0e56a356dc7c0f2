package io.lingma.gateway.lingma.ipc.camel;

import io.lingma.gateway.lingma.ipc.IpcChatBackend;
import io.lingma.gateway.lingma.ipc.IpcSettings;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

import java.time.Duration;

/**
 * {@code lingma-ipc:operation[?options]} — a producer-only endpoint on Lingma's local IPC (lingma-ipc.md §5, §6).
 *
 * <ul>
 *   <li>{@code lingma-ipc:chat} opens a turn. In: the exchange properties {@code gatewayTurn} (the normalised
 *       {@link io.lingma.gateway.chat.ChatTurn}) and {@code gatewayModel} (its
 *       {@link io.lingma.gateway.chat.ResolvedModel}). Out: the body is the running
 *       {@link io.lingma.gateway.chat.UpstreamTurn} (set up, prompt sent; the caller reads and closes it). Upstream
 *       faults are raised as {@link io.lingma.gateway.error.UpstreamFaultException} (counted by a circuit breaker),
 *       client errors as a plain {@link io.lingma.gateway.error.GatewayException}; the statuses are those of
 *       {@link IpcChatBackend#open(io.lingma.gateway.chat.ChatTurn, io.lingma.gateway.chat.ResolvedModel)}.</li>
 *   <li>{@code lingma-ipc:models} puts Lingma's model list ({@code List<ModelInfo>}, cached for
 *       {@code gateway.ipc.models-ttl}) in the body.</li>
 * </ul>
 *
 * The connection itself (endpoint discovery, handshake, back-off) is configured by the {@code gateway.ipc.*}
 * settings, not per endpoint: one Lingma connection serves every endpoint.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "lingma-ipc", title = "Lingma IPC", syntax = "lingma-ipc:operation",
        producerOnly = true, category = {Category.AI}, generateConfigurer = false)
public class LingmaIpcEndpoint extends DefaultEndpoint {

    /** What an exchange sent to the endpoint does. */
    public enum Operation {
        /** Open a chat turn. */
        chat,
        /** List Lingma's models. */
        models
    }

    private final IpcChatBackend backend;

    @UriPath(description = "What to do: chat (open a turn) or models (list the models)", enums = "chat,models")
    @Metadata(required = true)
    private Operation operation;

    @UriParam(description = "How a chat turn gets its Lingma session: auto (reuse a session when the request "
            + "continues a conversation already served), fresh (a new session per turn, deleted afterwards) or "
            + "reuse (one shared session). Empty: gateway.ipc.session-mode.", enums = "auto,fresh,reuse")
    private IpcSettings.SessionMode sessionMode;

    @UriParam(description = "Longest wait for a turn slot and for each set-up call of a chat turn (initialize, "
            + "session/new, session/set_model), e.g. 15s; longer -> 429 (no slot) or 503. "
            + "Empty: gateway.ipc.setup-timeout.", javaType = "java.time.Duration")
    private Duration setupTimeout;

    LingmaIpcEndpoint(String uri, LingmaIpcComponent component, IpcChatBackend backend) {
        super(uri, component);
        this.backend = backend;
    }

    @Override
    public Producer createProducer() {
        return new LingmaIpcProducer(this, backend);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("lingma-ipc endpoints are producers only: " + getEndpointUri());
    }

    /** @return the operation ({@code chat} or {@code models}) */
    public Operation getOperation() {
        return operation;
    }

    /** @param operation the operation ({@code chat} or {@code models}) */
    public void setOperation(Operation operation) {
        this.operation = operation;
    }

    /** @return the session mode of chat turns, or null for {@code gateway.ipc.session-mode} */
    public IpcSettings.SessionMode getSessionMode() {
        return sessionMode;
    }

    /** @param sessionMode the session mode of chat turns ({@code auto}, {@code fresh}, {@code reuse}) */
    public void setSessionMode(IpcSettings.SessionMode sessionMode) {
        this.sessionMode = sessionMode;
    }

    /** @return the set-up timeout of chat turns, or null for {@code gateway.ipc.setup-timeout} */
    public Duration getSetupTimeout() {
        return setupTimeout;
    }

    /**
     * @param setupTimeout the set-up timeout of chat turns (positive)
     * @throws IllegalArgumentException when it is zero or negative
     */
    public void setSetupTimeout(Duration setupTimeout) {
        if (setupTimeout != null && (setupTimeout.isZero() || setupTimeout.isNegative())) {
            throw new IllegalArgumentException("lingma-ipc setupTimeout must be positive, e.g. 15s: " + setupTimeout);
        }
        this.setupTimeout = setupTimeout;
    }
}
