package io.lingma.gateway.simulator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scenario parsing, validation, matching and chunking (lingma-ipc.md §10.5 scripting hooks). */
class ScenarioTest {

    @Test
    void builtInDefaultsCoverTheDocumentedMarkers() {
        List<String> matches = Scenario.defaults().stream().map(Scenario::match).toList();

        assertThat(matches).contains("[sim:thinking]", "[sim:error]", "[sim:disconnect]", "[sim:stall]",
                "[sim:slow]", "[sim:noise]", "[sim:split]", "[sim:packed]", "[sim:server-request]", "[sim:empty]");
    }

    @Test
    void parsesEveryFieldFromYaml() {
        List<Scenario> scenarios = Scenario.parse("""
                scenarios:
                  - name: all
                    match: "re:^all\\\\b"
                    thoughts: [t1]
                    thinkingDurationMs: 50
                    reply: r
                    chunkSize: 2
                    chunkDelayMs: 5
                    delayFirstChunkMs: 7
                    contextUsage: {usedTokens: 1, limitTokens: 2}
                    finishReason: error
                    finishStatusCode: 500
                    fullAnswer: fa
                    promptResponse: immediate
                    stopReason: refusal
                    error: {code: -32000, message: m}
                    disconnectAfterChunks: 1
                    stallAfterChunks: 2
                    noise: true
                    serverRequests: [{method: fs/read_text_file, id: 3}, {method: x, id: "s"}]
                    framing: split
                """);

        Scenario s = scenarios.get(0);
        assertThat(s.matches("all of it")).isTrue();
        assertThat(s.matches("not all")).isFalse();
        assertThat(s.contextUsage()).isEqualTo(new Scenario.ContextUsage(1, 2));
        assertThat(s.promptResponse()).isEqualTo(Scenario.PromptResponse.IMMEDIATE);
        assertThat(s.framing()).isEqualTo(Scenario.Framing.SPLIT);
        assertThat(s.serverRequests()).extracting(Scenario.ServerRequest::id).containsExactly(3, "s");
        assertThat(s.error()).isEqualTo(new Scenario.ErrorReply(-32000, "m"));
    }

    @Test
    void readsJsonFilesAndBareLists(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("s.json");
        Files.writeString(json, "[{\"match\":\"x\",\"chunks\":[\"a\"]}]");

        assertThat(Scenario.read(json)).singleElement().satisfies(s -> assertThat(s.chunks()).containsExactly("a"));
    }

    @Test
    void rejectsInvalidScenariosWithTheirSource(@TempDir Path dir) throws Exception {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "scenarios:\n  - match: x\n    chunkz: [a]\n");

        assertThatThrownBy(() -> Scenario.read(typo)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("typo.yaml").hasMessageContaining("chunkz");
        assertThatThrownBy(() -> Scenario.parse("scenarios: [{reply: r}]"))
                .hasMessageContaining("match");
        assertThatThrownBy(() -> Scenario.parse("scenarios: [{match: x, reply: r, chunks: [a]}]"))
                .hasMessageContaining("either 'chunks' or 'reply'");
        assertThatThrownBy(() -> Scenario.parse("scenarios: [{match: \"re:(\"}]")).hasMessageContaining("regex");
        assertThatThrownBy(() -> Scenario.builder("x").stallAfterChunks(-1).build())
                .hasMessageContaining("stallAfterChunks");
    }

    @Test
    void chunkingSplitsAtCodePointsInsideCjkAndFences() {
        assertThat(SimulatedTurn.chunk("你好世界，```json", 3)).containsExactly("你好世", "界，`", "``j", "son");
        assertThat(SimulatedTurn.chunk("a😀b", 2)).containsExactly("a😀", "b");
        assertThat(SimulatedTurn.chunk("", 8)).isEmpty();
    }
}
