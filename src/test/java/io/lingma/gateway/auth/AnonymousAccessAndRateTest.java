package io.lingma.gateway.auth;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The start-up rule without keys, and the per-key request rate (issue 9 §1). */
class AnonymousAccessAndRateTest {

    @Test
    void withoutKeysOnlyLoopbackStartsUnlessAnonymousAccessIsAllowed() {
        for (String loopback : List.of("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2")) {
            assertThat(AnonymousAccess.check(false, loopback, 8095, false)).as(loopback)
                    .contains("accepts connections on loopback");
        }
        for (String network : List.of("0.0.0.0", "::", "192.0.2.10", "gateway.example.com")) {
            assertThatThrownBy(() -> AnonymousAccess.check(false, network, 8095, false)).as(network)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("refusing to serve " + network + ":8095 without API keys");
            assertThat(AnonymousAccess.check(false, network, 8095, true)).as(network)
                    .contains("gateway.auth.allow-anonymous=true");
            assertThat(AnonymousAccess.check(true, network, 8095, false)).as(network).isNull();
        }
    }

    @Test
    void aKeyOverItsRateWaitsForTheNextPeriodAndOthersDoNot() {
        KeyRateLimiter rates = new KeyRateLimiter();
        ApiKey two = new ApiKey("two", new byte[32], List.of(), 2);
        ApiKey unlimited = new ApiKey("unlimited", new byte[32], List.of(), 0);
        assertThat(rates.acquire(two)).isZero();
        assertThat(rates.acquire(two)).isZero();
        assertThat(rates.acquire(two)).isBetween(1L, 60L);
        for (int i = 0; i < 100; i++) {
            assertThat(rates.acquire(unlimited)).isZero();
        }
        // the keys file changed the key's rate: it applies at once
        ApiKey raised = new ApiKey("two", new byte[32], List.of(), 3);
        for (int i = 0; i < 3; i++) {
            assertThat(rates.acquire(raised)).isZero();
        }
        assertThat(rates.acquire(raised)).isBetween(1L, 60L);
    }
}
