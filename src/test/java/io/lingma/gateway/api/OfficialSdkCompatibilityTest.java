package io.lingma.gateway.api;

import io.lingma.gateway.config.TestSettings;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import io.lingma.gateway.api.anthropic.AnthropicMessagesApi;
import io.lingma.gateway.api.openai.OpenAiChatApi;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.Usage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.sq;
import static org.assertj.core.api.Assertions.assertThat;

/** The bodies and stream frames parse and validate with the official OpenAI and Anthropic Java SDK models. */
class OfficialSdkCompatibilityTest {

    private static final ResolvedModel KMODEL = new ResolvedModel("kmodel", "Kimi-K2.6", "kmodel", false);
    private static final RequestContext CTX = new RequestContext("req", "-", TestSettings.api());
    private static final ChatResult RESULT = new ChatResult("Hello", "thought",
            List.of(new ToolCall("call_1", "read_file", "{\"path\":\"go.mod\"}")), FinishReason.TOOL_CALLS,
            new Usage(12, 5, 2, 1, false), null, KMODEL);

    @Test
    void openAiChatCompletionAndChunksValidate() throws Exception {
        OpenAiChatApi api = new OpenAiChatApi(MAPPER, TestSettings.api());
        ChatTurn turn = api.normalize(sq("{'messages':[{'role':'user','content':'hi'}],'stream':true,"
                + "'stream_options':{'include_usage':true}}"), CTX);
        var sdk = com.openai.core.ObjectMappers.jsonMapper();

        ChatCompletion completion = sdk.readValue(api.encodeResult(turn, RESULT), ChatCompletion.class).validate();
        assertThat(completion.choices().get(0).message().toolCalls().orElseThrow()).hasSize(1);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(17);

        StreamEncoder encoder = api.streamEncoder(turn, KMODEL, 12);
        List<SseFrame> frames = new ArrayList<>(encoder.start());
        frames.addAll(encoder.onEvent(new ChatEvent.ThinkingDelta("th")));
        frames.addAll(encoder.onEvent(new ChatEvent.TextDelta("Hello")));
        frames.addAll(encoder.finish(RESULT));
        int chunks = 0;
        for (SseFrame frame : frames) {
            if (!"[DONE]".equals(frame.data())) {
                sdk.readValue(frame.data(), ChatCompletionChunk.class).validate();
                chunks++;
            }
        }
        assertThat(chunks).isEqualTo(frames.size() - 1);
    }

    @Test
    void anthropicMessageAndStreamEventsValidate() throws Exception {
        AnthropicMessagesApi api = new AnthropicMessagesApi(MAPPER, TestSettings.api());
        ChatTurn turn = api.normalize(sq("{'messages':[{'role':'user','content':'hi'}],'stream':true,"
                + "'thinking':{'type':'enabled','budget_tokens':2048}}"), CTX);
        var sdk = com.anthropic.core.ObjectMappers.jsonMapper();

        Message message = sdk.readValue(api.encodeResult(turn, RESULT), Message.class).validate();
        assertThat(message.content()).hasSize(3);
        assertThat(message.content().get(0).isThinking()).isTrue();
        assertThat(message.content().get(2).toolUse().orElseThrow().name()).isEqualTo("read_file");

        StreamEncoder encoder = api.streamEncoder(turn, KMODEL, 12);
        List<SseFrame> frames = new ArrayList<>(encoder.start());
        frames.addAll(encoder.onEvent(new ChatEvent.ThinkingDelta("thought")));
        frames.addAll(encoder.onEvent(new ChatEvent.TextDelta("Hello")));
        frames.addAll(encoder.finish(RESULT));
        for (SseFrame frame : frames) {
            if (!"ping".equals(frame.event())) {
                sdk.readValue(frame.data(), RawMessageStreamEvent.class).validate();
            }
        }
        assertThat(frames).hasSizeGreaterThan(10);
    }
}
