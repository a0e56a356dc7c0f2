package io.lingma.gateway.lingma.ipc.camel;

import io.lingma.gateway.lingma.ipc.IpcChatBackend;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;

/**
 * The {@code lingma-ipc} component: Lingma's local IPC (ACP over a JSON-RPC WebSocket, lingma-ipc.md) as a Camel
 * endpoint, so a route says {@code to: lingma-ipc:chat} where it opens a turn. It is a thin producer over the
 * gateway's one {@link IpcChatBackend} (connection, back-off, session cache), which the application binds; see
 * {@link LingmaIpcEndpoint} for the URI and its options.
 */
@Component("lingma-ipc")
public class LingmaIpcComponent extends DefaultComponent {

    private final IpcChatBackend backend;

    /**
     * @param backend the IPC backend the endpoints use; null when {@code gateway.backend=remote} (creating an
     *                endpoint then fails)
     */
    public LingmaIpcComponent(IpcChatBackend backend) {
        this.backend = backend;
    }

    /**
     * @return the backend the endpoints use
     * @throws IllegalStateException when the gateway runs no IPC backend
     */
    IpcChatBackend backend() {
        if (backend == null) {
            throw new IllegalStateException("the lingma-ipc component needs gateway.backend=ipc or simulator");
        }
        return backend;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        LingmaIpcEndpoint endpoint = new LingmaIpcEndpoint(uri, this, backend());
        endpoint.setOperation(operation(remaining));
        setProperties(endpoint, parameters);
        return endpoint;
    }

    private static LingmaIpcEndpoint.Operation operation(String name) {
        for (LingmaIpcEndpoint.Operation op : LingmaIpcEndpoint.Operation.values()) {
            if (op.name().equals(name)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown lingma-ipc operation '" + name + "' (chat | models)");
    }
}
