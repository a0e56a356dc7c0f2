package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * One connection attempt to Lingma (lingma-ipc.md §3, §5.1, §6.5): discovery on a worker thread, then each
 * discovered endpoint in order — WebSocket handshake (retried on {@code /ws} with {@code Cosy-MachineToken} when
 * the plain one answers 401/403/404 and a machine token exists) and {@code initialize}. Keeps the candidates that
 * were rejected by the last attempt for the health details. Thread-safe; the back-off between attempts is the
 * caller's.
 */
final class IpcConnector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LingmaIpcClient.class);

    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final IpcSettings settings;
    private final IpcEndpointDiscovery discovery;
    private final WebSocketClient webSocketClient;
    private volatile List<IpcEndpointDiscovery.Rejected> lastRejected = List.of();

    /**
     * @param vertx     the application's Vert.x instance
     * @param mapper    the shared JSON mapper
     * @param settings  frame size, handshake and setup timeouts, headers, protocol version, machine-token file
     * @param discovery endpoint discovery (re-run on every attempt)
     */
    IpcConnector(Vertx vertx, ObjectMapper mapper, IpcSettings settings, IpcEndpointDiscovery discovery) {
        this.vertx = vertx;
        this.mapper = mapper;
        this.settings = settings;
        this.discovery = discovery;
        int maxMessage = settings.maxFrameBytes() + 1024;
        this.webSocketClient = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxMessageSize(maxMessage).setMaxFrameSize(maxMessage)
                .setConnectTimeout((int) settings.handshakeTimeout().toMillis()));
    }

    private record Prepared(IpcEndpointDiscovery.Result result, Map<IpcEndpointDiscovery.Endpoint, String> tokens) {
    }

    /**
     * @param newLink makes the link of one endpoint try (a new generation each)
     * @return the initialised link of the first endpoint that answered; fails with {@link IpcDiscoveryException},
     * or {@link IpcTransportException} listing every endpoint's failure
     */
    CompletableFuture<LingmaIpcClient.Link> connect(Function<IpcEndpointDiscovery.Endpoint, LingmaIpcClient.Link> newLink) {
        // discovery reads files: run it on a worker thread, never on the event loop
        return vertx.executeBlocking(this::prepare, false).toCompletionStage().toCompletableFuture()
                .thenCompose(prepared -> {
                    lastRejected = prepared.result().rejected();
                    return tryEndpoints(prepared, newLink, 0, new ArrayList<>());
                });
    }

    /** @return the candidates the last attempt rejected, with reasons ({@code not found} for missing ones) */
    List<IpcEndpointDiscovery.Rejected> lastRejected() {
        return lastRejected;
    }

    /** Closes the WebSocket client. */
    @Override
    public void close() {
        webSocketClient.close();
    }

    private Prepared prepare() {
        IpcEndpointDiscovery.Result result;
        try {
            result = discovery.discover();
        } catch (IpcDiscoveryException e) {
            lastRejected = e.rejected();
            throw e;
        }
        Map<IpcEndpointDiscovery.Endpoint, String> tokens = new HashMap<>();
        for (IpcEndpointDiscovery.Endpoint ep : result.endpoints()) {
            String token = readMachineToken(ep);
            if (token != null) {
                tokens.put(ep, token);
            }
        }
        return new Prepared(result, tokens);
    }

    private String readMachineToken(IpcEndpointDiscovery.Endpoint ep) {
        Path file = settings.machineTokenFile();
        if (file == null && ep.infoFile() != null && ep.infoFile().getParent() != null) {
            file = ep.infoFile().getParent().resolve("cache").resolve("machine_token.json");
        }
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(Files.readString(file, StandardCharsets.UTF_8));
            String token = node == null ? "" : node.path("token").asText("");
            return token.isBlank() ? null : token.trim();
        } catch (Exception e) {
            LOG.debug("machine token file {} is unreadable: {}", file, e.getClass().getSimpleName());
            return null;
        }
    }

    private CompletableFuture<LingmaIpcClient.Link> tryEndpoints(Prepared prepared,
            Function<IpcEndpointDiscovery.Endpoint, LingmaIpcClient.Link> newLink, int index, List<String> failures) {
        List<IpcEndpointDiscovery.Endpoint> endpoints = prepared.result().endpoints();
        if (index >= endpoints.size()) {
            return CompletableFuture.failedFuture(new IpcTransportException(
                    "cannot connect to Lingma IPC: " + String.join("; ", failures)
                            + ". Open the Lingma or QoderCN desktop app.", null));
        }
        IpcEndpointDiscovery.Endpoint ep = endpoints.get(index);
        return connectEndpoint(newLink.apply(ep), prepared.tokens().get(ep)).exceptionallyCompose(e -> {
            Throwable cause = LingmaIpcClient.unwrap(e);
            failures.add(ep.source() + " (" + ep.url() + "): " + cause.getMessage());
            List<IpcEndpointDiscovery.Rejected> rejected = new ArrayList<>(lastRejected);
            rejected.add(new IpcEndpointDiscovery.Rejected(ep.source(), "connection failed: " + cause.getMessage()));
            lastRejected = rejected;
            return tryEndpoints(prepared, newLink, index + 1, failures);
        });
    }

    private CompletableFuture<LingmaIpcClient.Link> connectEndpoint(LingmaIpcClient.Link l, String token) {
        IpcEndpointDiscovery.Endpoint ep = l.endpoint;
        return JsonRpcConnection.open(vertx, webSocketClient, mapper, ep.url(), settings.wsHeaderMap(), settings, l)
                .exceptionallyCompose(e -> {
                    Throwable cause = LingmaIpcClient.unwrap(e);
                    int status = cause instanceof IpcTransportException t ? t.handshakeStatus() : 0;
                    if (token != null && (status == 401 || status == 403 || status == 404)) {
                        String wsUrl = withPath(ep.url(), "/ws");
                        Map<String, String> headers = new LinkedHashMap<>(settings.wsHeaderMap());
                        headers.put("Cosy-MachineToken", token);
                        LOG.info("Lingma IPC handshake to {} answered {}; retrying {} with Cosy-MachineToken",
                                ep.url(), status, wsUrl);
                        return JsonRpcConnection.open(vertx, webSocketClient, mapper, wsUrl, headers, settings, l)
                                .thenApply(c -> {
                                    LOG.info("Lingma IPC connected with the /ws + Cosy-MachineToken variant");
                                    return c;
                                });
                    }
                    return CompletableFuture.failedFuture(cause);
                })
                .thenCompose(rpc -> {
                    l.rpc = rpc;
                    ObjectNode params = mapper.createObjectNode();
                    params.put("protocolVersion", settings.protocolVersion());
                    params.putObject("clientCapabilities");
                    params.put("timestamp", System.currentTimeMillis());
                    return rpc.call("initialize", params, settings.setupTimeout()).handle((result, e) -> {
                        if (e != null) {
                            rpc.close();
                            throw new CompletionException(LingmaIpcClient.unwrap(e));
                        }
                        // the result shape is not validated (§5.1); only serverInfo is kept
                        l.serverInfo = result == null ? null : result.get("serverInfo");
                        return l;
                    });
                });
    }

    private static String withPath(String url, String path) {
        java.net.URI uri = java.net.URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + path;
    }
}
