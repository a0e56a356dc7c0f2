package io.lingma.gateway.simulator.remote;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator's routes match method and path exactly, as the real server's do (lingma-remote.md §11.1). */
class RemoteRoutesTest {

    private Vertx vertx;
    private RemoteSimulator simulator;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        simulator = new RemoteSimulator(vertx, RemoteSimulatorOptions.defaults());
        simulator.start();
    }

    @AfterEach
    void stop() throws Exception {
        simulator.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path))
                .timeout(Duration.ofSeconds(10)).method(method, method.equals("GET")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}")).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void wrongMethodsAndNearMissPathsGetTheOssPageNotAnAuthCheck() throws Exception {
        String[][] misses = {
                {"POST", RemoteRoutes.MODEL_LIST_PATH},
                {"GET", RemoteRoutes.CHAT_PATH},
                {"GET", RemoteRoutes.MODEL_LIST_PATH + "/"},
                {"POST", RemoteRoutes.CHAT_PATH + "/?FetchKeys=llm_model_result"},
                {"GET", "/algo/api/v2/model/./list"},
                {"PUT", "/anything"}};
        for (String[] miss : misses) {
            HttpResponse<String> response = send(miss[0], miss[1]);
            assertThat(response.statusCode()).as("%s %s", miss[0], miss[1]).isEqualTo(404);
            assertThat(response.body()).contains("<Code>NoSuchKey</Code>");
        }
        RemoteSimulatorStats stats = simulator.stats();
        assertThat(stats.requests()).isEqualTo(misses.length);
        assertThat(stats.modelListRequests() + stats.chatRequests() + stats.authRejections()).isZero();
        assertThat(simulator.requests()).hasSize(misses.length).allSatisfy(r ->
                assertThat(r.verdict()).isEqualTo(RecordedRemoteRequest.AuthVerdict.OK));
        assertThat(simulator.requests().get(0).method()).isEqualTo("POST");
        assertThat(new String(simulator.requests().get(0).rawBody())).isEqualTo("{}");
    }

    @Test
    void theRealPathsAreCheckedForAuthentication() throws Exception {
        assertThat(send("GET", RemoteRoutes.MODEL_LIST_PATH).statusCode()).isEqualTo(403);
        assertThat(send("POST", RemoteRoutes.CHAT_PATH + "?FetchKeys=llm_model_result&AgentId=agent_common")
                .statusCode()).isEqualTo(403);
        assertThat(simulator.stats().authRejections()).isEqualTo(2);
    }
}
