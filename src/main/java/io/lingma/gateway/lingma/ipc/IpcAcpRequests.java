package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ResolvedModel;

/**
 * Builds the parameters of the ACP set-up requests (lingma-ipc.md §5.2–§5.4): {@code session/new},
 * {@code session/set_model} and the {@code _meta} object every prompt and model switch carries. Shared by the turn
 * and the session pool, so a pooled session is set up exactly like one created on the request path.
 */
final class IpcAcpRequests {

    private IpcAcpRequests() {
    }

    /** @return {@code session/new} params: the agent {@code cwd} (forward slashes), no MCP servers, a timestamp */
    static ObjectNode sessionNew(ObjectMapper mapper, IpcSettings settings) {
        ObjectNode params = mapper.createObjectNode();
        params.put("cwd", settings.cwd().toAbsolutePath().toString().replace('\\', '/'));
        params.putArray("mcpServers");
        params.putObject("_meta");
        params.put("timestamp", System.currentTimeMillis());
        return params;
    }

    /** @return {@code session/set_model} params for {@code sessionId} and {@code model}'s key, request id {@code rid} */
    static ObjectNode setModel(ObjectMapper mapper, IpcSettings settings, ResolvedModel model, String sessionId,
                               String rid) {
        ObjectNode params = mapper.createObjectNode();
        params.put("sessionId", sessionId);
        params.put("modelId", model.key());
        params.put("timestamp", System.currentTimeMillis());
        params.set("_meta", meta(mapper, settings, model, rid));
        return params;
    }

    /**
     * @return the {@code _meta} object (§5.4): request id, shell type, no MCP servers, mode ({@code agent} for agent
     * models, else {@code gateway.ipc.mode}; omitted when empty), model key and current file when set
     */
    static ObjectNode meta(ObjectMapper mapper, IpcSettings settings, ResolvedModel model, String rid) {
        ObjectNode meta = mapper.createObjectNode();
        meta.put("ai-coding/request-id", rid);
        meta.put("ai-coding/shell-type", settings.shellType());
        meta.putArray("ai-coding/enabled-mcp-servers");
        String mode = model.agentMode() ? "agent" : settings.mode();
        if (!mode.isEmpty()) {
            meta.put("ai-coding/mode", mode);
        }
        if (model.key() != null && !model.key().isEmpty()) {
            meta.put("ai-coding/model", model.key());
        }
        if (settings.currentFilePath() != null) {
            meta.put("ai-coding/current-file-path", settings.currentFilePath());
        }
        return meta;
    }
}
