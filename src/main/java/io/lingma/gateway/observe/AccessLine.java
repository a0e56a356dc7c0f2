package io.lingma.gateway.observe;

import org.apache.logging.log4j.message.StringMapMessage;

/**
 * One request's access-log line (issue 9 §2): never prompt or answer text. As text (the message) it reads
 * {@code METHOD path -> status (Nms) key=name api=… model=… model_used=… stream=… ttft_ms=… tokens_in=…
 * tokens_out=… fallbacks=… upstream=… request_id=id}; with {@code gateway.log.format=json} the same fields are the
 * message's JSON object. {@code -} (or -1 for numbers) marks a field that does not apply.
 *
 * @param requestId       the request id
 * @param method          HTTP method
 * @param path            request path (no query)
 * @param status          HTTP status sent (499 = the client left first)
 * @param durationSeconds request start to completion
 * @param key             the caller's key name, {@code -} when anonymous
 * @param api             {@code openai.chat}, {@code anthropic.messages}, {@code openai.responses}; null for
 *                        requests that run no generation
 * @param requestModel    the model the client asked for, verbatim (log only; metrics use the bounded label)
 * @param requestModelLabel the bounded metrics label of the requested model ({@link GatewayMetrics#OTHER})
 * @param responseModel   the Lingma model key that answered, {@code -} when none
 * @param stream          whether the client asked for a stream
 * @param ttftSeconds     request start to first content, -1 when none
 * @param upstreamSeconds duration of the upstream call, -1 when none was made
 * @param tokensIn        input tokens, -1 when unknown
 * @param tokensOut       output tokens, -1 when unknown
 * @param fallbacks       fallback models used (0 or 1: whether another model than the resolved one answered)
 * @param errorType       {@code none}, else the error code ({@code ErrorKind} in lower case)
 */
public record AccessLine(String requestId, String method, String path, int status, double durationSeconds,
                         String key, String api, String requestModel, String requestModelLabel,
                         String responseModel, boolean stream, double ttftSeconds, double upstreamSeconds,
                         long tokensIn, long tokensOut, int fallbacks, String errorType) {

    /** @return the bounded response-model label */
    public String responseModelLabel() {
        return responseModel == null || responseModel.isEmpty() ? "-" : responseModel;
    }

    /** @return the text form (also the message of the JSON form) */
    public String text() {
        StringBuilder b = new StringBuilder().append(method).append(' ').append(path).append(" -> ").append(status)
                .append(" (").append(Math.round(durationSeconds * 1000)).append("ms) key=").append(key);
        if (api != null) {
            b.append(" api=").append(api).append(" model=").append(printable(requestModel))
                    .append(" model_used=").append(responseModelLabel()).append(" stream=").append(stream)
                    .append(" ttft_ms=").append(millis(ttftSeconds)).append(" tokens_in=").append(tokensIn)
                    .append(" tokens_out=").append(tokensOut).append(" fallbacks=").append(fallbacks)
                    .append(" upstream=").append(errorType);
        }
        return b.append(" request_id=").append(requestId).toString();
    }

    /** @return a log4j2 message: the {@link #text()} as its text, the fields as its JSON */
    public StringMapMessage message() {
        StringMapMessage m = new Message(text()).with("request_id", requestId).with("method", method)
                .with("path", path).with("status", status).with("duration_ms", Math.round(durationSeconds * 1000))
                .with("key", key);
        if (api != null) {
            m.with("api", api).with("model", printable(requestModel)).with("model_used", responseModelLabel())
                    .with("stream", stream).with("ttft_ms", millis(ttftSeconds)).with("tokens_in", tokensIn)
                    .with("tokens_out", tokensOut).with("fallbacks", fallbacks).with("upstream", errorType);
        }
        return m;
    }

    private static long millis(double seconds) {
        return seconds < 0 ? -1 : Math.round(seconds * 1000);
    }

    // a model name is client text: one token, no spaces or control characters in the log line, bounded length
    private static String printable(String model) {
        if (model == null || model.isEmpty()) {
            return "-";
        }
        String s = model.length() > 64 ? model.substring(0, 64) : model;
        return s.replaceAll("[^A-Za-z0-9._:/@+-]", "_");
    }

    /** A map message whose text is the access line, not the map's {@code key="value"} rendering. */
    private static final class Message extends StringMapMessage {

        private final String text;

        Message(String text) {
            this.text = text;
        }

        @Override
        public String getFormattedMessage() {
            return text;
        }

        @Override
        public void formatTo(StringBuilder buffer) {
            buffer.append(text);
        }

        @Override
        public String getFormat() {
            return text;
        }

        @Override
        public String getFormattedMessage(String[] formats) {
            return formats != null && formats.length > 0 ? super.getFormattedMessage(formats) : text;
        }
    }
}
