package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolDefinition;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The prefix-hash session cache of {@code auto} mode (client-api.md §11.3): maps a conversation-prefix key to the
 * Lingma session that already holds that conversation.
 *
 * <p>Store: in-memory, strict LRU by access order with a TTL since write ({@code gateway.session-cache.max-entries},
 * {@code gateway.session-cache.ttl}). Caffeine's W-TinyLFU admission would keep old entries and drop new ones in a
 * small cache, which contradicts the LRU rule and golden vector 78, so this store is a synchronised
 * access-ordered map. Evicted, expired and replaced entries are handed to the removal callback (which deletes the
 * session upstream); explicit {@link #acquire} and {@link #invalidate} do not call it.
 *
 * <p>Key = {@code <scope>:<user_hash>:<tool_fp>[:<branch_hash>]} with SHA-1 hex digests (JDK
 * {@link MessageDigest}); see {@link #buildKey}.
 */
public final class IpcSessionCache {

    private static final char UNIT = '\u001F';
    private static final char RECORD = '\u001E';
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** Why an entry left the cache through the removal callback. */
    public enum Removal {
        /** Capacity overflow removed the least-recently-used entry ({@code evict_total}). */
        EVICTED,
        /** The TTL elapsed ({@code expire_total}). */
        EXPIRED,
        /** A put under the same key replaced it. */
        REPLACED,
        /** Dropped by {@link #invalidateIf} or {@link #clear()}. */
        INVALIDATED
    }

    /**
     * A cached Lingma session.
     *
     * @param sessionId  the Lingma session id
     * @param generation the connection generation it lives on (an entry of an older generation is unusable)
     * @param modelKey   the model last set on it (empty = server default)
     */
    public record Entry(String sessionId, long generation, String modelKey) {
    }

    /**
     * Counters exported as metrics (client-api.md §8.4).
     *
     * @param hits        lookups that found a usable entry
     * @param misses      lookups that did not
     * @param evictions   LRU evictions
     * @param expirations TTL expirations
     * @param size        current entries
     */
    public record Stats(long hits, long misses, long evictions, long expirations, int size) {
    }

    private record Slot(Entry entry, long writtenNanos) {
    }

    private final boolean enabled;
    private final int maxEntries;
    private final long ttlNanos;
    private final LongSupplier ticker;
    private final BiConsumer<Entry, Removal> onRemoval;
    private final LinkedHashMap<String, Slot> map = new LinkedHashMap<>(16, 0.75f, true);
    private long hits;
    private long misses;
    private long evictions;
    private long expirations;

    /**
     * @param enabled    {@code gateway.session-cache.enabled}
     * @param maxEntries {@code gateway.session-cache.max-entries} (0 disables the cache)
     * @param ttl        {@code gateway.session-cache.ttl}
     * @param ticker     nanosecond clock ({@code System::nanoTime} in production)
     * @param onRemoval  called (outside the cache lock) for evicted, expired, replaced and invalidated entries
     */
    public IpcSessionCache(boolean enabled, int maxEntries, Duration ttl, LongSupplier ticker,
                           BiConsumer<Entry, Removal> onRemoval) {
        this.enabled = enabled && maxEntries > 0;
        this.maxEntries = maxEntries;
        this.ttlNanos = ttl.toNanos();
        this.ticker = ticker;
        this.onRemoval = onRemoval;
    }

    /** @return true when the cache is on and has capacity */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Looks a key up and, on a hit, takes the entry out so it is "in use": a concurrent request with the same key
     * misses. Put it back (under the new write key) after a clean finish.
     *
     * @param key a read key
     * @return the entry, or null on a miss (an expired entry counts as a miss and an expiration)
     */
    public Entry acquire(String key) {
        List<Map.Entry<Entry, Removal>> removed = new ArrayList<>();
        Entry result = null;
        synchronized (this) {
            if (!enabled) {
                return null;
            }
            purgeExpired(removed);
            Slot slot = map.remove(key);
            if (slot != null) {
                hits++;
                result = slot.entry();
            } else {
                misses++;
            }
        }
        notifyRemoved(removed);
        return result;
    }

    /**
     * Stores an entry; the least-recently-used entries beyond capacity are evicted.
     *
     * @param key   a write key
     * @param entry the session
     */
    public void put(String key, Entry entry) {
        List<Map.Entry<Entry, Removal>> removed = new ArrayList<>();
        synchronized (this) {
            if (!enabled) {
                return;
            }
            purgeExpired(removed);
            Slot previous = map.put(key, new Slot(entry, ticker.getAsLong()));
            if (previous != null && !previous.entry().sessionId().equals(entry.sessionId())) {
                removed.add(Map.entry(previous.entry(), Removal.REPLACED));
            }
            Iterator<Map.Entry<String, Slot>> it = map.entrySet().iterator();
            while (map.size() > maxEntries && it.hasNext()) {
                Slot eldest = it.next().getValue();
                it.remove();
                evictions++;
                removed.add(Map.entry(eldest.entry(), Removal.EVICTED));
            }
        }
        notifyRemoved(removed);
    }

    /**
     * Drops a key without calling the removal callback.
     *
     * @param key the key
     * @return the dropped entry, or null
     */
    public synchronized Entry invalidate(String key) {
        Slot slot = map.remove(key);
        return slot == null ? null : slot.entry();
    }

    /**
     * Drops every entry that matches (e.g. entries of an older connection generation) and hands each to the
     * removal callback as {@link Removal#INVALIDATED}.
     *
     * @param predicate which entries to drop
     * @return the dropped entries
     */
    public List<Entry> invalidateIf(Predicate<Entry> predicate) {
        List<Map.Entry<Entry, Removal>> removed = new ArrayList<>();
        synchronized (this) {
            map.values().removeIf(slot -> {
                if (predicate.test(slot.entry())) {
                    removed.add(Map.entry(slot.entry(), Removal.INVALIDATED));
                    return true;
                }
                return false;
            });
        }
        notifyRemoved(removed);
        return removed.stream().map(Map.Entry::getKey).toList();
    }

    /**
     * Empties the cache (shutdown); every entry goes to the removal callback as {@link Removal#INVALIDATED}.
     *
     * @return the removed entries
     */
    public List<Entry> clear() {
        return invalidateIf(e -> true);
    }

    /** @return current counters; expired entries are purged first */
    public Stats stats() {
        List<Map.Entry<Entry, Removal>> removed = new ArrayList<>();
        Stats stats;
        synchronized (this) {
            purgeExpired(removed);
            stats = new Stats(hits, misses, evictions, expirations, map.size());
        }
        notifyRemoved(removed);
        return stats;
    }

    private void purgeExpired(List<Map.Entry<Entry, Removal>> removed) {
        long now = ticker.getAsLong();
        Iterator<Slot> it = map.values().iterator();
        while (it.hasNext()) {
            Slot slot = it.next();
            if (now - slot.writtenNanos() >= ttlNanos) {
                it.remove();
                expirations++;
                removed.add(Map.entry(slot.entry(), Removal.EXPIRED));
            }
        }
    }

    private void notifyRemoved(List<Map.Entry<Entry, Removal>> removed) {
        for (Map.Entry<Entry, Removal> r : removed) {
            onRemoval.accept(r.getKey(), r.getValue());
        }
    }

    // ---- keys (client-api.md §11.3) ----

    /**
     * @param turn the request
     * @return true when the turn has no tooling context (no declared tools, no forced/none tool choice, no tool
     * calls or results) — a precondition for cache use
     */
    public static boolean toolFree(ChatTurn turn) {
        return turn.tools().isEmpty() && turn.toolChoice().mode() == io.lingma.gateway.chat.ToolChoice.Mode.AUTO
                && !turn.hasToolHistory();
    }

    /**
     * Builds the key {@code <scope>:<user_hash>:<tool_fp>:<branch_hash>} over the given messages.
     *
     * @param scope      tenant scope (first 12 hex of SHA-1 of the API key, {@code -} when none)
     * @param system     the hoisted system text (counts as a system message when non-empty)
     * @param messages   the messages the key covers
     * @param toolConfig the tool configuration, or null without tools
     * @return the key; without assistant/tool messages the branch part is omitted (2 colons)
     */
    public static String buildKey(String scope, String system, List<ChatMessage> messages, JsonNode toolConfig) {
        return key(scope, userHash(system, messages), toolFingerprint(toolConfig), branchHash(messages));
    }

    /**
     * @param scope      scope part
     * @param userHash   user part
     * @param toolFp     tool part ({@code -} without tools)
     * @param branchHash branch part, or null for none
     * @return the joined key
     */
    public static String key(String scope, String userHash, String toolFp, String branchHash) {
        String base = (scope == null || scope.isEmpty() ? "-" : scope) + ":" + userHash + ":" + toolFp;
        return branchHash == null ? base : base + ":" + branchHash;
    }

    /**
     * @param system   hoisted system text
     * @param messages messages
     * @return SHA-1 hex over the system text and the user messages' flat text, in order (assistant and tool turns
     * are left out on purpose: clients reformat them)
     */
    public static String userHash(String system, List<ChatMessage> messages) {
        // fed piecewise: a huge user text is hashed without joining or encoding it whole
        MessageDigest digest = sha1Digest();
        if (system != null && !system.isEmpty()) {
            update(digest, "system" + UNIT);
            update(digest, system);
            update(digest, String.valueOf(RECORD));
        }
        for (ChatMessage m : messages) {
            if (m.role() == ChatRole.USER) {
                update(digest, "user" + UNIT);
                update(digest, m.flatText());
                update(digest, String.valueOf(RECORD));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Adds the UTF-8 bytes of {@code text} in slices of 8192 characters, never splitting a surrogate pair. */
    private static void update(MessageDigest digest, String text) {
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + 8192);
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            digest.update(text.substring(start, end).getBytes(StandardCharsets.UTF_8));
            start = end;
        }
    }

    /**
     * @param messages messages
     * @return SHA-1 hex over the assistant/tool turns, each as
     * {@code role␟text␟tool_calls-as-sorted-compact-JSON␟tool_call_id␞}; null when there are none
     */
    public static String branchHash(List<ChatMessage> messages) {
        StringBuilder sb = new StringBuilder();
        boolean any = false;
        for (ChatMessage m : messages) {
            if (m.role() == ChatRole.USER) {
                continue;
            }
            any = true;
            sb.append(m.role().wireName()).append(UNIT).append(m.text().strip()).append(UNIT)
                    .append(m.toolCalls().isEmpty() ? "" : toolCallsJson(m.toolCalls())).append(UNIT)
                    .append(m.toolCallId() == null ? "" : m.toolCallId()).append(RECORD);
        }
        return any ? sha1(sb.toString()) : null;
    }

    /**
     * @param toolConfig tool configuration, or null
     * @return {@code -} without tools, else SHA-1 hex of its canonical (sorted-key, compact) JSON
     */
    public static String toolFingerprint(JsonNode toolConfig) {
        if (toolConfig == null || toolConfig.isNull() || (toolConfig.isContainerNode() && toolConfig.isEmpty())) {
            return "-";
        }
        return sha1(canonical(toolConfig));
    }

    /**
     * @param turn the request
     * @return the tool configuration of a turn (tools + tool choice), or null when it declares no tools
     */
    public static JsonNode toolConfig(ChatTurn turn) {
        if (turn.tools().isEmpty()) {
            return null;
        }
        ObjectNode config = CANONICAL.createObjectNode();
        ArrayNode tools = config.putArray("tools");
        for (ToolDefinition t : turn.tools()) {
            ObjectNode tool = tools.addObject();
            tool.put("name", t.name());
            tool.put("description", t.description() == null ? "" : t.description());
            tool.set("parameters", t.schema());
        }
        config.put("tool_choice", turn.toolChoice().mode().name().toLowerCase(java.util.Locale.ROOT));
        if (turn.toolChoice().name() != null) {
            config.put("tool_choice_name", turn.toolChoice().name());
        }
        return config;
    }

    /**
     * @param messages the request messages
     * @param reply    the assistant reply that ended the turn
     * @return the messages followed by the reply as an assistant message (what the next request will resend)
     */
    public static List<ChatMessage> withReply(List<ChatMessage> messages, String reply) {
        List<ChatMessage> all = new ArrayList<>(messages);
        all.add(ChatMessage.assistant(reply));
        return all;
    }

    private static String toolCallsJson(List<ToolCall> calls) {
        ArrayNode array = CANONICAL.createArrayNode();
        for (ToolCall c : calls) {
            ObjectNode node = array.addObject();
            node.put("id", c.id());
            node.put("name", c.name());
            try {
                node.set("arguments", CANONICAL.readTree(c.arguments() == null ? "{}" : c.arguments()));
            } catch (JsonProcessingException e) {
                node.put("arguments", c.arguments());
            }
        }
        return canonical(array);
    }

    private static String canonical(JsonNode node) {
        try {
            return CANONICAL.writeValueAsString(CANONICAL.convertValue(node, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot canonicalise JSON", e);
        }
    }

    /**
     * @param text any text
     * @return lower-case SHA-1 hex of its UTF-8 bytes
     */
    public static String sha1(String text) {
        return HexFormat.of().formatHex(sha1Digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha1Digest() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }
}
