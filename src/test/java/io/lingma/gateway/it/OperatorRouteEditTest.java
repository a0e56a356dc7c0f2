package io.lingma.gateway.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An operator changes the gateway's behaviour by editing the YAML routes (issue 8): once with a restart, once with
 * {@code camel.main.routes-reload-enabled=true} and no restart. Each case runs a child gateway on an edited copy of
 * {@code routes/}.
 */
class OperatorRouteEditTest {

    private static final String CHAT = """
            {"model":"kmodel","messages":[{"role":"user","content":"operator edit"}]}""";
    private static final String ANCHOR = """
                            - setHeader:
                                name: Content-Type
                                constant: application/json
            """;
    // the operator's step, right before the non-streamed JSON answer of the chat route
    private static final String STEP = """
                            - setHeader:
                                name: X-Operator-Step
                                constant: edited
            """;

    @Test
    void anEditedRouteTakesEffectAfterARestart() throws Exception {
        Path routes = copyRoutes("restart");
        addOperatorStep(routes);
        Process gateway = GatewayProcessTest.start("route-edit-restart", 18400, 18401,
                "--camel.main.routes-include-pattern=file:" + routes.toAbsolutePath() + "/*.camel.yaml");
        try {
            SseClient client = awaitUp(gateway, 18400);
            HttpResponse<String> answer = client.post("/v1/chat/completions", CHAT);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("X-Operator-Step")).hasValue("edited");
        } finally {
            GatewayProcessTest.stop(gateway);
        }
    }

    @Test
    void anEditedRouteTakesEffectWithoutARestartWhenReloadIsEnabled() throws Exception {
        Path routes = copyRoutes("reload");
        Process gateway = GatewayProcessTest.start("route-edit-reload", 18402, 18403,
                "--camel.main.routes-include-pattern=file:" + routes.toAbsolutePath() + "/*.camel.yaml",
                "--camel.main.routes-reload-enabled=true",
                "--camel.main.routes-reload-directory=" + routes.toAbsolutePath());
        try {
            SseClient client = awaitUp(gateway, 18402);
            HttpResponse<String> before = client.post("/v1/chat/completions", CHAT);
            assertThat(before.statusCode()).isEqualTo(200);
            assertThat(before.headers().firstValue("X-Operator-Step")).isEmpty();

            addOperatorStep(routes);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .untilAsserted(() -> {
                        HttpResponse<String> after = client.post("/v1/chat/completions", CHAT);
                        assertThat(after.statusCode()).isEqualTo(200);
                        assertThat(after.headers().firstValue("X-Operator-Step")).hasValue("edited");
                    });
            assertThat(gateway.isAlive()).as("same process, not restarted").isTrue();
        } finally {
            GatewayProcessTest.stop(gateway);
        }
    }

    private static SseClient awaitUp(Process gateway, int port) {
        SseClient client = new SseClient(port);
        await().atMost(GatewayProcessTest.START_LIMIT).ignoreExceptions()
                .until(() -> !gateway.isAlive() || client.get("/v1/models").statusCode() == 200);
        assertThat(gateway.isAlive()).as("running").isTrue();
        return client;
    }

    /** A fresh copy of the repository's {@code routes/} under {@code target/}. */
    private static Path copyRoutes(String name) throws IOException {
        Path copy = Path.of("target", "operator-routes-" + name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return copy;
    }

    /**
     * Edits chat.camel.yaml as an operator's editor saves it: adds a header step before the JSON answer and replaces
     * the file in one move, so the reload watcher never reads a half-written file.
     */
    private static void addOperatorStep(Path routes) throws IOException {
        Path chat = routes.resolve("chat.camel.yaml");
        String yaml = Files.readString(chat, StandardCharsets.UTF_8);
        assertThat(yaml).as("anchor in chat.camel.yaml").containsOnlyOnce(ANCHOR);
        Path edited = routes.resolveSibling(routes.getFileName() + "-chat.camel.yaml.tmp");
        Files.writeString(edited, yaml.replace(ANCHOR, STEP + ANCHOR), StandardCharsets.UTF_8);
        Files.move(edited, chat, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
