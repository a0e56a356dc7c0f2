package io.lingma.gateway.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.ThinkingConfigEnabled;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official OpenAI and Anthropic Java SDKs talk to the real gateway, which runs on the built-in Lingma
 * simulator over the real IPC wire protocol.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18101", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class OfficialSdkTest {

    private static final String BASE = "http://127.0.0.1:18101";

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    private final OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(BASE + "/v1").apiKey("test")
            .maxRetries(0).build();
    private final AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(BASE).apiKey("test")
            .maxRetries(0).build();

    @AfterAll
    void closeClients() {
        openai.close();
        anthropic.close();
    }

    @Test
    void openAiListsTheSimulatorModels() {
        List<Model> models = openai.models().list().data();
        assertThat(models).extracting(Model::id).contains("kmodel", "dashscope_qwen3_coder");
        assertThat(models).allSatisfy(m -> assertThat(m.ownedBy()).isEqualTo("lingma-simulator"));
    }

    @Test
    void openAiNonStreamingChat() {
        ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("Qwen3-Coder").addUserMessage("ping from the OpenAI SDK").build());
        assertThat(c.model()).isEqualTo("dashscope_qwen3_coder");
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(
                t -> assertThat(t).contains("ping from the OpenAI SDK"));
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(c.usage()).hasValueSatisfying(u -> assertThat(u.totalTokens()).isPositive());
        assertThat(simulator.prompts()).anySatisfy(p -> assertThat(p.text()).contains("ping from the OpenAI SDK"));
    }

    @Test
    void openAiStreamingChatWithUsage() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var stream = openai.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("kmodel").addUserMessage("stream this please")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
            });
        }
        assertThat(text.toString()).contains("stream this please");
        assertThat(chunks.size()).isGreaterThan(3);
        assertThat(chunks.get(0).choices().get(0).delta().role()).isPresent();
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive());
        assertThat(chunks).anySatisfy(c -> assertThat(c.choices()).anySatisfy(ch ->
                assertThat(ch.finishReason()).contains(ChatCompletionChunk.Choice.FinishReason.STOP)));
    }

    @Test
    void anthropicNonStreamingMessage() {
        Message m = anthropic.messages().create(MessageCreateParams.builder().model("claude-sonnet-4-5")
                .maxTokens(256).system("Be brief.").addUserMessage("hello from the Anthropic SDK").build());
        assertThat(m.content()).hasSize(1);
        assertThat(m.content().get(0).text()).hasValueSatisfying(
                t -> assertThat(t.text()).contains("hello from the Anthropic SDK"));
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.usage().outputTokens()).isPositive();
    }

    @Test
    void anthropicStreamingMessageAccumulates() {
        MessageAccumulator acc = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(
                MessageCreateParams.builder().model("kmodel").maxTokens(256)
                        .addUserMessage("stream me over anthropic").build())) {
            stream.stream().forEach(e -> {
                events.add(e);
                acc.accumulate(e);
            });
        }
        Message m = acc.message();
        assertThat(m.content().get(0).text()).hasValueSatisfying(
                t -> assertThat(t.text()).contains("stream me over anthropic"));
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(events.get(0).isMessageStart()).isTrue();
        assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
    }

    @Test
    void anthropicCountTokensCountsWhatLingmaWouldReceive() {
        long shortCount = anthropic.messages().countTokens(MessageCountTokensParams.builder().model("kmodel")
                .addUserMessage("hello").build()).inputTokens();
        long longCount = anthropic.messages().countTokens(MessageCountTokensParams.builder().model("kmodel")
                .system("You are a careful reviewer of Java code.")
                .addUserMessage("hello, please review the following method for thread-safety issues").build())
                .inputTokens();
        assertThat(shortCount).isPositive();
        assertThat(longCount).isGreaterThan(shortCount + 10);
        assertThat(simulator.prompts()).noneSatisfy(p -> assertThat(p.text()).contains("thread-safety"));
    }

    @Test
    void anthropicStreamingWithThinking() {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(
                MessageCreateParams.builder().model("kmodel").maxTokens(2048)
                        .thinking(ThinkingConfigEnabled.builder().budgetTokens(1024).build())
                        .addUserMessage("[sim:thinking] compare 9.11 and 9.9").build())) {
            stream.stream().forEach(acc::accumulate);
        }
        Message m = acc.message();
        assertThat(m.content().get(0).isThinking()).isTrue();
        assertThat(m.content().get(0).asThinking().thinking()).isNotBlank();
        assertThat(m.content().get(0).asThinking().signature()).startsWith("lgw1.");
        assertThat(m.content().get(1).isText()).isTrue();
    }
}
