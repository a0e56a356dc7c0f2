package io.lingma.gateway.tools;

/**
 * Follows a left-to-right scan of JSON-like text and says which characters belong to a string literal (its quotes
 * included, backslash escapes honoured), so the scanners of a model reply can skip string contents. Not
 * thread-safe; one instance per scan.
 */
final class JsonStringTracker {

    private final boolean newlineEndsString;
    private boolean inString;
    private boolean escaped;

    /**
     * @param newlineEndsString true when a raw newline closes an open string: JSON strings cannot hold one, so the
     *                          quote before it was prose
     */
    JsonStringTracker(boolean newlineEndsString) {
        this.newlineEndsString = newlineEndsString;
    }

    /**
     * @param c the next character of the scan
     * @return true when {@code c} is part of a string literal (opening quote, content or closing quote)
     */
    boolean consume(char c) {
        if (!inString) {
            inString = c == '"';
            return inString;
        }
        if (escaped) {
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == '"' || (newlineEndsString && c == '\n')) {
            inString = false;
        }
        return true;
    }
}
