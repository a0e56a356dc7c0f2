package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.RecordedPrompt;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.lingma.gateway.it.CrossSiteRequestTest.assertForbidden;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gateway.http.allowed-hosts} widens the loopback {@code Host} allowlist (a reverse proxy's name, a LAN
 * name), and with CORS left off (the default) every cross-site {@code Origin} is refused, even on JSON requests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18216", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.http.allowed-hosts=gw.example, *.lan.example"})
class AllowedHostsTest {

    private static final int PORT = 18216;
    private static final String CHAT = "{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}";

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @Test
    void listedHostsAreServedBesideTheLoopbackNames() throws Exception {
        for (String host : List.of("gw.example", "gw.example:443", "GW.EXAMPLE:" + PORT, "box.lan.example",
                "a.b.lan.example:8080", "localhost:" + PORT, "127.0.0.1:" + PORT, "[::1]")) {
            RawHttp.Response r = post(host, "listed host " + host);
            assertThat(r.status()).as(host).isEqualTo(200);
            assertThat(simulator.prompts()).extracting(RecordedPrompt::text)
                    .anyMatch(t -> t.contains("listed host " + host));
        }
    }

    @Test
    void otherHostsAreStillRefused() throws Exception {
        for (String host : List.of("evil.example", "gw.example.evil.example", "lan.example.evil", "evil-gw.example")) {
            RawHttp.Response r = post(host, "unlisted host " + host);
            assertForbidden(r, "/v1/chat/completions", "Host not allowed");
            assertThat(simulator.prompts()).extracting(RecordedPrompt::text)
                    .noneMatch(t -> t.contains("unlisted host " + host));
        }
    }

    @Test
    void withCorsOffEveryCrossSiteOriginIsRefused() throws Exception {
        for (String origin : List.of("https://evil.example", "http://gw.example", "null")) {
            RawHttp.Response r = post("127.0.0.1:" + PORT, "cross-site " + origin, "Origin: " + origin);
            assertForbidden(r, "/v1/chat/completions", "Origin not allowed");
            assertThat(r.headers()).doesNotContainKey("access-control-allow-origin");
            RawHttp.Response preflight = RawHttp.exchange(PORT, "OPTIONS /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:"
                    + PORT + "\r\nOrigin: " + origin + "\r\nAccess-Control-Request-Method: POST", null);
            assertForbidden(preflight, "/v1/messages", "Origin not allowed");
        }
        assertThat(simulator.prompts()).extracting(RecordedPrompt::text).noneMatch(t -> t.contains("cross-site"));
        // the page the gateway itself serves under a listed name is same-origin
        RawHttp.Response same = post("gw.example:" + PORT, "same origin", "Origin: http://gw.example:" + PORT);
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.headers()).doesNotContainKey("access-control-allow-origin");
    }

    private RawHttp.Response post(String host, String text, String... extraHeaders) throws Exception {
        byte[] body = CHAT.formatted(text).getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST /v1/chat/completions HTTP/1.1\r\nHost: " + host
                + "\r\nContent-Type: application/json");
        for (String h : extraHeaders) {
            head.append("\r\n").append(h);
        }
        head.append("\r\nContent-Length: ").append(body.length);
        return RawHttp.exchange(PORT, head.toString(), body);
    }
}
