package io.lingma.gateway.simulator.wire;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The simulator's own LSP base-protocol framing (lingma-ipc.md §4.1, §10.3), written from the spec and
 * independent of the gateway's codec so a framing bug on one side shows up on the wire: {@code Content-Length: N}
 * CR LF, an empty line, then exactly N bytes of UTF-8 JSON (N counts bytes, not characters).
 *
 * <p>{@link #frame(byte[])} is static; a {@link Reader} is per connection and not thread-safe.
 */
public final class LspFrames {

    /** Longest header section accepted before its blank line (bare JSON or garbage must not buffer forever). */
    public static final int MAX_HEADER_BYTES = 8192;

    private static final String HEADER_END = "\r\n\r\n";

    private LspFrames() {
    }

    /**
     * @param json the UTF-8 JSON body
     * @return {@code Content-Length: <bytes>\r\n\r\n} followed by the body, as one buffer
     */
    public static byte[] frame(byte[] json) {
        return Buffer.buffer("Content-Length: " + json.length + HEADER_END).appendBytes(json).getBytes();
    }

    /**
     * @param json the JSON body as text
     * @return {@link #frame(byte[])} of its UTF-8 bytes
     */
    public static byte[] frame(String json) {
        return frame(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A fatal framing error (§4.1): missing or non-integer {@code Content-Length}, over-cap frame, no header end. */
    public static final class MalformedFrameException extends Exception {

        /** @param message what was wrong, starting with the server's {@code Unknown message header} where it applies */
        public MalformedFrameException(String message) {
            super(message);
        }
    }

    /**
     * Extracts frames from a byte stream fed in arbitrary pieces (WebSocket text and binary messages alike, several
     * frames per piece, frames split across pieces, §4.3). Built on Vert.x's {@link RecordParser}: delimited mode
     * for the header section, fixed-size mode for the body.
     */
    public static final class Reader {

        private final int maxBodyBytes;
        private final List<byte[]> ready = new ArrayList<>();
        private RecordParser parser;
        private boolean inBody;
        private long buffered;
        private String failure;

        /** @param maxBodyBytes largest accepted body in bytes */
        public Reader(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            reset();
        }

        /**
         * @param bytes the next piece of the stream
         * @return every body completed by this piece, in order (possibly empty)
         * @throws MalformedFrameException on a fatal header error; the reader then drops what it buffered and
         *                                 starts over with the next piece
         */
        public List<byte[]> feed(byte[] bytes) throws MalformedFrameException {
            buffered += bytes.length;
            parser.handle(Buffer.buffer(bytes));
            if (failure == null && !inBody && buffered > MAX_HEADER_BYTES) {
                failure = "Unknown message header: no blank line within " + MAX_HEADER_BYTES + " bytes";
            }
            List<byte[]> out = List.copyOf(ready);
            ready.clear();
            if (failure != null) {
                String message = failure;
                reset();
                throw new MalformedFrameException(message);
            }
            return out;
        }

        /** @return true when no partial frame is buffered (the next byte starts a header) */
        public boolean idle() {
            return !inBody && buffered == 0;
        }

        private void reset() {
            parser = RecordParser.newDelimited(HEADER_END, this::onRecord);
            inBody = false;
            buffered = 0;
            failure = null;
            ready.clear();
        }

        private void onRecord(Buffer record) {
            if (failure != null) {
                return;
            }
            if (inBody) {
                buffered -= record.length();
                ready.add(record.getBytes());
                inBody = false;
                parser.delimitedMode(HEADER_END);
                return;
            }
            buffered -= record.length() + HEADER_END.length();
            int length;
            try {
                length = contentLength(record.toString(StandardCharsets.US_ASCII));
            } catch (MalformedFrameException e) {
                failure = e.getMessage();
                return;
            }
            if (length == 0) {
                ready.add(new byte[0]);  // fixed-size mode cannot read zero bytes
            } else {
                inBody = true;
                parser.fixedSizeMode(length);
            }
        }

        private int contentLength(String headers) throws MalformedFrameException {
            for (String line : headers.split("\r\n", -1)) {
                int colon = line.indexOf(':');
                if (colon < 0 || !line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                    continue;  // other header lines are ignored (§4.1)
                }
                String value = line.substring(colon + 1).trim();
                if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new MalformedFrameException("Unknown message header: bad Content-Length '" + value + "'");
                }
                if (value.length() > 10 || Long.parseLong(value) > maxBodyBytes) {
                    throw new MalformedFrameException("frame of " + value + " bytes exceeds the cap of "
                            + maxBodyBytes);
                }
                return Integer.parseInt(value);
            }
            throw new MalformedFrameException("Unknown message header: no Content-Length");
        }
    }
}
