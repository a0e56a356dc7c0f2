package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

class ErrorEnvelopesAndSseFrameTest {

    private final ErrorEnvelopes envelopes = new ErrorEnvelopes(MAPPER);

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void openAiEnvelopeUsesTheKindsTypeAndCode(ErrorKind kind) {
        for (ApiProtocol protocol : new ApiProtocol[]{ApiProtocol.OPENAI_CHAT, ApiProtocol.OPENAI_RESPONSES, null}) {
            JsonNode body = parse(envelopes.render(protocol, kind, "msg"));
            assertThat(body.size()).isEqualTo(1);
            JsonNode error = body.path("error");
            assertThat(error.path("message").asText()).isEqualTo("msg");
            assertThat(error.path("type").asText()).isEqualTo(kind.openAiType());
            assertThat(error.has("code")).isTrue();
            assertThat(error.get("code").isNull() ? null : error.get("code").asText()).isEqualTo(kind.openAiCode());
            assertThat(error.get("param").isNull()).isTrue();
            assertThat(body.has("detail")).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void anthropicEnvelopeUsesTheKindsAnthropicType(ErrorKind kind) {
        JsonNode body = parse(envelopes.render(ApiProtocol.ANTHROPIC_MESSAGES, kind, "msg"));
        assertThat(body).isEqualTo(parse("{\"type\":\"error\",\"error\":{\"type\":\"" + kind.anthropicType()
                + "\",\"message\":\"msg\"}}"));
    }

    @Test
    void unknownUrlAndParamAreRendered() {
        JsonNode body = parse(envelopes.render(ApiProtocol.OPENAI_CHAT, new GatewayException(ErrorKind.UNKNOWN_URL,
                "Invalid URL (GET /v1/nope)", "path", null, null)));
        assertThat(body).isEqualTo(parse("""
                {"error":{"message":"Invalid URL (GET /v1/nope)","type":"invalid_request_error","code":"unknown_url","param":"path"}}"""));
        assertThat(parse(envelopes.render(ApiProtocol.ANTHROPIC_MESSAGES, ErrorKind.UNKNOWN_URL, "x"))
                .path("error").path("type").asText()).isEqualTo("not_found_error");
    }

    @Test
    void frameRendering() {
        assertThat(SseFrame.data("[DONE]").render()).isEqualTo("data: [DONE]\n\n");
        assertThat(SseFrame.event("ping", "{\"type\":\"ping\"}").render())
                .isEqualTo("event: ping\ndata: {\"type\":\"ping\"}\n\n");
        assertThat(SseFrame.comment("keep-alive").render()).isEqualTo(": keep-alive\n\n");
        assertThat(SseFrame.data("a\nb").render()).isEqualTo("data: a\ndata: b\n\n");
    }
}
