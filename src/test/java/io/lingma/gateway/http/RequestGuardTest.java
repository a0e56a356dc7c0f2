package io.lingma.gateway.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When the Host check applies, and which CORS origin lists start (client-api.md §2.3). */
class RequestGuardTest {

    @Test
    void hostCheckIsOnWhileBoundToLoopbackAndOnlyWhenListedElsewhere() {
        for (String bind : new String[]{"127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2", "LOCALHOST"}) {
            assertThat(guard(bind, "", "").checksHost()).as(bind).isTrue();
            assertThat(guard(bind, "", "*").checksHost()).as(bind + " with *").isFalse();
        }
        for (String bind : new String[]{"0.0.0.0", "::", "192.168.1.5", "gateway.lan"}) {
            assertThat(guard(bind, "", "").checksHost()).as(bind).isFalse();
            assertThat(guard(bind, "", "gw.example").checksHost()).as(bind + " with a list").isTrue();
            assertThat(guard(bind, "", "gw.example,*").checksHost()).as(bind + " with *").isFalse();
        }
    }

    @Test
    void corsOriginsMustBeOriginsAndStarStandsAlone() {
        guard("127.0.0.1", "http://app.example:3000, https://b.example", "");
        guard("127.0.0.1", "*", "");
        for (String bad : new String[]{"*,http://a.example", "http://a.example,*", "app.example",
                "http://a.example/", "http://a.example/app", "ftp://a.example", "null", "http://u@a.example"}) {
            assertThatThrownBy(() -> guard("127.0.0.1", bad, "")).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gateway.cors.allowed-origins");
        }
    }

    private static RequestGuard guard(String bind, String origins, String hosts) {
        return new RequestGuard(null, RequestGuard.Settings.parse(bind, origins, hosts));
    }
}
