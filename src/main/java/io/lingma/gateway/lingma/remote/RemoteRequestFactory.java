package io.lingma.gateway.lingma.remote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Builds signed remote requests (lingma-remote.md §6.1, §6.2, §4; client-api.md §9.9, §10.1, §10.3). Each call
 * uses fresh ids ({@code request_id}/{@code chat_record_id} 32 hex, {@code business.id} UUIDv4, auth payload
 * {@code requestId} UUIDv4), so call it once per attempt (retry, fallback). The body is serialised once and the
 * signature covers those exact bytes (raw JSON, or the Encode=1 text when {@code gateway.remote.encode-body}).
 * Thread-safe.
 */
public final class RemoteRequestFactory {

    /** Model-list path (§6.1). */
    public static final String MODEL_LIST_PATH = "/algo/api/v2/model/list";
    /** Chat path (§6.2). */
    public static final String CHAT_PATH = "/algo/api/v2/service/pro/sse/agent_chat_generation";
    /** Fixed chat query (§6.2). */
    public static final String CHAT_QUERY = "FetchKeys=llm_model_result&AgentId=agent_common";

    private final RemoteSettings settings;
    private final CosySigner signer;
    private final Clock clock;
    private final Supplier<String> chatIds;
    private final Supplier<String> uuids;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param settings the settings (version, user type, business profile, encode-body, headers, temperature,
     *                 max-tokens forwarding, tool mode)
     * @param signer   the signer (its clock and payload id source)
     * @param clock    clock for {@code business.begin_at} (epoch ms)
     * @param chatIds  source of {@code request_id} (32 lowercase hex)
     * @param uuids    source of {@code business.id} / {@code session_id} (UUIDv4 text)
     */
    public RemoteRequestFactory(RemoteSettings settings, CosySigner signer, Clock clock, Supplier<String> chatIds,
                                Supplier<String> uuids) {
        this.settings = settings;
        this.signer = signer;
        this.clock = clock;
        this.chatIds = chatIds;
        this.uuids = uuids;
    }

    /** @param settings the settings; system clock and random ids */
    public RemoteRequestFactory(RemoteSettings settings) {
        this(settings, new CosySigner(settings.version()), Clock.systemUTC(), () -> Ids.hex("", 32),
                () -> UUID.randomUUID().toString());
    }

    /**
     * {@code GET {base}/algo/api/v2/model/list}, signed over the empty body (§6.1).
     *
     * @param credential the credential
     * @param baseUrl    resolved base URL ({@code scheme://host[:port]})
     * @return the request; {@code requestId} is the auth payload {@code requestId}
     */
    public RemoteHttpRequest modelList(RemoteCredential credential, String baseUrl) {
        byte[] body = new byte[0];
        CosySigner.Signature signature = signer.sign(credential, MODEL_LIST_PATH, body);
        return new RemoteHttpRequest("GET", trimSlash(baseUrl) + MODEL_LIST_PATH,
                signer.headers(credential, signature, settings.headers()), body, signature.payloadRequestId());
    }

    /**
     * {@code POST {base}/algo/api/v2/service/pro/sse/agent_chat_generation?FetchKeys=…&AgentId=…[&Encode=1]}
     * with the §6.2 body built from the turn (§9.9 projection).
     *
     * @param turn       the normalised request (system, messages, tools, tool choice, temperature, max tokens,
     *                   reasoning effort)
     * @param modelKey   Lingma model key for {@code model_config.key}/{@code model} ({@code auto} → {@code ""})
     * @param credential the credential
     * @param baseUrl    resolved base URL
     * @return the request; {@code requestId} is the body's {@code request_id}
     */
    public RemoteHttpRequest chat(ChatTurn turn, String modelKey, RemoteCredential credential, String baseUrl) {
        String requestId = chatIds.get();
        ObjectNode body = chatBody(turn, modelKey, requestId, baseUrl);
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the remote chat body", e);
        }
        byte[] wire = settings.encodeBody() ? Encode1Codec.encode(json).getBytes(StandardCharsets.US_ASCII) : json;
        String query = CHAT_QUERY + (settings.encodeBody() ? "&Encode=1" : "");
        CosySigner.Signature signature = signer.sign(credential, CHAT_PATH, wire);
        return new RemoteHttpRequest("POST", trimSlash(baseUrl) + CHAT_PATH + "?" + query,
                signer.headers(credential, signature, settings.headers()), wire, requestId);
    }

    /**
     * The §6.2 chat body as a JSON tree (exposed for tests and diagnostics; {@link #chat} serialises it once).
     *
     * @param turn      the turn
     * @param modelKey  model key
     * @param requestId {@code request_id}/{@code chat_record_id}
     * @param baseUrl   base URL (decides the default {@code aliyun_user_type})
     * @return the body
     */
    public ObjectNode chatBody(ChatTurn turn, String modelKey, String requestId, String baseUrl) {
        String key = modelKey == null || modelKey.equalsIgnoreCase("auto") ? "" : modelKey;
        List<String> imageUrls = new ArrayList<>();
        ArrayNode messages = mapper.createArrayNode();
        if (!turn.system().isBlank()) {
            messages.add(message("system", mapper.getNodeFactory().textNode(turn.system())));
        }
        for (ChatMessage m : turn.messages()) {
            messages.add(projectMessage(m, imageUrls));
        }
        if (messages.isEmpty()) {
            messages.add(message("user", mapper.getNodeFactory().textNode("")));
        }

        ObjectNode body = mapper.createObjectNode();
        body.put("request_id", requestId);
        body.put("request_set_id", "");
        body.put("chat_record_id", requestId);
        // always streamed; the gateway aggregates non-streaming answers itself (§6.2)
        body.put("stream", true);
        if (imageUrls.isEmpty()) {
            body.putNull("image_urls");
        } else {
            ArrayNode urls = body.putArray("image_urls");
            imageUrls.forEach(urls::add);
        }
        body.put("is_reply", false);
        body.put("is_retry", false);
        body.put("session_id", settings.businessProfile() == RemoteSettings.BusinessProfile.IDE
                ? uuids.get() : "");
        body.put("code_language", "");
        body.put("source", 0);
        body.put("version", "3");
        body.put("chat_prompt", "");
        ObjectNode parameters = body.putObject("parameters");
        parameters.put("temperature", turn.temperature() != null ? turn.temperature()
                : settings.defaultTemperature());
        if (settings.forwardMaxTokens() && turn.maxTokens() != null && turn.maxTokens() > 0) {
            parameters.put("max_tokens", Math.min(turn.maxTokens(), settings.maxTokensCap()));
        }
        body.put("aliyun_user_type", userType(baseUrl));
        body.put("agent_id", "agent_common");
        body.put("task_id", "question_refine");
        ObjectNode modelConfig = body.putObject("model_config");
        modelConfig.put("key", key);
        modelConfig.put("display_name", "");
        modelConfig.put("model", key);
        modelConfig.put("format", "");
        modelConfig.put("is_vl", !imageUrls.isEmpty());
        modelConfig.put("is_reasoning", turn.reasoningRequested()
                || key.toLowerCase(Locale.ROOT).contains("thinking"));
        modelConfig.put("api_key", "");
        modelConfig.put("url", "");
        modelConfig.put("source", "");
        modelConfig.put("enable", false);
        body.set("messages", messages);
        body.set("business", business(requestId));
        if (settings.toolMode() == RemoteSettings.ToolMode.NATIVE && !turn.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolDefinition tool : turn.tools()) {
                ObjectNode function = tools.addObject().put("type", "function").putObject("function");
                function.put("name", tool.name());
                function.put("description", tool.description() == null ? "" : tool.description());
                JsonNode schema = tool.schema();
                function.set("parameters", schema == null || !schema.isObject() || schema.isEmpty()
                        ? mapper.createObjectNode().put("type", "object").set("properties", mapper.createObjectNode())
                        : schema);
            }
            JsonNode choice = toolChoice(turn.toolChoice());
            if (choice != null) {
                body.set("tool_choice", choice);
            }
        }
        return body;
    }

    private ObjectNode projectMessage(ChatMessage m, List<String> imageUrls) {
        JsonNode content;
        if (m.images().isEmpty()) {
            content = mapper.getNodeFactory().textNode(m.text());
        } else {
            ArrayNode parts = mapper.createArrayNode();
            if (!m.text().isEmpty()) {
                parts.addObject().put("type", "text").put("text", m.text());
            }
            for (ImageInput image : m.images()) {
                String url = imageUrl(image);
                if (url != null) {
                    imageUrls.add(url);
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                }
            }
            content = parts;
        }
        ObjectNode node = message(m.role().wireName(), content);
        if (m.role() == ChatRole.TOOL) {
            if (m.toolCallId() != null) {
                node.put("tool_call_id", m.toolCallId());
            }
            if (m.toolName() != null) {
                node.put("name", m.toolName());
            }
        }
        if (m.role() == ChatRole.ASSISTANT && !m.toolCalls().isEmpty()) {
            ArrayNode calls = node.putArray("tool_calls");
            int index = 0;
            for (ToolCall call : m.toolCalls()) {
                ObjectNode c = calls.addObject();
                c.put("index", index++);
                c.put("id", call.id());
                c.put("type", "function");
                c.putObject("function").put("name", call.name())
                        .put("arguments", call.arguments() == null || call.arguments().isBlank()
                                ? "{}" : call.arguments());
            }
        }
        return node;
    }

    private ObjectNode message(String role, JsonNode content) {
        ObjectNode node = mapper.createObjectNode();
        node.put("role", role);
        node.set("content", content);
        ObjectNode meta = node.putObject("response_meta");
        meta.put("id", "");
        meta.putObject("usage").put("prompt_tokens", 0).put("completion_tokens", 0).put("total_tokens", 0);
        node.put("reasoning_content_signature", "");
        return node;
    }

    private JsonNode toolChoice(ToolChoice choice) {
        return switch (choice.mode()) {
            case AUTO -> null;
            case NONE -> mapper.getNodeFactory().textNode("none");
            case ANY -> mapper.getNodeFactory().textNode("required");
            case TOOL -> {
                ObjectNode node = mapper.createObjectNode().put("type", "function");
                node.putObject("function").put("name", choice.name());
                yield node;
            }
        };
    }

    private ObjectNode business(String requestId) {
        ObjectNode business = mapper.createObjectNode();
        if (settings.businessProfile() == RemoteSettings.BusinessProfile.IDE) {
            business.put("product", "ide");
            business.put("version", settings.version());
            business.put("type", "chat");
            business.put("id", uuids.get());
            business.put("begin_at", 0);
            business.put("stage", "start");
            business.put("name", "api-bridge");
            business.putObject("relation");
        } else {
            business.put("product", "jb_plugin");
            business.put("version", settings.version());
            business.put("type", "memory");
            business.put("id", uuids.get());
            business.put("begin_at", clock.millis());
            business.put("stage", "start");
            business.put("name", "memory_intent_recognition_" + requestId);
        }
        return business;
    }

    private String userType(String baseUrl) {
        if (!settings.userType().isEmpty()) {
            return settings.userType();
        }
        String host;
        try {
            host = String.valueOf(URI.create(baseUrl).getHost()).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            host = "";
        }
        return host.endsWith(".rdc.aliyuncs.com") ? "enterprise_standard" : "personal_standard";
    }

    private static String imageUrl(ImageInput image) {
        if (image.url() != null && !image.url().isBlank()) {
            return image.url();
        }
        if (image.base64Data() != null && !image.base64Data().isBlank()) {
            return "data:" + image.mediaType() + ";base64," + image.base64Data();
        }
        return null;
    }

    private static String trimSlash(String url) {
        String value = url.trim();
        while (value.endsWith("/")) {
            value = value.substring(0, value.length() - 1);
        }
        return value;
    }
}
