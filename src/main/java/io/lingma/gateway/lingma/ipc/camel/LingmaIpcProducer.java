package io.lingma.gateway.lingma.ipc.camel;

import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.error.UpstreamFaultException;
import io.lingma.gateway.http.GatewayExchange;
import io.lingma.gateway.lingma.ipc.IpcChatBackend;
import io.lingma.gateway.lingma.ipc.IpcSettings;
import io.lingma.gateway.tools.ToolEmulation;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;

import java.time.Duration;

/**
 * Runs one {@link LingmaIpcEndpoint} operation on the IPC backend, blocking the calling thread during a chat turn's
 * set-up (at most the set-up timeout per step).
 */
final class LingmaIpcProducer extends DefaultProducer {

    private final IpcChatBackend backend;
    private final LingmaIpcEndpoint.Operation operation;
    private final IpcSettings.SessionMode sessionMode;
    private final Duration setupTimeout;

    LingmaIpcProducer(LingmaIpcEndpoint endpoint, IpcChatBackend backend) {
        super(endpoint);
        this.backend = backend;
        this.operation = endpoint.getOperation();
        IpcSettings defaults = backend.settings();
        this.sessionMode = endpoint.getSessionMode() != null ? endpoint.getSessionMode() : defaults.sessionMode();
        this.setupTimeout = endpoint.getSetupTimeout() != null ? endpoint.getSetupTimeout()
                : defaults.setupTimeout();
    }

    @Override
    public void process(Exchange exchange) {
        switch (operation) {
            case chat -> exchange.getMessage().setBody(open(exchange));
            case models -> exchange.getMessage().setBody(backend.models());
            default -> throw new IllegalStateException("unknown lingma-ipc operation " + operation);
        }
    }

    private Object open(Exchange exchange) {
        ChatTurn turn = exchange.getProperty(GatewayExchange.TURN, ChatTurn.class);
        ResolvedModel model = exchange.getProperty(GatewayExchange.MODEL, ResolvedModel.class);
        if (turn == null || model == null) {
            throw new IllegalStateException("lingma-ipc:chat needs the exchange properties " + GatewayExchange.TURN
                    + " and " + GatewayExchange.MODEL);
        }
        try {
            return backend.open(ToolEmulation.keepToolMode(turn), model, sessionMode, setupTimeout);
        } catch (GatewayException e) {
            // upstream faults count on the circuit breaker around this endpoint, client errors do not
            throw UpstreamFaultException.classify(e);
        }
    }
}
