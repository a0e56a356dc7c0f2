package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lingma.gateway.simulator.SimClient.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Discovery file (lingma-ipc.md §3.1, §10.1), restart (§10.6) and the standalone entry point. */
class SimulatorLifecycleTest {

    private Vertx vertx;

    @BeforeEach
    void createVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void writesTheDiscoveryFileAndRemovesItOnStop() throws Exception {
        Path dataDir;
        Path file;
        try (LingmaSimulator simulator = new LingmaSimulator(vertx, SimulatorOptions.defaults())) {
            simulator.start();
            dataDir = simulator.dataDir();
            file = simulator.discoveryFile();

            assertThat(file).isEqualTo(dataDir.resolve("QoderCN/SharedClientCache/.info.json"));
            JsonNode info = SimClient.MAPPER.readTree(file.toFile());
            assertThat(info.path("websocketPort").asInt()).isEqualTo(simulator.port()).isPositive();
            assertThat(info.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
            assertThat(info.path("ipcServerPath").asText()).isEmpty();
            assertThat(info.path("isDev").asBoolean()).isFalse();
            assertThat(info.path("simulator").asBoolean()).isTrue();
            assertThat(simulator.wsUrl()).isEqualTo("ws://127.0.0.1:" + simulator.port() + "/");
            assertThat(file.resolveSibling(".info")).doesNotExist();
        }
        assertThat(file).doesNotExist();
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void lingmaLayoutWithLegacyInfoInAGivenDataDir(@TempDir Path dir) throws Exception {
        SimulatorOptions options = SimulatorOptions.defaults().withDataDir(dir)
                .withDiscoveryLayout("lingma").withWriteLegacyInfo(true);
        try (LingmaSimulator simulator = new LingmaSimulator(vertx, options)) {
            simulator.start();

            Path legacy = dir.resolve("Lingma/SharedClientCache/.info");
            assertThat(simulator.discoveryFile()).isEqualTo(dir.resolve("Lingma/SharedClientCache/.info.json"))
                    .exists();
            assertThat(Files.readAllLines(legacy))
                    .containsExactly(Integer.toString(simulator.port()), Long.toString(ProcessHandle.current().pid()));
            simulator.stop();

            assertThat(legacy).doesNotExist();
            assertThat(simulator.discoveryFile()).doesNotExist();
            assertThat(dir).exists();
        }
    }

    @Test
    void restartMovesToANewPortClosesConnectionsAndRewritesTheFile() throws Exception {
        try (LingmaSimulator simulator = new LingmaSimulator(vertx, SimulatorOptions.defaults())) {
            simulator.start();
            int oldPort = simulator.port();
            SimClient before = SimClient.connect(vertx, oldPort);
            before.initialize();
            String sessionId = before.newSession();

            simulator.restart();

            before.closed.get(5, TimeUnit.SECONDS);
            before.close();
            assertThat(simulator.port()).isNotEqualTo(oldPort);
            assertThat(SimClient.MAPPER.readTree(simulator.discoveryFile().toFile()).path("websocketPort").asInt())
                    .isEqualTo(simulator.port());
            try (SimClient after = SimClient.connect(vertx, simulator.port())) {
                after.initialize();
                JsonNode lost = after.prompt(sessionId, "gw-1", "hi").get(5, TimeUnit.SECONDS);
                assertThat(lost.path("error").path("code").asInt()).isEqualTo(-32001);
                String fresh = after.newSession();
                assertThat(after.prompt(fresh, "gw-2", "hi").get(5, TimeUnit.SECONDS).has("result")).isTrue();
            }
            assertThat(simulator.stats().connections()).isEqualTo(2);
        }
    }

    @Test
    void emptyCatalogueCanBeInstalled() throws Exception {
        try (LingmaSimulator simulator = new LingmaSimulator(vertx, SimulatorOptions.defaults())) {
            simulator.start();
            simulator.setModelCatalog(SimulatorModelCatalog.empty());
            try (SimClient client = SimClient.connect(vertx, simulator.port())) {
                client.initialize();
                JsonNode result = client.call("config/queryModels", obj()).path("result");
                assertThat(result.path("chat").isArray()).isTrue();
                assertThat(result.path("chat")).isEmpty();
            }
        }
    }

    @Test
    void optionsValidateTheirValuesAndHideTheToken() {
        assertThatThrownBy(() -> SimulatorOptions.defaults().withPort(70000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimulatorOptions.defaults().withDiscoveryLayout("qoder"))
                .hasMessageContaining("qodercn");
        assertThat(SimulatorOptions.defaults().withMachineToken("s3cret").toString()).doesNotContain("s3cret");
    }

    @Test
    void mainParsesItsArguments() {
        SimulatorOptions options = SimulatorMain.parseArgs("--port=36510", "--data-dir=/tmp/sim",
                "--scenarios=a.yaml, b.json", "--layout=lingma", "--legacy-info", "--machine-token=t",
                "--session-new-unsupported", "--chunk-delay-ms=0");

        assertThat(options.port()).isEqualTo(36510);
        assertThat(options.dataDir()).isEqualTo(Path.of("/tmp/sim"));
        assertThat(options.scenarioFiles()).containsExactly(Path.of("a.yaml"), Path.of("b.json"));
        assertThat(options.discoveryLayout()).isEqualTo("lingma");
        assertThat(options.writeLegacyInfo()).isTrue();
        assertThat(options.requireMachineToken()).isTrue();
        assertThat(options.sessionNewUnsupported()).isTrue();
        assertThat(options.defaultChunkDelayMs()).isZero();
        assertThat(SimulatorMain.parseArgs()).isEqualTo(SimulatorOptions.defaults());
        assertThatThrownBy(() -> SimulatorMain.parseArgs("--port=abc")).hasMessageContaining("--port");
        assertThatThrownBy(() -> SimulatorMain.parseArgs("--bogus")).hasMessageContaining("unknown argument");
        assertThatThrownBy(() -> SimulatorMain.parseArgs("--data-dir")).hasMessageContaining("needs a value");
        assertThat(List.of(SimulatorMain.USAGE.split("\n"))).anyMatch(l -> l.contains("--scenarios"));
    }
}
