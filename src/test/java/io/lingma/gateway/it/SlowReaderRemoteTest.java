package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.remote.RemoteScript;
import io.lingma.gateway.simulator.remote.RemoteSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A slow client on the remote backend: the gateway stops reading Lingma's stream while
 * {@code gateway.stream.max-buffered-bytes} of the answer wait for the client (TCP backpressure upstream), and the
 * client gets the whole answer once it reads on — no buffer overflow, no abort.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=remote", "gateway.remote.simulator=true", "gateway.http.port=18232",
                "camel.management.enabled=false", "gateway.stream.max-buffered-bytes=262144"})
class SlowReaderRemoteTest {

    private static final int MB = 1024 * 1024;
    /** Small deltas: many events for few bytes, more than the 4096 events a turn may hold. */
    private static final String CHUNK = "0123456789abcde\n";

    @BeanInject("remoteSimulator")
    RemoteSimulator remote;

    @Test
    void slowReaderPausesTheUpstreamAndGetsTheWholeAnswer() throws Exception {
        int chunks = 65536;
        remote.addScript(RemoteScript.reply(Collections.nCopies(chunks, CHUNK).toArray(String[]::new))
                .whenUserMatches("\\[slow:remote\\]"));
        long aborts = remote.stats().clientAborts();
        try (SlowReader reader = SlowReader.post(18232, "/v1/chat/completions",
                "{\"model\":\"kmodel\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"[slow:remote]\"}]}")) {
            assertThat(reader.readHead()).startsWith("HTTP/1.1 200");
            // the simulator sends regardless of the gateway; once half is out, an overflowing buffer would have ended
            // the turn and dropped the connection to Lingma
            await().atMost(Duration.ofSeconds(15)).until(() -> remote.stats().framesWritten() > chunks / 2
                    || remote.stats().clientAborts() > aborts);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> remote.stats().clientAborts() == aborts);
            String body = reader.readToEnd(64 * MB);
            List<String> data = body.lines().filter(l -> l.startsWith("data: ")).toList();
            assertThat(data.get(data.size() - 1)).isEqualTo("data: [DONE]");
            long text = data.stream().filter(l -> l.contains("\"content\":\"0123456789abcde\\n\"")).count();
            assertThat(text).isEqualTo(chunks);
            assertThat(body).doesNotContain("\"error\"");
        }
        assertThat(remote.stats().clientAborts()).isEqualTo(aborts);
    }
}
