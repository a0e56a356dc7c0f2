package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ToolCall;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class IpcSessionCacheTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ChatMessage U = ChatMessage.user("U");
    private static final ChatMessage A1 = ChatMessage.assistant("A1");
    private static final ChatMessage A2 = ChatMessage.assistant("A2");
    private static final ChatMessage T1 = new ChatMessage(ChatRole.TOOL, "T1", "T1", List.of(), "call_1", "Bash",
            false, List.of());

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<String> deleted = new ArrayList<>();

    private IpcSessionCache cache(int max, Duration ttl) {
        return new IpcSessionCache(true, max, ttl, clock::get, (entry, why) -> deleted.add(entry.sessionId()));
    }

    private static IpcSessionCache.Entry entry(String id) {
        return new IpcSessionCache.Entry(id, 1, "");
    }

    @Test
    void vector74UserHashIgnoresAssistantAndToolTurns() {
        assertThat(IpcSessionCache.userHash("S", List.of(U)))
                .isEqualTo(IpcSessionCache.userHash("S", List.of(U, A1, T1)));
        assertThat(IpcSessionCache.userHash("S", List.of(U))).isNotEqualTo(IpcSessionCache.userHash("", List.of(U)));
        assertThat(IpcSessionCache.userHash("S", List.of(U))).matches("[0-9a-f]{40}");
    }

    @Test
    void userHashOfALongTextIsTheHashOfTheJoinedText() {
        // 8191 ASCII characters put an emoji's surrogate pair across the 8192-character slice the hash is fed in
        String text = "a".repeat(8191) + "😀 你好 ".repeat(20_000);
        ChatMessage user = ChatMessage.user(text);
        assertThat(IpcSessionCache.userHash("S", List.of(user, A1, U)))
                .isEqualTo(IpcSessionCache.sha1("system\u001FS\u001Euser\u001F" + user.flatText()
                        + "\u001Euser\u001FU\u001E"));
    }

    @Test
    void vector75BranchHashSeparatesAssistantBranches() {
        assertThat(IpcSessionCache.branchHash(List.of(U, A1, T1)))
                .isNotEqualTo(IpcSessionCache.branchHash(List.of(U, A2, T1)));
        assertThat(IpcSessionCache.branchHash(List.of(U))).isNull();
        ChatMessage call1 = new ChatMessage(ChatRole.ASSISTANT, "", "", List.of(), null, null, false,
                List.of(new ToolCall("call_1", "Bash", "{\"a\":1,\"b\":2}")));
        ChatMessage call1Reordered = new ChatMessage(ChatRole.ASSISTANT, "", "", List.of(), null, null, false,
                List.of(new ToolCall("call_1", "Bash", "{\"b\":2,\"a\":1}")));
        assertThat(IpcSessionCache.branchHash(List.of(call1))).isEqualTo(IpcSessionCache.branchHash(
                List.of(call1Reordered)));
    }

    @Test
    void vector76ToolFingerprintIgnoresKeyOrderButNotContent() throws Exception {
        JsonNode ab = MAPPER.readTree("{\"a\":1,\"b\":2}");
        JsonNode ba = MAPPER.readTree("{\"b\":2,\"a\":1}");
        JsonNode a = MAPPER.readTree("{\"a\":1}");
        String k1 = IpcSessionCache.buildKey("-", "S", List.of(U), ab);
        assertThat(k1).isEqualTo(IpcSessionCache.buildKey("-", "S", List.of(U), ba));
        assertThat(k1).isNotEqualTo(IpcSessionCache.buildKey("-", "S", List.of(U), a));
        assertThat(IpcSessionCache.toolFingerprint(null)).isEqualTo("-");
    }

    @Test
    void vector77KeyHasTwoColonsWithoutBranchAndThreeWithOne() {
        assertThat(IpcSessionCache.key("abc123def456", "u", "-", null).chars().filter(c -> c == ':')).hasSize(2);
        assertThat(IpcSessionCache.key("abc123def456", "u", "-", "abc")).isEqualTo("abc123def456:u:-:abc");
        assertThat(IpcSessionCache.buildKey("-", "", List.of(U), null).chars().filter(c -> c == ':')).hasSize(2);
        assertThat(IpcSessionCache.buildKey("-", "", List.of(U, A1), null).chars().filter(c -> c == ':'))
                .hasSize(3);
        assertThat(IpcSessionCache.buildKey("k", "", List.of(U), null))
                .isNotEqualTo(IpcSessionCache.buildKey("other", "", List.of(U), null));
    }

    @Test
    void vector78LruEvictsTheOldestEntryAndDeletesItsSession() {
        IpcSessionCache cache = cache(2, Duration.ofHours(1));
        cache.put("k1", entry("s1"));
        cache.put("k2", entry("s2"));
        cache.put("k3", entry("s3"));
        assertThat(cache.acquire("k1")).isNull();
        assertThat(cache.stats().evictions()).isEqualTo(1);
        assertThat(deleted).containsExactly("s1");
        assertThat(cache.acquire("k3")).isEqualTo(entry("s3"));
    }

    @Test
    void vector79TtlExpiryIsAMissAndCounted() {
        IpcSessionCache cache = cache(10, Duration.ofMillis(1));
        cache.put("k", entry("s"));
        clock.addAndGet(Duration.ofMillis(10).toNanos());
        assertThat(cache.acquire("k")).isNull();
        IpcSessionCache.Stats stats = cache.stats();
        assertThat(stats.expirations()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(deleted).containsExactly("s");
    }

    @Test
    void acquiredEntriesAreInUseSoAConcurrentLookupMisses() {
        IpcSessionCache cache = cache(10, Duration.ofHours(1));
        cache.put("k", entry("s"));
        assertThat(cache.acquire("k")).isEqualTo(entry("s"));
        assertThat(cache.acquire("k")).isNull();
        assertThat(cache.stats()).isEqualTo(new IpcSessionCache.Stats(1, 1, 0, 0, 0));
        assertThat(deleted).isEmpty();
    }

    @Test
    void replacingAndClearingHandOutSessionsForDeletion() {
        IpcSessionCache cache = cache(10, Duration.ofHours(1));
        cache.put("k", entry("s1"));
        cache.put("k", entry("s2"));
        cache.put("other", new IpcSessionCache.Entry("s3", 2, ""));
        assertThat(cache.invalidateIf(e -> e.generation() != 2)).containsExactly(entry("s2"));
        assertThat(cache.clear()).extracting(IpcSessionCache.Entry::sessionId).containsExactly("s3");
        assertThat(deleted).containsExactly("s1", "s2", "s3");
    }

    @Test
    void disabledCacheNeverHits() {
        IpcSessionCache off = new IpcSessionCache(false, 10, Duration.ofHours(1), clock::get, (e, w) -> { });
        off.put("k", entry("s"));
        assertThat(off.enabled()).isFalse();
        assertThat(off.acquire("k")).isNull();
        assertThat(new IpcSessionCache(true, 0, Duration.ofHours(1), clock::get, (e, w) -> { }).enabled()).isFalse();
    }

    @Test
    void writeKeyOfATurnEqualsTheReadKeyOfItsContinuation() {
        List<ChatMessage> turn1 = List.of(ChatMessage.user("Hi"));
        String write = IpcSessionCache.buildKey("-", "sys", IpcSessionCache.withReply(turn1, "Hello"), null);
        List<ChatMessage> turn2 = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                ChatMessage.user("Next"));
        assertThat(IpcSessionCache.buildKey("-", "sys", turn2.subList(0, 2), null)).isEqualTo(write);
    }
}
