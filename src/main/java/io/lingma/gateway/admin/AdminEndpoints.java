package io.lingma.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.service.ConcurrencyLimiter;
import io.lingma.gateway.service.HealthService;
import io.lingma.gateway.service.ModelCatalog;
import org.apache.camel.Body;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The capability document and the admin endpoints that read or change the running gateway (issue 9 §3,
 * client-api.md §8.1, §8.5): {@code /capabilities}, {@code /internal/stats}, {@code /internal/default-model}.
 * Nothing here contains a secret: backend state comes from {@link ChatBackend#status()}, which masks credentials.
 */
public class AdminEndpoints {

    private final ChatBackend backend;
    private final ModelCatalog catalog;
    private final ConcurrencyLimiter limiter;
    private final CircuitBreaker breaker;
    private final GatewayStats stats;
    private final ObjectMapper mapper;
    private final Features features;
    private final String version;

    /**
     * The configuration-dependent flags of the capability document.
     *
     * @param localImagePaths {@code gateway.images.allow-local-files}
     * @param sessionMode     {@code gateway.ipc.session-mode} (IPC backends; null on remote)
     * @param debugRing       whether {@code gateway.debug.requests.size} is above 0
     */
    public record Features(boolean localImagePaths, String sessionMode, boolean debugRing) {
    }

    /**
     * @param backend  the upstream
     * @param catalog  the model catalogue
     * @param limiter  the generation concurrency limiter
     * @param breaker  the upstream circuit breaker
     * @param stats    the generation counters
     * @param mapper   JSON reader of the admin request bodies
     * @param features configuration flags
     * @param version  the gateway version
     */
    public AdminEndpoints(ChatBackend backend, ModelCatalog catalog, ConcurrencyLimiter limiter,
                          CircuitBreaker breaker, GatewayStats stats, ObjectMapper mapper, Features features,
                          String version) {
        this.backend = backend;
        this.catalog = catalog;
        this.limiter = limiter;
        this.breaker = breaker;
        this.stats = stats;
        this.mapper = mapper;
        this.features = features;
        this.version = version;
    }

    /**
     * {@code GET /capabilities}, {@code /v1/capabilities} (client-api.md §8.1): what the gateway supports now, so a
     * client can decide without trial and error. A catalogue that cannot be read leaves {@code model_metadata}
     * empty and says why in {@code models_error}.
     *
     * @return {@code {service, version, backend, backend_state{name, ready, simulator, connected}, protocols[],
     * features{…, tool_calling: native|emulated}, recommended_models{default}, model_metadata{<id>:{…}},
     * endpoints{…}}}
     */
    public Map<String, Object> capabilities() {
        boolean nativeTools = backend.nativeTools();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("service", HealthService.SERVICE);
        doc.put("version", version);
        doc.put("backend", backend.name());
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("ready", backend.ready());
        state.put("simulator", backend.simulated());
        state.put("circuit_breaker", breaker.getState().name());
        doc.put("backend_state", state);
        doc.put("protocols", List.of("openai.chat_completions", "openai.responses", "anthropic.messages"));
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("streaming", true);
        f.put("include_usage", true);
        f.put("tools", true);
        f.put("tool_calling", nativeTools ? "native" : "emulated");
        f.put("tool_prompt_emulation", !nativeTools);
        f.put("tool_alias_mapping", true);
        f.put("responses", true);
        f.put("count_tokens", true);
        f.put("images", true);
        f.put("local_image_paths", features.localImagePaths());
        f.put("remote_image_urls", true);
        f.put("image_auto_resize", true);
        f.put("request_log_image_redact", true);
        f.put("reasoning", true);
        f.put("thinking", true);
        f.put("session_modes", features.sessionMode() == null ? List.of() : List.of("fresh", "reuse", "auto"));
        f.put("session_mode", features.sessionMode());
        f.put("debug_requests", features.debugRing());
        doc.put("features", f);
        Map<String, Object> metadata = new LinkedHashMap<>();
        String defaultId = null;
        try {
            for (ModelInfo m : backend.models()) {
                String id = publicId(m);
                metadata.putIfAbsent(id, model(m));
            }
            defaultId = catalog.resolve("").publicId();
        } catch (GatewayException e) {
            doc.put("models_error", e.getMessage());
        }
        Map<String, Object> recommended = new LinkedHashMap<>();
        recommended.put("default", defaultId);
        doc.put("recommended_models", recommended);
        doc.put("model_metadata", metadata);
        Map<String, Object> endpoints = new LinkedHashMap<>();
        endpoints.put("chat_completions", List.of("/v1/chat/completions", "/api/v1/chat/completions"));
        endpoints.put("responses", List.of("/v1/responses", "/responses", "/api/v1/responses"));
        endpoints.put("messages", List.of("/v1/messages"));
        endpoints.put("count_tokens", List.of("/v1/messages/count_tokens"));
        endpoints.put("models", List.of("/v1/models", "/v1/models/{id}"));
        endpoints.put("admin", List.of("/internal/stats", "/internal/effective-config", "/internal/debug/requests",
                "/internal/default-model"));
        doc.put("endpoints", endpoints);
        return doc;
    }

    private String publicId(ModelInfo m) {
        Map<String, Object> entry = catalog.describe(m.key());
        return String.valueOf(entry.get("id"));
    }

    private static Map<String, Object> model(ModelInfo m) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("key", m.key());
        doc.put("display_name", m.displayName());
        boolean vision = Boolean.TRUE.equals(m.vision());
        doc.put("modalities", vision ? List.of("text", "image") : List.of("text"));
        List<String> caps = new ArrayList<>(List.of("tools"));
        if (vision) {
            caps.add("vision");
        }
        if (Boolean.TRUE.equals(m.reasoning())) {
            caps.add("reasoning");
        }
        doc.put("capabilities", caps);
        doc.put("scenes", m.scenes());
        return doc;
    }

    /**
     * {@code GET /internal/stats} (client-api.md §8.5).
     *
     * @return {@code {"stats":{…GatewayStats…},"concurrency":{in_flight, queued, accepted_total, rejected_total,
     * max_in_flight},"circuit_breakers":{"lingma-upstream":{…}},"session_cache":{…}|null,"upstream":{…backend
     * state…}}}
     */
    public Map<String, Object> stats() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("stats", stats.document());
        doc.put("concurrency", HealthService.concurrency(limiter));
        Map<String, Object> upstream = new LinkedHashMap<>(backend.status());
        Map<String, Object> breakers = new LinkedHashMap<>();
        breakers.put(breaker.getName(), HealthService.breaker(breaker));
        if (upstream.remove("model_breakers") instanceof Map<?, ?> perModel) {
            perModel.forEach((model, state) -> breakers.put("model:" + model, state));
        }
        doc.put("circuit_breakers", breakers);
        doc.put("session_cache", upstream.remove("session_cache"));
        upstream.put("ready", backend.ready());
        doc.put("upstream", upstream);
        return doc;
    }

    /**
     * {@code POST}/{@code PUT /internal/default-model} with {@code {"model":"…"}}: switches the default model until
     * the next restart ({@link ModelCatalog#changeDefault}); {@code /internal/effective-config} then reports it with
     * source {@code runtime}.
     *
     * @param body the request body
     * @return the catalogue's answer ({@code {ok, default_model, key, previous}})
     * @throws GatewayException 400 for a body that is not {@code {"model":"<name>"}} or an unknown model
     */
    public Map<String, Object> changeDefaultModel(@Body String body) {
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : mapper.readTree(body);
        } catch (JsonProcessingException e) {
            json = null;
        }
        JsonNode model = json == null ? null : json.get("model");
        if (model == null || !model.isTextual()) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "Send {\"model\": \"<model id>\"}", "model", null,
                    null);
        }
        return catalog.changeDefault(model.asText());
    }
}
