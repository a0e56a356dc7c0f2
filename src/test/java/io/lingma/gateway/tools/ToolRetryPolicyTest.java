package io.lingma.gateway.tools;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.lingma.gateway.tools.ToolTestSupport.AUTO;
import static io.lingma.gateway.tools.ToolTestSupport.any;
import static io.lingma.gateway.tools.ToolTestSupport.forced;
import static io.lingma.gateway.tools.ToolTestSupport.sequentialIds;
import static io.lingma.gateway.tools.ToolTestSupport.stringTool;
import static org.assertj.core.api.Assertions.assertThat;

/** client-api.md §10.8 and vectors 27–30, 47. */
class ToolRetryPolicyTest {

    private final ToolRetryPolicy policy = new ToolRetryPolicy(TestSettings.tools());

    @ParameterizedTest
    @ValueSource(strings = {"我需要使用终端工具来查看内存。", "由于当前环境限制，请手动运行 top。",
            "当前环境限制，我无法直接执行系统命令查看你的内存占用。", "你可以在终端中运行 top -l 1 | grep PhysMem。",
            "I need to read the file first.", "Let me use the web search tool.",
            "You can run the following command in your terminal.", "现在我需要切换到计划模式。",
            "现在我将编辑文件，在末尾追加一行 beta，然后生成 unified diff。"})
    void vector27MissedToolDetection(String text) {
        assertThat(policy.isMissedToolUse(text)).isTrue();
        assertThat(policy.shouldRetry(text, AUTO)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"当前环境限制，我无法直接执行系统命令查看你的内存占用。", "我无法访问你的电脑或本机文件。",
            "I cannot execute commands in your local machine.", "I can't access your computer directly.",
            "I can\u2019t access your computer directly."})
    void vector28RefusalDetection(String text) {
        assertThat(policy.isRefusal(text)).isTrue();
    }

    @Test
    void vector29MemoryInferenceOnlyWhenEnabled() {
        List<ToolDefinition> tools = List.of(stringTool("Bash", 1, "command"));
        String text = "当前无法执行系统命令。你可以运行 vm_stat 查看内存占用。";
        assertThat(policy.inferMemoryCommand(text, tools, sequentialIds())).isNull();
        ToolRetryPolicy inferring = new ToolRetryPolicy(TestSettings.tools().withInferMemoryCommand(true));
        ToolCall call = inferring.inferMemoryCommand(text, tools, sequentialIds());
        assertThat(call).isNotNull();
        assertThat(call.name()).isEqualTo("Bash");
        assertThat(call.arguments()).contains("vm_stat").contains("memory_pressure");
        assertThat(inferring.inferMemoryCommand("我无法执行系统命令。", tools, sequentialIds())).isNull();
    }

    @Test
    void vector30PlainExplanationIsNotAMissedToolUse() {
        String text = "这个文件负责 HTTP API 路由和 OpenAI 兼容响应。";
        assertThat(policy.isMissedToolUse(text)).isFalse();
        assertThat(policy.isRefusal(text)).isFalse();
        assertThat(policy.shouldRetry(text, AUTO)).isFalse();
    }

    @Test
    void forcedModesAlwaysRetryAndNoneNever() {
        assertThat(policy.shouldRetry("Hello.", any())).isTrue();
        assertThat(policy.shouldRetry("Hello.", forced("Bash"))).isTrue();
        assertThat(policy.shouldRetry("I cannot execute that.", ToolChoice.NONE)).isFalse();
    }

    @Test
    void vector47AnnouncedButNotCalled() {
        assertThat(policy.shouldRetryAnnounced("让我查看一下项目的整体结构，特别是源代码目录：", AUTO, true, 0)).isTrue();
        assertThat(policy.shouldRetryAnnounced("这是一个 uni-app 项目，核心目录是 src。", AUTO, true, 0)).isFalse();
        assertThat(policy.shouldRetryAnnounced("让我查看一下项目的整体结构，特别是源代码目录：", ToolChoice.NONE, true, 0))
                .isFalse();
        assertThat(policy.shouldRetryAnnounced("Let me check the logs:", AUTO, true, 1)).isFalse();
        assertThat(policy.shouldRetryAnnounced("Let me check the logs:", AUTO, false, 0)).isFalse();
        assertThat(policy.shouldRetryAnnounced("Let me check the logs:" + " x".repeat(100), AUTO, true, 0)).isFalse();
    }

    @Test
    void phraseListsAreConfigurable() {
        ToolSettings s = new ToolSettings(null, 8, 0, 96, false, false, true,
                ToolSettings.parsePhrases(" Nope ,\n"), ToolSettings.parsePhrases(""), false);
        ToolRetryPolicy custom = new ToolRetryPolicy(s);
        assertThat(custom.isRefusal("NOPE, not today")).isTrue();
        assertThat(custom.isMissedToolUse("let me use the tool")).isFalse();
    }
}
