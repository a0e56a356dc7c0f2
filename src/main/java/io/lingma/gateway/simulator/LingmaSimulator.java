package io.lingma.gateway.simulator;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The built-in Lingma IPC simulator (lingma-ipc.md §10): a WebSocket server on loopback that speaks Lingma's local
 * IPC protocol — LSP {@code Content-Length} frames (§4) carrying JSON-RPC 2.0 in the ACP dialect (§5) — and writes
 * the discovery file clients use to find it (§3.1). The gateway's real IPC client runs end to end against it.
 *
 * <p>It never passes for the real backend: {@code serverInfo.name} is {@code lingma-simulator}, the discovery file
 * and every catalogue model carry {@code "simulator":true}, and the default reply starts with "Hello from the Lingma
 * simulator".
 *
 * <p>Turns are scripted by {@link Scenario}s (built-in {@code simulator/default-scenarios.yaml}, the files of
 * {@link SimulatorOptions#scenarioFiles()}, and whatever is added at run time). Everything the clients did is
 * recorded for assertions: {@link #stats()}, {@link #prompts()}, {@link #deletedSessions()},
 * {@link #serverRequests()}, {@link #violations()}.
 *
 * <p>Thread-safety: all methods may be called from any thread; {@link #start()}, {@link #restart()} and
 * {@link #stop()} block up to 10 s and must not be called on a Vert.x event loop (stop tolerates it but does not
 * wait there). The {@link Vertx} instance belongs to the caller and is not closed here.
 */
public final class LingmaSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LingmaSimulator.class);
    private static final long BLOCKING_TIMEOUT_SECONDS = 10;
    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    private final Vertx vertx;
    private final SimulatorOptions options;
    private final SimulatorState state;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final DiscoveryFiles discovery;
    private volatile HttpServer server;
    private volatile int port = -1;

    /**
     * Creates a stopped simulator and loads its scenarios.
     *
     * @param vertx   the Vert.x instance to run on (not closed by the simulator)
     * @param options configuration; {@link SimulatorOptions#defaults()} for loopback, random port, temp dir
     * @throws IllegalArgumentException if a scenario file is unreadable or invalid
     * @throws UncheckedIOException     if the temporary data directory cannot be created
     */
    public LingmaSimulator(Vertx vertx, SimulatorOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.state = new SimulatorState(vertx, options);
        if (options.dataDir() != null) {
            this.dataDir = options.dataDir().toAbsolutePath();
            this.ownsDataDir = false;
        } else {
            try {
                this.dataDir = Files.createTempDirectory("lingma-simulator-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary data directory", e);
            }
            this.ownsDataDir = true;
        }
        this.discovery = new DiscoveryFiles(dataDir, options.discoveryLayout(), options.writeLegacyInfo(),
                state.mapper);
    }

    /**
     * Starts listening and writes the discovery file (§3.1, §10.1). Does nothing if already running.
     *
     * @throws IllegalStateException if called on an event loop, or the server does not listen within 10 s (e.g. the
     *                               configured port is taken)
     */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        requireBlockingAllowed("start");
        HttpServer created = createServer();
        int actual = await(created.listen(options.port(), options.host()), "listen on " + options.host() + ":"
                + options.port()).actualPort();
        server = created;
        port = actual;
        discovery.write(actual);
        LOG.info("Lingma IPC SIMULATOR (not a real Lingma backend) listening on {}; discovery file {}", wsUrl(),
                discovery.jsonFile());
    }

    /** @return the listening port, or -1 when stopped */
    public int port() {
        return port;
    }

    /** @return {@code ws://<host>:<port>/} (any path is accepted, e.g. {@code /ws} too) */
    public String wsUrl() {
        return "ws://" + options.host() + ":" + port + "/";
    }

    /**
     * @return {@code <dataDir>/QoderCN/SharedClientCache/.info.json}, or {@code <dataDir>/Lingma/…} for the
     *         {@code lingma} layout; present only while running
     */
    public Path discoveryFile() {
        return discovery.jsonFile();
    }

    /** @return the base directory of the discovery file (a temporary directory unless configured) */
    public Path dataDir() {
        return dataDir;
    }

    /** @return the configuration this simulator was built with */
    public SimulatorOptions options() {
        return options;
    }

    /** @return a snapshot of the counters */
    public SimulatorStats stats() {
        return state.stats();
    }

    /** @return every accepted {@code session/prompt}, oldest first (snapshot) */
    public List<RecordedPrompt> prompts() {
        return List.copyOf(state.prompts);
    }

    /** @return ids of sessions deleted with {@code chat/deleteSessionById}, oldest first (snapshot) */
    public List<String> deletedSessions() {
        return List.copyOf(state.deletedSessions);
    }

    /** @return every scripted server→client request and whether it was answered, oldest first (snapshot) */
    public List<RecordedServerRequest> serverRequests() {
        return state.serverRequests.stream().map(SimulatorState.ServerRequestRecord::snapshot).toList();
    }

    /** @return descriptions of the protocol violations counted in {@link SimulatorStats#protocolViolations()} */
    public List<String> violations() {
        return List.copyOf(state.violations);
    }

    /** @return ids of the sessions currently known */
    public List<String> sessions() {
        return List.copyOf(state.sessions.keySet());
    }

    /** @return the scenarios in match order (first match wins) */
    public List<Scenario> scenarios() {
        return state.scenarios();
    }

    /**
     * Adds a scenario ahead of all others: the newest one wins.
     *
     * @param scenario the scenario
     */
    public void addScenario(Scenario scenario) {
        state.prepend(List.of(scenario));
    }

    /**
     * Loads a scenario file and puts its scenarios, in file order, ahead of all current ones.
     *
     * @param yamlOrJsonFile a {@code .yaml}/{@code .yml} or {@code .json} file holding {@code scenarios: [ … ]}
     * @throws IllegalArgumentException if the file is unreadable or invalid
     */
    public void loadScenarios(Path yamlOrJsonFile) {
        state.prepend(Scenario.read(yamlOrJsonFile));
    }

    /** Drops scenarios added at run time: back to the option files plus the built-in defaults. */
    public void clearScenarios() {
        state.resetScenarios();
    }

    /**
     * Replaces the {@code config/queryModels} catalogue (e.g. {@link SimulatorModelCatalog#empty()} to exercise the
     * client's pseudo-model fallback).
     *
     * @param catalog the new catalogue
     */
    public void setModelCatalog(SimulatorModelCatalog catalog) {
        state.catalog = catalog;
    }

    /**
     * Emulates a backend restart (§10.6): listens on a new random port first (so the port always changes), then
     * closes every connection and the old listener, forgets all sessions (they lived in the old process) and
     * rewrites the discovery file.
     *
     * @throws IllegalStateException if not running, called on an event loop, or the new port does not listen in 10 s
     */
    public synchronized void restart() {
        if (server == null) {
            throw new IllegalStateException("the simulator is not running");
        }
        requireBlockingAllowed("restart");
        HttpServer fresh = createServer();
        int freshPort = await(fresh.listen(0, options.host()), "listen on " + options.host() + ":0").actualPort();
        HttpServer old = server;
        int oldPort = port;
        server = fresh;
        port = freshPort;
        closeConnections();
        state.sessions.clear();
        await(old.close(), "close the old listener");
        discovery.write(freshPort);
        LOG.info("Lingma IPC SIMULATOR restarted: port {} -> {}", oldPort, freshPort);
    }

    /**
     * Closes the listener and every connection, deletes the discovery files and, if it was created here, the data
     * directory. Idempotent. On an event-loop thread it does not wait for the listener to close.
     */
    public synchronized void stop() {
        HttpServer running = server;
        server = null;
        port = -1;
        if (running != null) {
            closeConnections();
            if (Context.isOnEventLoopThread()) {
                running.close();
            } else {
                await(running.close(), "close the listener");
            }
            LOG.info("Lingma IPC SIMULATOR stopped");
        }
        discovery.delete();
        if (ownsDataDir) {
            deleteRecursively(dataDir);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private HttpServer createServer() {
        HttpServerOptions serverOptions = new HttpServerOptions()
                .setHost(options.host())
                // image prompts can be several MB (§4.1); accept what the frame codec accepts
                .setMaxWebSocketFrameSize(SimulatorConnection.MAX_FRAME_BYTES)
                .setMaxWebSocketMessageSize(SimulatorConnection.MAX_FRAME_BYTES);
        return vertx.createHttpServer(serverOptions)
                .webSocketHandshakeHandler(this::onHandshake)
                .webSocketHandler(ws -> {
                    String label = "sim-conn-" + CONNECTION_IDS.incrementAndGet();
                    SimulatorConnection connection =
                            new SimulatorConnection(label, ws, vertx.getOrCreateContext(), state);
                    state.connections.add(connection);
                    state.connectionCount.incrementAndGet();
                    connection.open();
                    LOG.debug("lingma-simulator {} accepted on path {}", label, ws.path());
                })
                .requestHandler(request -> request.response().setStatusCode(426)
                        .putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end("Lingma IPC simulator: WebSocket endpoint (LSP-framed JSON-RPC), connect with "
                                + "ws://" + options.host() + ":" + port + "/\n"));
    }

    /**
     * Delays the response to one method, e.g. {@code initialize}, {@code session/new} or {@code session/set_model}
     * beyond the client's setup timeout (lingma-ipc.md §10.6 "slow setup"). Uses a timer; the event loop is not
     * blocked and other requests are answered meanwhile.
     *
     * @param method  JSON-RPC method name
     * @param delayMs delay in milliseconds; 0 removes the delay
     * @throws IllegalArgumentException if {@code delayMs} is negative
     */
    public void setMethodDelay(String method, long delayMs) {
        if (delayMs < 0) {
            throw new IllegalArgumentException("delayMs must be >= 0, got " + delayMs);
        }
        if (delayMs == 0) {
            state.methodDelays.remove(method);
        } else {
            state.methodDelays.put(method, delayMs);
        }
    }

    /**
     * Makes every WebSocket handshake fail with an HTTP status, e.g. 404 like Lingma's non-IPC port 37510
     * (lingma-ipc.md §3.5, §10.2), or 403; 0 accepts handshakes again. Applies to new connections only.
     *
     * @param httpStatus 0, or a 4xx/5xx status
     * @throws IllegalArgumentException for other values
     */
    public void setHandshakeRejection(int httpStatus) {
        if (httpStatus != 0 && (httpStatus < 400 || httpStatus > 599)) {
            throw new IllegalArgumentException("httpStatus must be 0 or 400-599, got " + httpStatus);
        }
        state.handshakeStatus = httpStatus;
    }

    private void onHandshake(ServerWebSocketHandshake handshake) {
        int forced = state.handshakeStatus;
        if (forced != 0) {
            state.handshakesRejected.incrementAndGet();
            handshake.reject(forced);
            return;
        }
        if (options.requireMachineToken()) {
            String presented = handshake.headers().get("Cosy-MachineToken");
            byte[] expected = options.machineToken().getBytes(StandardCharsets.UTF_8);
            if (presented == null
                    || !MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
                state.handshakesRejected.incrementAndGet();
                LOG.debug("lingma-simulator rejects a handshake on {}: missing or wrong Cosy-MachineToken",
                        handshake.path());
                handshake.reject(401);
                return;
            }
        }
        handshake.accept();
    }

    private void closeConnections() {
        for (SimulatorConnection connection : List.copyOf(state.connections)) {
            connection.close((short) 1001, "lingma-simulator: backend going away");
        }
        state.connections.clear();
    }

    private static void requireBlockingAllowed(String operation) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("LingmaSimulator." + operation
                    + "() blocks and must not run on a Vert.x event loop");
        }
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture()
                    .get(BLOCKING_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("lingma-simulator could not " + what + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("lingma-simulator could not " + what + " within "
                    + BLOCKING_TIMEOUT_SECONDS + " s", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("lingma-simulator could not delete its data directory {}: {}", root, e.toString());
        }
    }
}
