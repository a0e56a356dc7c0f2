package io.lingma.gateway.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The debug ring's redaction rules (client-api.md §14) on JSON bodies, plain text and SSE frames. */
class RedactionTest {

    @Test
    void credentialKeysImagesAndLongValuesInJson() {
        String base64 = "QUJD".repeat(2000);
        String body = "{\"x-api-key\":\"k1\",\"refresh_token\":\"t1\",\"Cosy-Key\":\"c1\","
                + "\"nested\":[{\"password\":\"p1\"}],"
                + "\"image\":\"" + base64 + "\",\"text\":\"" + "y ".repeat(2500) + "\",\"keep\":\"visible\"}";
        String out = Redaction.body(body);
        assertThat(out).doesNotContain("k1", "t1", "c1", "p1", base64.substring(0, 100))
                .contains("\"keep\":\"visible\"", "[image payload redacted, 8000 chars]", "[TRUNCATED 904 chars]");
    }

    @Test
    void plainTextAndFrames() {
        assertThat(Redaction.body(
                "Authorization: Bearer sk-abc.def token=xyz&password=hunter2 data:image/png;base64,AAAA"))
                .doesNotContain("sk-abc", "xyz", "hunter2", "AAAA")
                .contains("Bearer [REDACTED]", "token=[REDACTED]", "password=[REDACTED]", "[image payload redacted,");
        String frame = Redaction.frame("event: content_block_delta\ndata: {\"delta\":{\"partial_json\":\""
                + "z".repeat(3000) + "\"},\"api_key\":\"k2\"}");
        assertThat(frame).startsWith("event: content_block_delta\ndata: {").doesNotContain("k2")
                .contains("[TRUNCATED 1976 chars]");
        assertThat(Redaction.body("x".repeat(20000)))
                .hasSize(Redaction.MAX_BODY_CHARS + "… [TRUNCATED 4000 chars]".length());
    }
}
