package io.lingma.gateway.lingma.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A classified failure of one remote call (lingma-remote.md §8.3). Raised by {@link RemoteSseParser}, built by the
 * transport from HTTP responses with {@link #fromHttpStatus}, and mapped to the client-facing error with
 * {@link #toGatewayException()} (client-api.md §2.8). Messages never contain credentials; upstream text is
 * truncated to {@value #MAX_MESSAGE_CHARS} characters and {@code COSY.} tokens are redacted.
 */
public class RemoteFailure extends RuntimeException {

    /** Longest upstream message kept, in characters. */
    public static final int MAX_MESSAGE_CHARS = 500;

    /** The user-facing sentence for a rejected login (lingma-remote.md §3.7). */
    public static final String LOGIN_EXPIRED_MESSAGE =
            "Lingma login expired — sign in again in the Lingma/QoderCN IDE plugin";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern COSY_TOKEN = Pattern.compile("COSY\\.[A-Za-z0-9+/=._-]+");
    private static final int DEFAULT_BUSY_RETRY_SECONDS = 2;

    /** Failure kinds of lingma-remote.md §8.3. */
    public enum Kind {
        /** 401/403 (not busy/quota), code 101/105, 3xx, HTML instead of SSE: never retried. */
        AUTH,
        /** Code 112 or "quota exceeded": never retried. */
        QUOTA,
        /** Code 10605 or in-stream 429: retry after {@code retryAfterSeconds}, then fall back. */
        BUSY,
        /** 408/429/5xx, in-stream 5xx, {@code event:error}, reset, premature EOF, timeouts: fallback-eligible. */
        TRANSIENT,
        /** 400/404/413/422 on chat: never retried. */
        BAD_REQUEST,
        /** Model-list 404 / OSS {@code NoSuchKey}: re-resolve the base URL (§2.5). */
        WRONG_HOST,
        /** No or invalid credential, decrypt failure: never retried. */
        CREDENTIAL,
        /** Stream ended with no content after only malformed frames. */
        PROTOCOL
    }

    /** Finer detail of a {@link Kind#TRANSIENT} failure, deciding the client-facing status. */
    public enum Detail {
        /** Nothing more specific. */
        NONE,
        /** Connect, first-byte, idle or attempt timeout (504 {@code upstream_timeout}). */
        TIMEOUT,
        /** The upstream could not be reached at all (503 {@code backend_unavailable}). */
        UNREACHABLE,
        /** The stream ended without an end marker or finish reason (502 {@code upstream_incomplete}). */
        INCOMPLETE,
        /** HTTP 401/403 with code {@code 101}: signature rejected (auth). */
        SIGNATURE_INVALID
    }

    private final Kind kind;
    private final Detail detail;
    private final int httpStatus;
    private final Integer retryAfterSeconds;
    private final String upstreamCode;
    private final String upstreamMessage;

    /**
     * @param kind              the kind
     * @param detail            finer detail ({@link Detail#NONE} when none)
     * @param httpStatus        HTTP status or in-stream {@code statusCodeValue}; -1 when none
     * @param retryAfterSeconds upstream {@code retryAfterSeconds} or null
     * @param upstreamCode      upstream {@code code}/{@code msgCode}, or null
     * @param upstreamMessage   upstream message (sanitised and truncated here), or null
     * @param message           the exception message (must not contain secrets)
     * @param cause             underlying error or null
     */
    public RemoteFailure(Kind kind, Detail detail, int httpStatus, Integer retryAfterSeconds, String upstreamCode,
                         String upstreamMessage, String message, Throwable cause) {
        super(redact(message), cause);
        this.kind = kind;
        this.detail = detail == null ? Detail.NONE : detail;
        this.httpStatus = httpStatus;
        this.retryAfterSeconds = retryAfterSeconds;
        this.upstreamCode = upstreamCode;
        this.upstreamMessage = upstreamMessage == null ? null : sanitize(upstreamMessage);
    }

    /**
     * @param kind    the kind
     * @param message the message (no secrets)
     */
    public RemoteFailure(Kind kind, String message) {
        this(kind, Detail.NONE, -1, null, null, null, message, null);
    }

    /** @return the kind (§8.3) */
    public Kind kind() {
        return kind;
    }

    /** @return the detail of a transient failure */
    public Detail detail() {
        return detail;
    }

    /** @return HTTP status or in-stream {@code statusCodeValue}, -1 when none */
    public int httpStatus() {
        return httpStatus;
    }

    /** @return seconds to wait before a busy retry, or null when the upstream named none */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** @return upstream error code ({@code 101}, {@code 105}, {@code 10605}, {@code 112}, …) or null */
    public String upstreamCode() {
        return upstreamCode;
    }

    /** @return upstream message (sanitised, truncated) or null */
    public String upstreamMessage() {
        return upstreamMessage;
    }

    /**
     * @return true for {@link Kind#TRANSIENT} and {@link Kind#BUSY} — the kinds that may move on to the next model
     * when nothing was emitted yet (lingma-remote.md §9.2 rule 3)
     */
    public boolean fallbackEligible() {
        return kind == Kind.TRANSIENT || kind == Kind.BUSY;
    }

    /**
     * Maps to the client-facing error (client-api.md §2.8, lingma-remote.md §8.3).
     *
     * @return the gateway exception, with this failure as cause
     */
    public GatewayException toGatewayException() {
        String upstream = upstreamMessage == null || upstreamMessage.isBlank() ? "" : ": " + upstreamMessage;
        return switch (kind) {
            case AUTH -> new GatewayException(ErrorKind.UPSTREAM_AUTH_ERROR, detail == Detail.SIGNATURE_INVALID
                    ? "Lingma rejected the request signature (signature invalid) — sign in again in the "
                    + "Lingma/QoderCN IDE plugin; if it persists, check the system clock"
                    : LOGIN_EXPIRED_MESSAGE, this);
            case QUOTA -> new GatewayException(ErrorKind.UPSTREAM_QUOTA, "Lingma quota exceeded" + upstream, this);
            case BUSY -> new GatewayException(ErrorKind.RATE_LIMITED, "Lingma is busy, retry later" + upstream,
                    null, retryAfterSeconds == null ? DEFAULT_BUSY_RETRY_SECONDS : retryAfterSeconds, this);
            case TRANSIENT -> switch (detail) {
                case TIMEOUT -> new GatewayException(ErrorKind.UPSTREAM_TIMEOUT, getMessage(), this);
                case UNREACHABLE -> new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, getMessage(), this);
                case INCOMPLETE -> new GatewayException(ErrorKind.UPSTREAM_INCOMPLETE, getMessage(), this);
                default -> new GatewayException(ErrorKind.UPSTREAM_ERROR, getMessage(), this);
            };
            case BAD_REQUEST -> new GatewayException(ErrorKind.INVALID_REQUEST,
                    "Lingma rejected the request" + upstream, this);
            case WRONG_HOST, PROTOCOL -> new GatewayException(ErrorKind.UPSTREAM_ERROR, getMessage(), this);
            case CREDENTIAL -> new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, getMessage(), this);
        };
    }

    /**
     * Classifies an HTTP response that is not a usable SSE stream: non-2xx, any 3xx, or a 2xx whose content type
     * is not {@code text/event-stream} (lingma-remote.md §7.2, §8.1, §8.3). A 404 is {@link Kind#BAD_REQUEST}
     * here; use {@link #fromModelListStatus} for the model list, where it means the wrong host.
     *
     * @param status      HTTP status
     * @param contentType {@code Content-Type} header or null
     * @param body        response body text (may be null; only the first characters are kept)
     * @return the classified failure
     */
    public static RemoteFailure fromHttpStatus(int status, String contentType, String body) {
        return classify(status, contentType, body, false, "remote chat status " + status);
    }

    /**
     * Like {@link #fromHttpStatus} for {@code GET /algo/api/v2/model/list}: a 404 or a body containing
     * {@code NoSuchKey} is {@link Kind#WRONG_HOST} (lingma-remote.md §2.5).
     *
     * @param status      HTTP status
     * @param contentType {@code Content-Type} or null
     * @param body        response body or null
     * @return the classified failure
     */
    public static RemoteFailure fromModelListStatus(int status, String contentType, String body) {
        return classify(status, contentType, body, true, "remote model list status " + status);
    }

    /**
     * Classifies an in-stream error envelope ({@code statusCodeValue >= 400}, lingma-remote.md §8.2).
     *
     * @param statusCodeValue the envelope status
     * @param body            the envelope {@code body} (text or JSON text) or its {@code statusMessage}
     * @return the failure; 429 is {@link Kind#BUSY}, 5xx {@link Kind#TRANSIENT}
     */
    public static RemoteFailure fromEnvelope(int statusCodeValue, String body) {
        UpstreamError error = UpstreamError.parse(body);
        String message = "remote sse status " + statusCodeValue;
        RemoteFailure special = special(statusCodeValue, error, message);
        if (special != null) {
            return special;
        }
        Kind kind;
        if (statusCodeValue == 429) {
            kind = Kind.BUSY;
        } else if (statusCodeValue >= 500 || statusCodeValue == 408) {
            kind = Kind.TRANSIENT;
        } else if (statusCodeValue == 401 || statusCodeValue == 403) {
            kind = Kind.AUTH;
        } else {
            kind = Kind.BAD_REQUEST;
        }
        return new RemoteFailure(kind, Detail.NONE, statusCodeValue, error.retryAfter, error.code, error.message,
                message + withText(error.message), null);
    }

    /**
     * Classifies an {@code event:error} / {@code success:false} frame (lingma-remote.md §8.2): transient unless its
     * code says busy or quota.
     *
     * @param frame the frame JSON
     * @return the failure
     */
    public static RemoteFailure fromErrorFrame(JsonNode frame) {
        UpstreamError error = UpstreamError.of(frame);
        int status = frame.path("msgCode").canConvertToInt() ? frame.path("msgCode").asInt() : -1;
        RemoteFailure special = special(status, error, "remote sse error event");
        if (special != null) {
            return special;
        }
        return new RemoteFailure(Kind.TRANSIENT, Detail.NONE, status, error.retryAfter, error.code, error.message,
                "remote sse error event" + withText(error.message), null);
    }

    /**
     * @param phase what timed out ({@code connect}, {@code first byte}, {@code idle}, {@code attempt})
     * @param cause underlying error or null
     * @return a transient timeout failure (504 {@code upstream_timeout})
     */
    public static RemoteFailure timeout(String phase, Throwable cause) {
        return new RemoteFailure(Kind.TRANSIENT, Detail.TIMEOUT, -1, null, null, null,
                "Lingma remote " + phase + " timeout", cause);
    }

    /**
     * @param what  short description, e.g. {@code connection reset}
     * @param cause underlying error or null
     * @return a transient I/O failure (502 {@code upstream_error})
     */
    public static RemoteFailure ioError(String what, Throwable cause) {
        return new RemoteFailure(Kind.TRANSIENT, Detail.NONE, -1, null, null, null, "Lingma remote " + what, cause);
    }

    /**
     * @param host  host that could not be reached
     * @param cause underlying error or null
     * @return a transient failure mapped to 503 {@code backend_unavailable}
     */
    public static RemoteFailure unreachable(String host, Throwable cause) {
        return new RemoteFailure(Kind.TRANSIENT, Detail.UNREACHABLE, -1, null, null, null,
                "Lingma remote API at " + host + " is unreachable", cause);
    }

    /**
     * @param message diagnosis naming host and source (see {@link BaseUrlResolver#wrongHostDiagnosis})
     * @param status  HTTP status seen
     * @return a {@link Kind#WRONG_HOST} failure
     */
    public static RemoteFailure wrongHost(String message, int status) {
        return new RemoteFailure(Kind.WRONG_HOST, Detail.NONE, status, null, null, null, message, null);
    }

    private static RemoteFailure classify(int status, String contentType, String body, boolean modelList,
                                          String prefix) {
        String text = body == null ? "" : body;
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (status >= 300 && status < 400) {
            return new RemoteFailure(Kind.AUTH, Detail.NONE, status, null, null, null,
                    prefix + ": redirected (login expired?)", null);
        }
        if (modelList && (status == 404 || text.contains("NoSuchKey"))) {
            return new RemoteFailure(Kind.WRONG_HOST, Detail.NONE, status, null, null, truncate(text),
                    prefix + ": not a Lingma API host", null);
        }
        boolean html = ct.contains("text/html") || text.stripLeading().startsWith("<!")
                || text.stripLeading().toLowerCase(Locale.ROOT).startsWith("<html");
        if (status >= 200 && status < 300) {
            if (html) {
                return new RemoteFailure(Kind.AUTH, Detail.NONE, status, null, null, null,
                        prefix + ": login page returned instead of an event stream (login expired?)", null);
            }
            UpstreamError error = UpstreamError.parse(text);
            RemoteFailure special = special(status, error, prefix);
            if (special != null) {
                return special;
            }
            return new RemoteFailure(Kind.PROTOCOL, Detail.NONE, status, null, error.code, error.message,
                    prefix + ": unexpected content type '" + contentType + "'", null);
        }
        UpstreamError error = html ? new UpstreamError(null, null, null) : UpstreamError.parse(text);
        RemoteFailure special = special(status, error, prefix);
        if (special != null) {
            return special;
        }
        Kind kind;
        if (status == 401 || status == 403) {
            kind = Kind.AUTH;
        } else if (status == 408 || status == 429 || status >= 500) {
            kind = Kind.TRANSIENT;
        } else {
            kind = Kind.BAD_REQUEST;
        }
        return new RemoteFailure(kind, Detail.NONE, status, error.retryAfter, error.code, error.message,
                prefix + withText(error.message), null);
    }

    /** Code-based kinds that win over the status: busy 10605, quota 112 / "quota exceeded", signature 101. */
    private static RemoteFailure special(int status, UpstreamError error, String prefix) {
        String code = error.code == null ? "" : error.code;
        String lower = error.message == null ? "" : error.message.toLowerCase(Locale.ROOT);
        if (code.equals("10605")) {
            return new RemoteFailure(Kind.BUSY, Detail.NONE, status, error.retryAfter, code, error.message,
                    prefix + ": busy (code 10605)", null);
        }
        if (code.equals("112") || lower.contains("quota exceeded") || lower.contains("quota_exceeded")) {
            return new RemoteFailure(Kind.QUOTA, Detail.NONE, status, null, code.isEmpty() ? null : code,
                    error.message, prefix + ": quota exceeded", null);
        }
        if (code.equals("101")) {
            return new RemoteFailure(Kind.AUTH, Detail.SIGNATURE_INVALID, status, null, code, error.message,
                    prefix + ": signature invalid", null);
        }
        if (code.equals("105")) {
            return new RemoteFailure(Kind.AUTH, Detail.NONE, status, null, code, error.message,
                    prefix + ": login expired", null);
        }
        return null;
    }

    private static String withText(String message) {
        return message == null || message.isBlank() ? "" : ": " + message;
    }

    static String truncate(String text) {
        if (text == null) {
            return null;
        }
        String collapsed = text.replaceAll("\\s+", " ").trim();
        return collapsed.length() <= MAX_MESSAGE_CHARS ? collapsed : collapsed.substring(0, MAX_MESSAGE_CHARS) + "…";
    }

    private static String redact(String text) {
        return text == null ? null : COSY_TOKEN.matcher(text).replaceAll("COSY.<redacted>");
    }

    private static String sanitize(String text) {
        return text == null ? null : truncate(COSY_TOKEN.matcher(text).replaceAll("COSY.<redacted>"));
    }

    /** Code, message and retry hint extracted from an upstream error body (JSON or plain text). */
    private record UpstreamError(String code, String message, Integer retryAfter) {

        static UpstreamError parse(String body) {
            if (body == null || body.isBlank()) {
                return new UpstreamError(null, null, null);
            }
            String trimmed = body.trim();
            if (trimmed.startsWith("{")) {
                try {
                    return of(MAPPER.readTree(trimmed));
                } catch (Exception e) {
                    // not JSON after all: keep the text
                }
            }
            return new UpstreamError(null, trimmed, null);
        }

        static UpstreamError of(JsonNode node) {
            String code = firstText(node, "code", "errorCode", "msgCode");
            String message = firstText(node, "message", "errorMessage", "msgInfo", "error_msg", "msg");
            if (message == null && node.path("error").isObject()) {
                message = firstText(node.path("error"), "message");
                code = code == null ? firstText(node.path("error"), "code", "type") : code;
            }
            Integer retryAfter = null;
            JsonNode retry = node.path("retryAfterSeconds");
            if (retry.canConvertToInt()) {
                retryAfter = retry.asInt();
            } else if (message != null && message.trim().startsWith("{")) {
                // busy frames carry {"retryAfterSeconds":2,…} JSON-encoded inside "message" (§8.2)
                try {
                    JsonNode inner = MAPPER.readTree(message);
                    if (inner.path("retryAfterSeconds").canConvertToInt()) {
                        retryAfter = inner.path("retryAfterSeconds").asInt();
                    }
                } catch (Exception e) {
                    // message is plain text
                }
            }
            return new UpstreamError(code, message, retryAfter);
        }

        private static String firstText(JsonNode node, String... names) {
            for (String name : names) {
                JsonNode value = node.path(name);
                if (value.isValueNode() && !value.isNull() && !value.asText().isBlank()) {
                    return value.asText();
                }
            }
            return null;
        }
    }
}
