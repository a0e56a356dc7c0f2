package io.lingma.gateway.lingma.ipc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * LSP base-protocol framing as Lingma uses it inside WebSocket messages (lingma-ipc.md §4.1, §4.3):
 * {@code Content-Length: N\r\n\r\n} followed by exactly N bytes of UTF-8 JSON.
 *
 * <p>Encoding is static. Decoding is stateful: one decoder per connection accumulates text and binary messages
 * in one byte buffer and yields every complete frame, so several frames in one message and a frame split across
 * messages both work. Not thread-safe; feed it from the connection's single reader.
 */
public final class LspFrameCodec {

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
    private static final int SHRINK_ABOVE = 1024 * 1024;

    private final int maxFrameBytes;
    private byte[] buffer = new byte[8192];
    private int length;

    /**
     * @param maxFrameBytes largest accepted body in bytes ({@code gateway.ipc.max-frame-bytes}, default 64 MiB)
     */
    public LspFrameCodec(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Frames one JSON-RPC message.
     *
     * @param json the UTF-8 JSON body
     * @return header and body as one buffer (the length counts bytes, not characters)
     */
    public static byte[] encode(byte[] json) {
        byte[] header = ("Content-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] frame = Arrays.copyOf(header, header.length + json.length);
        System.arraycopy(json, 0, frame, header.length, json.length);
        return frame;
    }

    /**
     * Frames one JSON-RPC message given as text.
     *
     * @param json the JSON body
     * @return header and body as one buffer
     */
    public static byte[] encode(String json) {
        return encode(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends received bytes and extracts every complete frame.
     *
     * @param chunk the payload of one WebSocket message (text or binary) or one socket read
     * @return the complete JSON bodies now available, in order (possibly empty)
     * @throws LspFramingException on a missing, non-numeric or over-cap {@code Content-Length}; the connection
     *                             must then be closed
     */
    public List<byte[]> decode(byte[] chunk) throws LspFramingException {
        append(chunk);
        List<byte[]> frames = new ArrayList<>();
        while (true) {
            int headerEnd = indexOf(HEADER_END);
            if (headerEnd < 0) {
                if (length > 8192) {
                    throw new LspFramingException("Unknown message header: no header end within 8192 bytes");
                }
                return frames;
            }
            int bodyLength = contentLength(new String(buffer, 0, headerEnd, StandardCharsets.US_ASCII));
            int bodyStart = headerEnd + HEADER_END.length;
            if (length - bodyStart < bodyLength) {
                return frames;
            }
            frames.add(Arrays.copyOfRange(buffer, bodyStart, bodyStart + bodyLength));
            int consumed = bodyStart + bodyLength;
            System.arraycopy(buffer, consumed, buffer, 0, length - consumed);
            length -= consumed;
            if (length == 0 && buffer.length > SHRINK_ABOVE) {
                // give a multi-MB image frame's buffer back instead of keeping it for the connection's life
                buffer = new byte[8192];
            }
        }
    }

    /** @return bytes received but not yet part of a complete frame */
    public int pendingBytes() {
        return length;
    }

    private int contentLength(String header) throws LspFramingException {
        for (String line : header.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                String value = line.substring(colon + 1).trim();
                long n;
                try {
                    n = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new LspFramingException("Unknown message header: bad Content-Length '" + value + "'");
                }
                if (n < 0) {
                    throw new LspFramingException("Unknown message header: negative Content-Length " + n);
                }
                if (n > maxFrameBytes) {
                    throw new LspFramingException("frame of " + n + " bytes exceeds the cap of " + maxFrameBytes);
                }
                return (int) n;
            }
        }
        throw new LspFramingException("Unknown message header: no Content-Length");
    }

    private void append(byte[] chunk) {
        if (length + chunk.length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + chunk.length));
        }
        System.arraycopy(chunk, 0, buffer, length, chunk.length);
        length += chunk.length;
    }

    private int indexOf(byte[] needle) {
        outer:
        for (int i = 0; i <= length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buffer[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
