package io.lingma.gateway.api;

/**
 * One server-sent event (client-api.md §2.9): an optional {@code event:} name, an optional {@code data:} payload
 * and an optional comment line.
 *
 * @param event   the event name ({@code message_start}, …), or null for unnamed frames (OpenAI chunks)
 * @param data    the payload (compact JSON or {@code [DONE]}), or null
 * @param comment comment text without the leading colon ({@code keep-alive}), or null
 */
public record SseFrame(String event, String data, String comment) {

    /**
     * @param data the payload
     * @return an unnamed {@code data:} frame
     */
    public static SseFrame data(String data) {
        return new SseFrame(null, data, null);
    }

    /**
     * @param event the event name
     * @param data  the payload
     * @return a named frame
     */
    public static SseFrame event(String event, String data) {
        return new SseFrame(event, data, null);
    }

    /**
     * @param text the comment text
     * @return a comment-only frame
     */
    public static SseFrame comment(String text) {
        return new SseFrame(null, null, text);
    }

    /**
     * Renders the frame on the wire: {@code ": c\n"}, {@code "event: x\n"}, one {@code "data: …\n"} line per payload
     * line, then a blank line; e.g. {@code "event: ping\ndata: {\"type\":\"ping\"}\n\n"} or {@code ": keep-alive\n\n"}.
     *
     * @return the frame text (UTF-8 when written)
     */
    public String render() {
        StringBuilder sb = new StringBuilder();
        if (comment != null) {
            sb.append(": ").append(comment).append('\n');
        }
        if (event != null) {
            sb.append("event: ").append(event).append('\n');
        }
        if (data != null) {
            // a payload line break would end the data field early, so every line gets its own "data:" prefix
            for (String line : data.split("\r\n|\r|\n", -1)) {
                sb.append("data: ").append(line).append('\n');
            }
        }
        return sb.append('\n').toString();
    }
}
