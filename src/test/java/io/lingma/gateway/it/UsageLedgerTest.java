package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.config.GatewayCommandLine;
import io.lingma.gateway.ledger.UsageRecorder;
import org.apache.camel.main.Main;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The usage ledger (issue 10 §2) as a client and an operator see it: real requests through the gateway add rows,
 * {@code GET /internal/usage} (admin tier) returns the grouped figures, a restarted gateway on the same data-dir
 * (embedded H2) or database (a PostgreSQL server this test starts) keeps the totals, and a database that cannot be
 * reached drops rows with a counter and a warning while every request still gets its answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageLedgerTest {

    private static final int PORT = 18380;
    private static final int PG_PORT = 18390;
    private static final String ADMIN = "adm-ledger-5f1c";
    private static final String KEY = "sk-ledger-ci-91ab";
    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"hello ledger"}]}""";
    private static final String MESSAGES = """
            {"model":"kmodel","max_tokens":64,"stream":%s,"messages":[{"role":"user","content":"hello ledger"}]}""";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LogCapture LOG = LogCapture.startAtTrace();

    private final SseClient client = new SseClient(PORT);
    private Path pgDir;

    @AfterAll
    void stopLogCapture() {
        LOG.stop();
    }

    @Test
    void embeddedLedgerRecordsRequestsAndKeepsTotalsOverARestart() throws Exception {
        Path dataDir = freshDir("target/ledger-h2");
        Map<String, String> settings = Map.of("gateway.data-dir", dataDir.toString());
        JsonNode before;
        try (Gateway gw = Gateway.start(settings)) {
            sendRequests();
            before = awaitRequests(4, "key,model,day");
            assertThat(Files.exists(dataDir.resolve("ledger.mv.db"))).isTrue();
            JsonNode row = before.path("rows").get(0);
            assertThat(row.path("key").asText()).isEqualTo("ci");
            assertThat(row.path("model").asText()).isEqualTo("kmodel");
            assertThat(row.path("day").asText()).isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
            assertThat(row.path("tokens_in").asLong()).isPositive();
            assertThat(row.path("tokens_out").asLong()).isPositive();
            assertThat(row.path("errors").asLong()).isZero();

            // admin tier: no token → 401 in the OpenAI envelope; unknown group and bad dates → 400
            assertThat(client.get("/internal/usage").statusCode()).isEqualTo(401);
            HttpResponse<String> badGroup = usage("group=key,colour");
            assertThat(badGroup.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(badGroup.body()).path("error").path("message").asText()).contains("colour");
            assertThat(usage("from=yesterday").statusCode()).isEqualTo(400);
            // a window without rows: no rows, zero totals
            JsonNode empty = JSON.readTree(usage("from=2001-01-01&to=2001-01-02").body());
            assertThat(empty.path("rows").size()).isZero();
            assertThat(empty.path("totals").path("requests").asLong()).isZero();
            assertThat(gw.recorder().dropped()).isZero();
        }
        // a second gateway on the same data-dir sees the same totals, and adds to them
        try (Gateway gw = Gateway.start(settings)) {
            JsonNode after = JSON.readTree(usage("group=key,model,day").body());
            assertThat(after.path("totals")).isEqualTo(before.path("totals"));
            client.post("/v1/chat/completions", CHAT.formatted(false), "Authorization", "Bearer " + KEY);
            awaitRequests(5, "api");
        }
    }

    @Test
    void postgresLedgerIsSharedAcrossGatewaysAndRestarts() throws Exception {
        startPostgres();
        Map<String, String> settings = Map.of("gateway.data-dir", freshDir("target/ledger-pg-data").toString(),
                "gateway.ledger.jdbc-url", "jdbc:postgresql://127.0.0.1:" + PG_PORT + "/postgres",
                "gateway.ledger.user", "gw", "gateway.ledger.password", "");
        JsonNode before;
        try (Gateway gw = Gateway.start(settings)) {
            sendRequests();
            before = awaitRequests(4, "key,model,day");
            assertThat(before.path("rows").get(0).path("key").asText()).isEqualTo("ci");
            assertThat(before.path("totals").path("tokens_out").asLong()).isPositive();
            // grouped by API: one row per client API used
            JsonNode byApi = JSON.readTree(usage("group=api").body());
            assertThat(byApi.path("rows").findValuesAsText("api"))
                    .containsExactly("anthropic_messages", "openai_chat");
        }
        try (Gateway gw = Gateway.start(settings)) {
            assertThat(JSON.readTree(usage("group=key,model,day").body()).path("totals"))
                    .isEqualTo(before.path("totals"));
            // the embedded database was not used
            assertThat(Files.exists(Path.of(settings.get("gateway.data-dir"), "ledger.mv.db"))).isFalse();
        } finally {
            stopPostgres();
        }
    }

    @Test
    void unreachableDatabaseAndFullQueueDropRowsButNeverFailARequest() throws Exception {
        LOG.clear();
        String password = "pg-secret-7d2e";
        Map<String, String> settings = Map.of("gateway.data-dir", freshDir("target/ledger-down").toString(),
                "gateway.ledger.jdbc-url", "jdbc:postgresql://127.0.0.1:18389/nowhere?connectTimeout=1",
                "gateway.ledger.user", "gw", "gateway.ledger.password", password, "gateway.ledger.queue-size", "1");
        try (Gateway gw = Gateway.start(settings)) {
            // the writer holds one row while it waits for a connection and the queue takes one: the rest overflow
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> answer = client.post("/v1/chat/completions", CHAT.formatted(false),
                        "Authorization", "Bearer " + KEY);
                assertThat(answer.statusCode()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> gw.recorder().dropped() >= 8);
            assertThat(LOG.lines()).anySatisfy(l -> assertThat(l.message()).contains("ledger queue is full"));
            assertThat(LOG.lines()).anySatisfy(l -> {
                assertThat(l.level()).isEqualTo(Level.WARN);
                assertThat(l.message()).contains("usage ledger");
            });
            assertThat(LOG.lines()).noneSatisfy(l -> assertThat(l.text()).contains(password));
        }
    }

    @Test
    void rowsPastTheRetentionAreDeleted() throws Exception {
        Map<String, String> settings = Map.of("gateway.data-dir", freshDir("target/ledger-retention").toString(),
                "gateway.ledger.retention", "1s");
        try (Gateway gw = Gateway.start(settings)) {
            assertThat(client.post("/v1/chat/completions", CHAT.formatted(false), "Authorization", "Bearer " + KEY)
                    .statusCode()).isEqualTo(200);
            awaitRequests(1, "key");
            // the retention timer first runs 10 s after the start
            await().atMost(Duration.ofSeconds(40)).until(() -> JSON.readTree(usage("group=key").body())
                    .path("totals").path("requests").asLong() == 0);
        }
    }

    @Test
    void aDisabledLedgerOpensNoDatabase() throws Exception {
        Path dataDir = freshDir("target/ledger-off");
        try (Gateway gw = Gateway.start(Map.of("gateway.data-dir", dataDir.toString(),
                "gateway.ledger.enabled", "false"))) {
            assertThat(client.post("/v1/chat/completions", CHAT.formatted(false), "Authorization", "Bearer " + KEY)
                    .statusCode()).isEqualTo(200);
            HttpResponse<String> off = usage("group=key");
            assertThat(off.statusCode()).isEqualTo(503);
            assertThat(off.body()).contains("gateway.ledger.enabled");
        }
        try (Stream<Path> files = Files.list(dataDir)) {
            assertThat(files).isEmpty();
        }
    }

    /** Two non-streamed and two streamed answers, OpenAI and Anthropic, with the key named {@code ci}. */
    private void sendRequests() throws Exception {
        assertThat(client.post("/v1/chat/completions", CHAT.formatted(false), "Authorization", "Bearer " + KEY)
                .statusCode()).isEqualTo(200);
        assertThat(client.post("/v1/chat/completions", CHAT.formatted(true), "Authorization", "Bearer " + KEY)
                .statusCode()).isEqualTo(200);
        assertThat(client.post("/v1/messages", MESSAGES.formatted(false), "x-api-key", KEY).statusCode())
                .isEqualTo(200);
        assertThat(client.post("/v1/messages", MESSAGES.formatted(true), "x-api-key", KEY).statusCode())
                .isEqualTo(200);
    }

    private JsonNode awaitRequests(long requests, String group) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> JSON.readTree(usage("group=" + group).body()),
                n -> n.path("totals").path("requests").asLong() == requests);
    }

    private HttpResponse<String> usage(String query) throws Exception {
        return client.get("/internal/usage?" + query, "Authorization", "Bearer " + ADMIN);
    }

    private static Path freshDir(String dir) throws IOException {
        Path path = Path.of(dir).toAbsolutePath();
        if (Files.exists(path)) {
            try (Stream<Path> files = Files.walk(path)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(path);
    }

    /** A throw-away PostgreSQL server (Debian's postgresql package), as the postgres user when run as root. */
    private void startPostgres() throws Exception {
        Path bin = postgresBin();
        pgDir = Files.createTempDirectory("ledger-pg");
        if (root()) {
            run(List.of("chown", "postgres", pgDir.toString()));
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", pgDir.resolve("data").toString(), "-U", "gw",
                "--auth=trust"));
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", pgDir.resolve("data").toString(), "-w", "-l",
                pgDir.resolve("log").toString(), "-o", "-p " + PG_PORT + " -k " + pgDir
                        + " -c listen_addresses=127.0.0.1", "start"));
    }

    private void stopPostgres() throws Exception {
        run(List.of(postgresBin().resolve("pg_ctl").toString(), "-D", pgDir.resolve("data").toString(), "-m", "fast",
                "-w", "stop"));
        if (root()) {
            run(List.of("rm", "-rf", pgDir.toString()));
        }
    }

    /** @return the newest {@code /usr/lib/postgresql/<major>/bin} (Debian's postgresql package; .ci/run installs it) */
    private static Path postgresBin() throws IOException {
        Path lib = Path.of("/usr/lib/postgresql");
        assertThat(lib).as("Debian's postgresql package").isDirectory();
        try (Stream<Path> majors = Files.list(lib)) {
            Path bin = majors.map(m -> m.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString())))
                    .orElseThrow(() -> new AssertionError("no initdb under " + lib));
            return bin;
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void run(List<String> command) throws Exception {
        List<String> full = new ArrayList<>();
        if (root() && !command.get(0).equals("chown") && !command.get(0).equals("rm")) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", full) + "\n" + out).isZero();
    }

    /** One gateway (simulator backend) on {@link #PORT}, started and stopped like the real process. */
    private record Gateway(Main main) implements AutoCloseable {

        static Gateway start(Map<String, String> extra) throws Exception {
            Map<String, String> props = new LinkedHashMap<>(Map.of("gateway.backend", "simulator",
                    "gateway.http.port", String.valueOf(PORT), "camel.management.enabled", "false",
                    "gateway.ipc.cwd", "target/agent-cwd", "gateway.auth.api-keys", "ci:" + KEY,
                    "gateway.auth.admin-token", ADMIN));
            props.putAll(extra);
            Main main = new Main(GatewayMain.class);
            main.setPropertyPlaceholderLocations(GatewayCommandLine.PROPERTY_LOCATIONS);
            // as the process does: the settings are command-line arguments, above the environment
            GatewayCommandLine.install(main, props.entrySet().stream()
                    .map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
            main.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> main.getCamelContext() != null
                    && main.getCamelContext().getStatus().isStarted());
            return new Gateway(main);
        }

        UsageRecorder recorder() {
            return main.getCamelContext().getRegistry().lookupByNameAndType("usageRecorder", UsageRecorder.class);
        }

        @Override
        public void close() throws Exception {
            main.stop();
        }
    }
}
