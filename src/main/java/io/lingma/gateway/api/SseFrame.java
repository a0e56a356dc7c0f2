package io.lingma.gateway.api;

/**
 * One SSE frame.
 *
 * @param event   event name or null
 * @param data    data or null
 * @param comment comment or null
 */
public record SseFrame(String event, String data, String comment) {

    /** @return the wire text */
    public String render() {
        StringBuilder sb = new StringBuilder();
        if (comment != null) {
            sb.append(": ").append(comment).append('\n');
        }
        if (event != null) {
            sb.append("event: ").append(event).append('\n');
        }
        if (data != null) {
            sb.append("data: ").append(data).append('\n');
        }
        return sb.append('\n').toString();
    }
}
