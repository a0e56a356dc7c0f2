package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.error.ErrorKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** lingma-remote.md §8.1 / §8.3 classification and the client-api.md §2.8 mapping. */
class RemoteFailureTest {

    @ParameterizedTest(name = "HTTP {0} {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "429|application/json|{\"message\":\"slow down\"}|TRANSIENT|UPSTREAM_ERROR|true",
            "500|text/plain|boom|TRANSIENT|UPSTREAM_ERROR|true",
            "502|text/plain|bad gateway|TRANSIENT|UPSTREAM_ERROR|true",
            "503|text/plain||TRANSIENT|UPSTREAM_ERROR|true",
            "504|text/plain||TRANSIENT|UPSTREAM_ERROR|true",
            "408|text/plain||TRANSIENT|UPSTREAM_ERROR|true",
            "400|application/json|{\"message\":\"bad field\"}|BAD_REQUEST|INVALID_REQUEST|false",
            "404|text/plain|nope|BAD_REQUEST|INVALID_REQUEST|false",
            "413|text/plain||BAD_REQUEST|INVALID_REQUEST|false",
            "401|text/plain||AUTH|UPSTREAM_AUTH_ERROR|false",
            "403|application/json|{\"code\":\"101\",\"message\":\"Signature invalid\"}|AUTH|UPSTREAM_AUTH_ERROR|false",
            "403|application/json|{\"code\":\"105\",\"message\":\"Login expired\"}|AUTH|UPSTREAM_AUTH_ERROR|false",
            "403|application/json|{\"code\":\"112\",\"message\":\"no more\"}|QUOTA|UPSTREAM_QUOTA|false",
            "401|application/json|{\"code\":\"10605\",\"message\":\"{\\\"retryAfterSeconds\\\":2}\"}|BUSY|RATE_LIMITED|true",
            "302|text/html||AUTH|UPSTREAM_AUTH_ERROR|false",
            "200|text/html|<html>login</html>|AUTH|UPSTREAM_AUTH_ERROR|false"})
    void section83Classification(int status, String contentType, String body, RemoteFailure.Kind kind,
                                 ErrorKind clientKind, boolean eligible) {
        RemoteFailure failure = RemoteFailure.fromHttpStatus(status, contentType, body);
        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.fallbackEligible()).isEqualTo(eligible);
        assertThat(failure.toGatewayException().kind()).isEqualTo(clientKind);
        assertThat(failure.httpStatus()).isEqualTo(status);
    }

    @Test
    void authMessagesTellTheUserToSignInAgain() {
        assertThat(RemoteFailure.fromHttpStatus(403, "application/json", "{\"code\":\"105\",\"message\":\"Login "
                + "expired\"}").toGatewayException().getMessage())
                .isEqualTo("Lingma login expired — sign in again in the Lingma/QoderCN IDE plugin");
        assertThat(RemoteFailure.fromHttpStatus(403, "application/json", "{\"code\":\"101\",\"message\":\"Signature "
                + "invalid\"}").toGatewayException().getMessage()).contains("signature invalid");
    }

    @Test
    void modelList404AndNoSuchKeyAreWrongHost() {
        assertThat(RemoteFailure.fromModelListStatus(404, "application/xml",
                "<Error><Code>NoSuchKey</Code></Error>").kind()).isEqualTo(RemoteFailure.Kind.WRONG_HOST);
        assertThat(RemoteFailure.fromModelListStatus(403, "application/json", "{\"code\":\"105\"}").kind())
                .isEqualTo(RemoteFailure.Kind.AUTH);
    }

    @Test
    void timeoutsAndUnreachableMapToTheirStatuses() {
        assertThat(RemoteFailure.timeout("first byte", null).toGatewayException().status()).isEqualTo(504);
        assertThat(RemoteFailure.unreachable("lingma.alibabacloud.com", null).toGatewayException().status())
                .isEqualTo(503);
        assertThat(RemoteFailure.ioError("connection reset", null).fallbackEligible()).isTrue();
        assertThat(RemoteFailure.fromHttpStatus(200, "application/json", "{}").kind())
                .isEqualTo(RemoteFailure.Kind.PROTOCOL);
    }

    @Test
    void messagesAreTruncatedAndCosyTokensRedacted() {
        RemoteFailure failure = RemoteFailure.fromHttpStatus(500, "text/plain",
                "echo Bearer COSY.eyJzZWNyZXQ.0123abcd " + "x".repeat(2000));
        assertThat(failure.getMessage()).doesNotContain("eyJzZWNyZXQ").contains("COSY.<redacted>");
        assertThat(failure.upstreamMessage()).hasSizeLessThanOrEqualTo(RemoteFailure.MAX_MESSAGE_CHARS + 1);
    }
}
