package io.lingma.gateway.service;

import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.http.GatewayExchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves requested model names against the backend's live catalogue (client-api.md §3.3, lingma-ipc.md §8) and
 * builds the public model list (client-api.md §3.1).
 */
public class ModelCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    /** The built-in display-name table (client-api.md §3.3 step 4). */
    static final Map<String, String> BUILT_IN = Map.of(
            "kimi-k2.6", "kmodel",
            "minimax-m2.7", "mmodel",
            "qwen3-coder", "dashscope_qwen3_coder",
            "qwen3-max", "dashscope_qwen_max_latest",
            "qwen3-thinking", "dashscope_qwen_plus_20250428_thinking",
            "qwen3.6-plus", "dashscope_qmodel",
            "auto", "org_auto");

    /** Pseudo-model used when the catalogue is empty: no {@code set_model}, the server default answers. */
    public static final String PSEUDO_MODEL = "lingma";

    private static final Set<String> AGENT_NAMES = Set.of("agent", "lingma-agent");

    /** What to do with a name that resolves to nothing (client-api.md §3.3 step 6). */
    public enum UnknownPolicy { MAP_DEFAULT, REJECT, PASS_THROUGH }

    private final ChatBackend backend;
    private final String configuredDefault;
    private final UnknownPolicy unknownPolicy;
    private final boolean publicIdIsKey;
    private final Map<String, String> aliases;
    private final java.util.function.BooleanSupplier simulated;
    private final long created = System.currentTimeMillis() / 1000;
    private final Set<String> loggedUnknown = ConcurrentHashMap.newKeySet();

    /**
     * @param backend           the upstream whose catalogue is used
     * @param configuredDefault {@code gateway.default-model}; empty = the first chat model the upstream lists
     * @param unknownPolicy     {@code gateway.models.unknown-policy}
     * @param publicIdIsKey     {@code gateway.models.public-id=key} (true) or {@code display-name}
     * @param aliases           {@code gateway.models.aliases}: name or glob → model key or display name
     */
    public ModelCatalog(ChatBackend backend, String configuredDefault, UnknownPolicy unknownPolicy,
                        boolean publicIdIsKey, Map<String, String> aliases) {
        this.backend = backend;
        this.configuredDefault = configuredDefault == null ? "" : configuredDefault.trim();
        this.unknownPolicy = unknownPolicy;
        this.publicIdIsKey = publicIdIsKey;
        this.aliases = new LinkedHashMap<>(aliases);
        this.simulated = backend::simulated;
    }

    /**
     * Parses {@code gateway.models.aliases}: comma-separated {@code pattern=target} pairs, e.g.
     * {@code claude-*=kmodel,gpt-*=kmodel}.
     *
     * @param spec the property value, may be empty
     * @return pattern → target, in order
     */
    public static Map<String, String> parseAliases(String spec) {
        Map<String, String> map = new LinkedHashMap<>();
        if (spec == null) {
            return map;
        }
        for (String pair : spec.split("[,\\n]")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return map;
    }

    /**
     * Resolves the model a normalised request asks for (the chat route's bean call).
     *
     * @param turn the exchange's normalised request
     * @return the model to run, as {@link #resolve(String)} of its {@code requestedModel}
     */
    public ResolvedModel resolveFor(@ExchangeProperty(GatewayExchange.TURN) ChatTurn turn) {
        return resolve(turn.requestedModel());
    }

    /**
     * Resolves a requested model name.
     *
     * @param requested the client's {@code model} field (may be null or empty)
     * @return the model to run
     * @throws GatewayException 404 {@code model_not_found} under the {@code reject} policy; 503/502 when the
     *                          catalogue cannot be read
     */
    public ResolvedModel resolve(String requested) {
        String name = requested == null ? "" : requested.trim();
        List<ModelInfo> models = backend.models();
        if (models.isEmpty()) {
            return new ResolvedModel("", "Lingma", PSEUDO_MODEL, AGENT_NAMES.contains(name.toLowerCase(Locale.ROOT)));
        }
        if (name.isEmpty()) {
            return defaultModel(models, false);
        }
        ModelInfo hit = find(models, name);
        if (hit != null) {
            return toResolved(hit, false);
        }
        for (Map.Entry<String, String> alias : aliases.entrySet()) {
            if (matches(alias.getKey(), name)) {
                ModelInfo target = find(models, alias.getValue());
                if (target != null) {
                    return toResolved(target, false);
                }
            }
        }
        String builtIn = BUILT_IN.get(name.toLowerCase(Locale.ROOT));
        if (builtIn != null) {
            ModelInfo target = find(models, builtIn);
            if (target != null) {
                return toResolved(target, false);
            }
        }
        if (AGENT_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
            return defaultModel(models, true);
        }
        switch (unknownPolicy) {
            case REJECT:
                throw new GatewayException(ErrorKind.MODEL_NOT_FOUND,
                        "The model '" + name + "' does not exist or you do not have access to it.", "model", null,
                        null);
            case PASS_THROUGH:
                return new ResolvedModel(name, name, name, false);
            default:
                if (loggedUnknown.add(name)) {
                    LOG.info("Unknown model '{}' mapped to the default model", name);
                }
                return defaultModel(models, false);
        }
    }

    /**
     * @return the public model list body entries (client-api.md §3.1): {@code id}, {@code object}, {@code created},
     * {@code owned_by}, {@code name}; a single {@code lingma} entry when the catalogue is empty
     * @throws GatewayException 503/502 when the catalogue cannot be read
     */
    public List<Map<String, Object>> listModels() {
        List<ModelInfo> models = backend.models();
        List<Map<String, Object>> data = new ArrayList<>();
        if (models.isEmpty()) {
            data.add(entry(PSEUDO_MODEL, "Lingma"));
            return data;
        }
        Set<String> seen = ConcurrentHashMap.newKeySet();
        for (ModelInfo m : sortedChatFirst(models)) {
            ResolvedModel r = toResolved(m, false);
            if (seen.add(r.publicId())) {
                data.add(entry(r.publicId(), m.displayName()));
            }
        }
        return data;
    }

    /**
     * @return the OpenAI list document {@code {"object":"list","data":[…]}} (client-api.md §3.1)
     * @throws GatewayException 503/502 when the catalogue cannot be read
     */
    public Map<String, Object> modelList() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("object", "list");
        doc.put("data", listModels());
        return doc;
    }

    /**
     * @param id a public id, key, display name or alias
     * @return the single model entry of {@link #listModels()} for it
     * @throws GatewayException 404 {@code model_not_found} when nothing matches
     */
    public Map<String, Object> describe(@Header("model") String id) {
        List<ModelInfo> models = backend.models();
        ModelInfo hit = models.isEmpty() ? null : find(models, id);
        if (hit == null && !models.isEmpty()) {
            String builtIn = BUILT_IN.get(id.toLowerCase(Locale.ROOT));
            hit = builtIn == null ? null : find(models, builtIn);
        }
        if (hit == null) {
            if (models.isEmpty() && PSEUDO_MODEL.equalsIgnoreCase(id)) {
                return entry(PSEUDO_MODEL, "Lingma");
            }
            throw new GatewayException(ErrorKind.MODEL_NOT_FOUND,
                    "The model '" + id + "' does not exist or you do not have access to it.", "model", null, null);
        }
        return entry(toResolved(hit, false).publicId(), hit.displayName());
    }

    private Map<String, Object> entry(String id, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", simulated.getAsBoolean() ? "lingma-simulator" : "lingma");
        m.put("name", name);
        return m;
    }

    private ResolvedModel defaultModel(List<ModelInfo> models, boolean agentMode) {
        if (!configuredDefault.isEmpty()) {
            ModelInfo hit = find(models, configuredDefault);
            if (hit == null) {
                String builtIn = BUILT_IN.get(configuredDefault.toLowerCase(Locale.ROOT));
                hit = builtIn == null ? null : find(models, builtIn);
            }
            if (hit != null) {
                return toResolved(hit, agentMode);
            }
        }
        return toResolved(sortedChatFirst(models).get(0), agentMode);
    }

    private static List<ModelInfo> sortedChatFirst(List<ModelInfo> models) {
        List<ModelInfo> chat = new ArrayList<>();
        List<ModelInfo> other = new ArrayList<>();
        for (ModelInfo m : models) {
            (m.scenes().contains("chat") ? chat : other).add(m);
        }
        chat.addAll(other);
        return chat;
    }

    private static ModelInfo find(List<ModelInfo> models, String name) {
        for (ModelInfo m : sortedChatFirst(models)) {
            if (m.key().equalsIgnoreCase(name)) {
                return m;
            }
        }
        for (ModelInfo m : sortedChatFirst(models)) {
            if (m.displayName().equalsIgnoreCase(name)) {
                return m;
            }
        }
        return null;
    }

    private ResolvedModel toResolved(ModelInfo m, boolean agentMode) {
        return new ResolvedModel(m.key(), m.displayName(), publicIdIsKey ? m.key() : m.displayName(), agentMode);
    }

    /**
     * @param pattern a model name or a glob ({@code *} any run, {@code ?} one character)
     * @param name    a model name
     * @return whether the name matches, ignoring case
     */
    public static boolean matches(String pattern, String name) {
        if (!pattern.contains("*") && !pattern.contains("?")) {
            return pattern.equalsIgnoreCase(name);
        }
        String regex = "\\Q" + pattern.toLowerCase(Locale.ROOT).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q")
                + "\\E";
        return name.toLowerCase(Locale.ROOT).matches(regex);
    }
}
