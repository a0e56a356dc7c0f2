package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /algo/api/v2/service/pro/sse/agent_chat_generation} (lingma-remote.md §6.2, §11.4): decodes the raw
 * or {@code Encode=1} body, records the request, answers a failed COSY check, validates the body shape, applies the
 * model key's fault and the unknown-model policy, then streams the newest matching {@link RemoteScript} (or the
 * default reply). Runs on the event loop.
 */
final class ChatEndpoint implements RemoteRoutes.Endpoint {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final RemoteSimulatorState state;
    private final SsePlayer player;

    ChatEndpoint(RemoteSimulatorState state) {
        this.state = state;
        this.player = new SsePlayer(state);
    }

    @Override
    public void serve(HttpServerRequest request, byte[] raw, CosyVerifier.Result auth) {
        state.chatRequests.incrementAndGet();
        boolean encoded = request.query() != null && request.query().contains("Encode=1");
        JsonNode body;
        try {
            body = MAPPER.readTree(encoded ? Encode1Body.decode(new String(raw, StandardCharsets.US_ASCII)) : raw);
        } catch (IOException | RuntimeException e) {
            body = null;
        }
        String modelKey = body == null ? null : body.path("model_config").path("key").isTextual()
                ? body.path("model_config").path("key").asText() : null;
        RecordedRemoteRequest rec = state.record(request, raw, body, auth.verdict(), modelKey,
                body == null ? null : lastUserText(body));
        if (EarlyAnswers.rejectAuth(state, request, auth)) {
            return;
        }
        if (body == null || !body.isObject()) {
            // a mis-encoded Encode=1 body answers 500 like the real server (§5, §11.1)
            request.response().setStatusCode(encoded ? 500 : 400).putHeader("Content-Type", "application/json")
                    .end("{\"code\":\"" + (encoded ? 500 : 400) + "\",\"message\":\"body is not JSON\"}");
            return;
        }
        if (!body.path("messages").isArray() || body.path("messages").isEmpty() || modelKey == null) {
            request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                    .end("{\"code\":\"400\",\"message\":\"messages and model_config.key are required\"}");
            return;
        }
        RemoteFault fault = state.faults.get(modelKey);
        if (fault != null) {
            state.faultsInjected.incrementAndGet();
            if (EarlyAnswers.preStreamFault(state, request, fault, rec)) {
                return;
            }
        }
        if (!knownModel(auth.account(), modelKey)) {
            switch (state.options.unknownModel()) {
                case "http400" -> {
                    request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                            .end("{\"code\":\"400\",\"message\":\"unknown model key " + jsonSafe(modelKey) + "\"}");
                    return;
                }
                case "auto" -> modelKey = "org_auto";
                default -> fault = RemoteFault.envelopeErrorFirst(400, "{\"code\":\"model_not_found\",\"message\":"
                        + "\"unknown model key " + jsonSafe(modelKey) + "\"}");
            }
        }
        player.play(request, rec, SseFrames.of(chooseScript(modelKey, rec.lastUserText()), modelKey, fault));
    }

    private static boolean knownModel(RemoteSimulatorAccount account, String key) {
        if (key.isEmpty() || key.equals("org_auto")) {
            return true;
        }
        return CatalogueKeys.of(RemoteSimulatorState.modelListJson(account)).map(keys -> keys.contains(key))
                .orElse(true);
    }

    private RemoteScript chooseScript(String modelKey, String lastUserText) {
        for (RemoteScript script : state.scripts) {
            if (script.matches(modelKey, lastUserText)) {
                return script;
            }
        }
        return defaultReply(modelKey, lastUserText);
    }

    /** The unscripted answer: an unmistakable simulator greeting echoing the prompt, in about three deltas. */
    private static RemoteScript defaultReply(String modelKey, String lastUserText) {
        String reply = "Hello from the Lingma remote simulator (" + modelKey + "). You said: "
                + (lastUserText == null ? "" : lastUserText);
        int[] cps = reply.codePoints().toArray();
        int third = Math.max(1, cps.length / 3);
        List<String> parts = new ArrayList<>();
        for (int start = 0; start < cps.length; start += third) {
            int end = start + third >= cps.length - 1 ? cps.length : start + third;
            parts.add(new String(cps, start, end - start));
            if (end == cps.length) {
                break;
            }
        }
        int promptTokens = Math.max(1, (lastUserText == null ? 0 : lastUserText.length()) / 4);
        return RemoteScript.reply(parts.toArray(String[]::new))
                .withUsage(new int[]{promptTokens, Math.max(1, reply.length() / 4)}, null);
    }

    private static String lastUserText(JsonNode body) {
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode message = messages.get(i);
            if (message.path("role").asText("").equals("user")) {
                JsonNode content = message.path("content");
                if (content.isTextual()) {
                    return content.asText();
                }
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : content) {
                    if (part.path("type").asText("").equals("text")) {
                        sb.append(sb.isEmpty() ? "" : "\n").append(part.path("text").asText(""));
                    }
                }
                return sb.toString();
            }
        }
        return null;
    }

    private static String jsonSafe(String text) {
        String quoted = MAPPER.getNodeFactory().textNode(text).toString();
        return quoted.substring(1, quoted.length() - 1);
    }
}
