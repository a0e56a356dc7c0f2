package io.lingma.gateway.lingma.remote;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads SSE lines ({@code \n}, {@code \r\n} or {@code \r} terminated) without ever holding more than a fixed number
 * of characters of one line in memory (lingma-remote.md §7.2, §11.5 "a single data: line over the cap").
 */
final class BoundedLineReader {

    private final Reader in;
    private final int maxChars;
    private final char[] buffer = new char[8192];
    private int pos;
    private int len;
    private boolean skipLf;

    /**
     * @param in       the response text
     * @param maxChars longest accepted line
     */
    BoundedLineReader(Reader in, int maxChars) {
        this.in = in;
        this.maxChars = maxChars;
    }

    /**
     * @return the next line without its terminator, or null at the end of the stream
     * @throws IOException   when reading fails
     * @throws RemoteFailure {@link RemoteFailure.Kind#PROTOCOL} when a line exceeds the cap
     */
    String readLine() throws IOException {
        StringBuilder line = null;
        while (true) {
            if (pos == len) {
                len = in.read(buffer, 0, buffer.length);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    return line == null ? null : line.toString();
                }
            }
            if (skipLf) {
                skipLf = false;
                if (buffer[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            if (line == null) {
                line = new StringBuilder();
            }
            while (pos < len) {
                char c = buffer[pos++];
                if (c == '\n') {
                    return line.toString();
                }
                if (c == '\r') {
                    skipLf = true;
                    return line.toString();
                }
                if (line.length() >= maxChars) {
                    throw new RemoteFailure(RemoteFailure.Kind.PROTOCOL,
                            "an SSE line from Lingma exceeds " + maxChars + " characters");
                }
                line.append(c);
            }
        }
    }
}
