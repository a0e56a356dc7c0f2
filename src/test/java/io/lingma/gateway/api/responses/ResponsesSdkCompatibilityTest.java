package io.lingma.gateway.api.responses;

import io.lingma.gateway.config.TestSettings;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStreamEvent;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ApiTestSupport;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.api.SseFrame;
import io.lingma.gateway.api.StreamEncoder;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.fixtureBody;
import static org.assertj.core.api.Assertions.assertThat;

/** The Responses body and every stream event parse and validate with the official OpenAI Java SDK models. */
class ResponsesSdkCompatibilityTest {

    private static final ResolvedModel KMODEL = new ResolvedModel("kmodel", "Kimi-K2.6", "kmodel", false);
    private static final ApiSettings SETTINGS = TestSettings.api();
    private final ResponsesApi api = new ResponsesApi(MAPPER, SETTINGS);
    private final com.fasterxml.jackson.databind.ObjectMapper sdk = com.openai.core.ObjectMappers.jsonMapper();

    private ChatTurn codexTurn() {
        return api.normalize(fixtureBody(ApiTestSupport.fixturesDir()
                .resolve("codex-0.169.0-responses-tool-first-turn.json")), new RequestContext("r", "-", SETTINGS));
    }

    private static ChatResult result(FinishReason reason) {
        String args = MAPPER.createObjectNode().put("input", "text('hi');").toString();
        return new ChatResult("Hello", "thought", List.of(new ToolCall("call_1", "exec", args),
                new ToolCall(null, "spawn_agent", "{\"task\":\"x\"}")), reason, new Usage(12, 5, 2, 1, false),
                null, KMODEL);
    }

    @Test
    void nonStreamBodyValidates() throws Exception {
        Response response = sdk.readValue(api.encodeResult(codexTurn(), result(FinishReason.TOOL_CALLS)),
                Response.class).validate();
        assertThat(response.output()).hasSize(4);
        assertThat(response.output().get(0).isReasoning()).isTrue();
        assertThat(response.output().get(1).message().orElseThrow().content()).hasSize(1);
        assertThat(response.output().get(2).customToolCall().orElseThrow().input()).isEqualTo("text('hi');");
        assertThat(response.output().get(3).functionCall().orElseThrow().namespace()).contains("collaboration");
        assertThat(response.usage().orElseThrow().totalTokens()).isEqualTo(17);
    }

    @Test
    void everyStreamEventValidates() throws Exception {
        StreamEncoder encoder = api.streamEncoder(codexTurn(), KMODEL, 12);
        List<SseFrame> frames = new ArrayList<>(encoder.start());
        frames.addAll(encoder.onEvent(new ChatEvent.ThinkingDelta("thought")));
        frames.addAll(encoder.onEvent(new ChatEvent.TextDelta("Hel")));
        frames.addAll(encoder.onEvent(new ChatEvent.TextDelta("lo")));
        frames.addAll(encoder.finish(result(FinishReason.TOOL_CALLS)));
        assertThat(validateAll(frames)).isEqualTo(frames.size() - 1);
        assertThat(frames.get(frames.size() - 1).data()).isEqualTo("[DONE]");
    }

    @Test
    void failureAndIncompleteEventsValidate() throws Exception {
        StreamEncoder failing = api.streamEncoder(codexTurn(), KMODEL, 12);
        List<SseFrame> frames = new ArrayList<>(failing.start());
        frames.addAll(failing.onEvent(new ChatEvent.ThinkingDelta("thought")));
        frames.addAll(failing.onEvent(new ChatEvent.TextDelta("Hel")));
        frames.addAll(failing.error(new GatewayException(ErrorKind.UPSTREAM_ERROR, "boom")));
        validateAll(frames);
        ResponseStreamEvent last = sdk.readValue(frames.get(frames.size() - 2).data(), ResponseStreamEvent.class);
        assertThat(last.isFailed()).isTrue();
        assertThat(last.asFailed().response().error().orElseThrow().message()).isEqualTo("boom");

        StreamEncoder cut = api.streamEncoder(codexTurn(), KMODEL, 12);
        List<SseFrame> incomplete = new ArrayList<>(cut.onEvent(new ChatEvent.TextDelta("Hel")));
        incomplete.addAll(cut.finish(new ChatResult("Hel", "", List.of(), FinishReason.LENGTH, null, null, KMODEL)));
        validateAll(incomplete);
        assertThat(sdk.readValue(incomplete.get(incomplete.size() - 2).data(), ResponseStreamEvent.class)
                .isIncomplete()).isTrue();
    }

    private int validateAll(List<SseFrame> frames) throws Exception {
        int count = 0;
        for (SseFrame frame : frames) {
            if (!"[DONE]".equals(frame.data())) {
                ResponseStreamEvent event = sdk.readValue(frame.data(), ResponseStreamEvent.class).validate();
                assertThat(event.isValid()).isTrue();
                count++;
            }
        }
        return count;
    }
}
