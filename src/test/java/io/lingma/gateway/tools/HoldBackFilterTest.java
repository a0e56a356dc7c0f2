package io.lingma.gateway.tools;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ToolDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.EnumSet;
import java.util.List;

import static io.lingma.gateway.tools.ToolTestSupport.AUTO;
import static io.lingma.gateway.tools.ToolTestSupport.sequentialIds;
import static io.lingma.gateway.tools.ToolTestSupport.stringTool;
import static org.assertj.core.api.Assertions.assertThat;

/** client-api.md §10.9 and vectors 21, 23, 113–115. */
class HoldBackFilterTest {

    private static final List<ToolDefinition> BASH = List.of(stringTool("Bash", 1, "command"));
    private final ToolSettings settings = TestSettings.tools();
    private final ToolCallParser parser = new ToolCallParser(settings);

    /** Streams {@code deltas} through a filter and returns every released piece, the last one from finish. */
    private Streamed stream(ToolSettings s, boolean holdAll, String... deltas) {
        HoldBackFilter f = new HoldBackFilter(s, holdAll);
        StringBuilder released = new StringBuilder();
        StringBuilder beforeFinish = new StringBuilder();
        for (String d : deltas) {
            String r = f.push(d);
            released.append(r);
            beforeFinish.append(r);
        }
        ParseResult result = new ToolCallParser(s).parse(f.text(), BASH, AUTO, true, sequentialIds());
        released.append(f.finish(result));
        return new Streamed(beforeFinish.toString(), released.toString(), result);
    }

    private record Streamed(String beforeFinish, String all, ParseResult result) {
    }

    @Test
    void vector21LongTextIsReleasedCompletelyWithoutCalls() {
        String first = "你".repeat(120);
        Streamed s = stream(settings, false, first, "后续内容");
        assertThat(s.all()).contains("后续内容").isEqualTo(first + "后续内容");
        assertThat(s.beforeFinish()).isEqualTo("你".repeat(124 - 96));
    }

    @Test
    void vector23SplitOpeningReleasesNothing() {
        HoldBackFilter f = new HoldBackFilter(settings, false);
        assertThat(f.push("```json ")).isEmpty();
        assertThat(f.push("action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}\n```")).isEmpty();
        ParseResult r = parser.parse(f.text(), BASH, AUTO, true, sequentialIds());
        assertThat(r.calls()).hasSize(1);
        assertThat(f.finish(r)).isEmpty();
    }

    @Test
    void vector113ProseWithANameMarkerIsReleasedInOrder() {
        String reply = "Here:\n{\"name\": \"x\"} is JSON.\nMore text.";
        for (int cut = 0; cut <= reply.length(); cut++) {
            Streamed s = stream(settings, false, reply.substring(0, cut), reply.substring(cut));
            assertThat(s.result().calls()).isEmpty();
            assertThat(s.all()).isEqualTo(reply);
        }
    }

    @Test
    void vector114PlainJsonFenceNeverLeaks() {
        String reply = "```json\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}\n```";
        for (int cut = 0; cut <= reply.length(); cut++) {
            Streamed s = stream(settings, false, reply.substring(0, cut), reply.substring(cut));
            assertThat(s.result().calls()).hasSize(1);
            assertThat(s.all()).isEmpty();
        }
    }

    @Test
    void vector115TextAroundTheBlockMatchesTheNonStreamContent() {
        String reply = "Checking.\n```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"ls\"}}\n```\nDone.";
        Streamed s = stream(settings, false, reply);
        assertThat(s.beforeFinish()).isEqualTo("Checking.");
        assertThat(s.all()).isEqualTo("Checking.\n\nDone.");
        assertThat(s.result().calls()).hasSize(1);
        assertThat(s.all()).isEqualTo(s.result().text());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Let me check.\n```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"ls\"}}\n```\n",
            "\n\n  Checking  \n\n```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"ls\"}}\n```\n\n"
                    + "Done.\n",
            "\n```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"ls\"}}\n```",
            " \n no call here, \n just text \n\n", "   \n\t "})
    void whitespaceAroundTextReadsTheSameStreamedAndHeld(String reply) {
        String held = stream(settings, true, reply).all();
        ParseResult nonStream = parser.parse(reply, BASH, AUTO, true, sequentialIds());
        if (nonStream.hasCalls()) {
            assertThat(held).isEqualTo(nonStream.text());
        }
        for (int cut = 0; cut <= reply.length(); cut++) {
            Streamed s = stream(settings, false, reply.substring(0, cut), reply.substring(cut));
            assertThat(s.all()).as("cut at %d", cut).isEqualTo(held);
            assertThat(s.beforeFinish()).as("cut at %d", cut).isEqualTo(s.beforeFinish().strip());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 7, 13})
    void everySplitOfALongReplyNeverLeaksAndMatchesNonStream(int pieces) {
        String prose = "I will look at the project layout first, then run the tests to see what fails. ".repeat(3);
        String reply = prose + "\n```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"ls -la\"}}\n```\n"
                + "```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}\n```\nAfter both calls.";
        ParseResult nonStream = parser.parse(reply, BASH, AUTO, true, sequentialIds());
        for (int cut = 0; cut <= reply.length(); cut++) {
            String[] deltas = split(reply, cut, pieces);
            Streamed s = stream(settings, false, deltas);
            assertThat(s.beforeFinish()).doesNotContain("```").doesNotContain("\"tool\"");
            assertThat(s.all()).isEqualTo(prose + "\n\n\nAfter both calls.");
            assertThat(s.all().strip()).isEqualTo(nonStream.text());
        }
    }

    @Test
    void everySplitWithoutCallsReleasesEverything() {
        String reply = "Use ```python\nprint('x')\n``` and also ```json\n{\"a\":1}\n``` in prose, done.";
        for (int cut = 0; cut <= reply.length(); cut++) {
            Streamed s = stream(settings, false, reply.substring(0, cut), reply.substring(cut));
            assertThat(s.all()).isEqualTo(reply);
        }
    }

    @Test
    void holdAllReleasesOnlyAtTheEnd() {
        Streamed withCall = stream(settings, true, "Sure. ".repeat(40),
                "```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}\n```");
        assertThat(withCall.beforeFinish()).isEmpty();
        assertThat(withCall.all()).isEqualTo("Sure. ".repeat(40).strip());
        Streamed plain = stream(settings, true, "x".repeat(300));
        assertThat(plain.beforeFinish()).isEmpty();
        assertThat(plain.all()).isEqualTo("x".repeat(300));
    }

    @Test
    void aReplyThatIsOneBareJsonObjectIsHeldWhole() {
        String reply = "{\"tool\":\"Bash\",\"parameters\":{\"command\":\"" + "a".repeat(200) + "\"}}";
        assertThat(stream(settings, false, reply).all()).isEmpty();
        String namelessFence = "```\n{\"command\":\"" + "b".repeat(200) + "\"}\n```";
        Streamed s = stream(settings, false, namelessFence.substring(0, 5), namelessFence.substring(5));
        assertThat(s.beforeFinish()).isEmpty();
    }

    @Test
    void optionalMarkersFollowTheEnabledParsers() {
        String reply = "x".repeat(200) + "<tool_call>{}</tool_call>" + "y".repeat(200);
        Streamed off = stream(settings, false, reply);
        assertThat(off.beforeFinish()).contains("<tool_call>");
        ToolSettings all = settings.withParsers(EnumSet.allOf(ToolSettings.Parser.class));
        Streamed on = stream(all, false, reply);
        assertThat(on.beforeFinish()).isEqualTo("x".repeat(200));
        assertThat(on.all()).isEqualTo(reply);
    }

    private static String[] split(String s, int firstCut, int pieces) {
        // first piece ends at firstCut, the rest is cut into `pieces` roughly equal deltas
        String rest = s.substring(firstCut);
        int n = Math.max(1, pieces);
        String[] out = new String[n + 1];
        out[0] = s.substring(0, firstCut);
        int size = (rest.length() + n - 1) / n;
        for (int i = 0; i < n; i++) {
            int a = Math.min(rest.length(), i * size);
            int b = Math.min(rest.length(), a + size);
            out[i + 1] = rest.substring(a, b);
        }
        return out;
    }
}
