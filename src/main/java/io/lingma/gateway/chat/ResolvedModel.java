package io.lingma.gateway.chat;

/**
 * A requested model name resolved against the catalogue (client-api.md §3.3).
 *
 * @param key         the Lingma key sent upstream; empty for the pseudo-model {@code lingma} (server default)
 * @param displayName the display name
 * @param publicId    the id reported to clients in {@code model} fields
 * @param agentMode   true when the virtual names {@code agent}/{@code lingma-agent} forced IPC agent mode
 */
public record ResolvedModel(String key, String displayName, String publicId, boolean agentMode) {
}
