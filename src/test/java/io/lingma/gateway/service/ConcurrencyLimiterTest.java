package io.lingma.gateway.service;

import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Golden vectors 72, 73 and the bounded queue of client-api.md §2.6. */
class ConcurrencyLimiterTest {

    @Test
    void vector72UnlimitedAndIdempotentRelease() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(0, 0, Duration.ofSeconds(1), 5);
        ConcurrencyLimiter.Permit p = limiter.acquire();
        assertThat(limiter.inFlight()).isEqualTo(1);
        p.release();
        p.release();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.acceptedTotal()).isEqualTo(1);
    }

    @Test
    void vector73QueueTimeoutGives429() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1, 5, Duration.ofMillis(10), 5);
        limiter.acquire();
        assertThatThrownBy(limiter::acquire).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.retryAfterSeconds()).isEqualTo(5);
        });
        assertThat(limiter.rejectedTotal()).isEqualTo(1);
    }

    @Test
    void aFullQueueIsRejectedAtOnceNotAfterTheTimeout() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1, 0, Duration.ofSeconds(30), 5);
        limiter.acquire();
        long start = System.nanoTime();
        assertThatThrownBy(limiter::acquire).isInstanceOf(GatewayException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
    }

    @Test
    void aQueuedRequestGetsTheReleasedSlot() throws Exception {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1, 1, Duration.ofSeconds(10), 5);
        ConcurrencyLimiter.Permit first = limiter.acquire();
        CompletableFuture<ConcurrencyLimiter.Permit> waiting = CompletableFuture.supplyAsync(limiter::acquire);
        await().atMost(Duration.ofSeconds(5)).until(() -> limiter.queued() == 1);
        first.release();
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(limiter.queued()).isZero();
        assertThat(limiter.inFlight()).isEqualTo(1);
    }
}
