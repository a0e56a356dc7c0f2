package io.lingma.gateway.auth;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

import java.time.Duration;

/**
 * Per-key request rate (issue 9 §1, client-api.md §2.6): each key with a {@code requests-per-minute} gets its own
 * resilience4j {@link RateLimiter} of that many permits per one-minute period, never waiting for one. A key whose
 * rate changed in the keys file starts afresh at its new rate. Thread-safe.
 */
public final class KeyRateLimiter {

    private static final Duration PERIOD = Duration.ofMinutes(1);

    private final RateLimiterRegistry registry = RateLimiterRegistry.of(RateLimiterConfig.custom()
            .limitRefreshPeriod(PERIOD).timeoutDuration(Duration.ZERO).build());

    /**
     * Takes one request permit of the key.
     *
     * @param key the authenticated key
     * @return 0 when the request may go ahead; else the whole seconds (at least 1) until the key's next permit,
     * for {@code Retry-After}
     */
    public long acquire(ApiKey key) {
        int limit = key.requestsPerMinute();
        if (limit <= 0) {
            return 0;
        }
        RateLimiter limiter = limiter(key.name(), limit);
        if (limiter.getRateLimiterConfig().getLimitForPeriod() != limit) {
            // changeLimitForPeriod would wait for the next period; the operator's new rate applies at once
            registry.remove(key.name());
            limiter = limiter(key.name(), limit);
        }
        if (limiter.acquirePermission()) {
            return 0;
        }
        long nanos = limiter instanceof AtomicRateLimiter atomic
                ? atomic.getDetailedMetrics().getNanosToWait() : PERIOD.toNanos();
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    private RateLimiter limiter(String name, int limit) {
        return registry.rateLimiter(name, () -> RateLimiterConfig.from(registry.getDefaultConfig())
                .limitForPeriod(limit).build());
    }
}
