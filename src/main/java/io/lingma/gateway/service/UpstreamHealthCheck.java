package io.lingma.gateway.service;

import io.lingma.gateway.chat.ChatBackend;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * Camel readiness check "lingma-upstream" for {@code /observe/health} (and Kubernetes probes): DOWN while the
 * Lingma upstream cannot take a turn. Liveness is not affected: a gateway waiting for Lingma is alive.
 */
public class UpstreamHealthCheck extends AbstractHealthCheck {

    private final ChatBackend backend;

    /** @param backend the upstream whose readiness is reported */
    public UpstreamHealthCheck(ChatBackend backend) {
        super("gateway", "lingma-upstream");
        this.backend = backend;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("backend", backend.name());
        Object transport = backend.status().get("transport");
        if (transport != null) {
            builder.detail("transport", transport);
        }
        if (backend.ready()) {
            builder.up();
        } else {
            builder.message("Lingma upstream is not reachable").down();
        }
    }
}
