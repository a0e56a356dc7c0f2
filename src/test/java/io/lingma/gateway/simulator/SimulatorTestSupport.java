package io.lingma.gateway.simulator;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts a fresh Vert.x and simulator per test and closes everything afterwards. */
abstract class SimulatorTestSupport {

    protected Vertx vertx;
    protected LingmaSimulator simulator;
    private final List<SimClient> clients = new ArrayList<>();

    /** @return the options of the simulator under test; chunks stream without delay by default */
    protected SimulatorOptions options() {
        return SimulatorOptions.defaults().withDefaultChunkDelayMs(0);
    }

    @BeforeEach
    void startSimulator() {
        vertx = Vertx.vertx();
        simulator = new LingmaSimulator(vertx, options());
        simulator.start();
    }

    @AfterEach
    void stopSimulator() throws Exception {
        clients.forEach(SimClient::close);
        if (simulator != null) {
            simulator.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** @return a connected client that is closed after the test */
    protected SimClient connect() throws Exception {
        SimClient client = SimClient.connect(vertx, simulator.port());
        clients.add(client);
        return client;
    }

    /** @return a connected, initialised client */
    protected SimClient connectInitialized() throws Exception {
        SimClient client = connect();
        client.initialize();
        return client;
    }

    protected SimClient track(SimClient client) {
        clients.add(client);
        return client;
    }
}
