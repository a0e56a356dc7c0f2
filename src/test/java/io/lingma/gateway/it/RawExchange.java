package io.lingma.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sends the exact bytes of one HTTP request on a fresh socket and reads what comes back until the server closes
 * the connection or a deadline passes: for requests no HTTP client library would send.
 */
final class RawExchange {

    /**
     * What came back.
     *
     * @param status   status code, or -1 when no status line arrived
     * @param headers  response headers, names in lower case (last value wins)
     * @param body     the body, de-chunked when the response was chunked
     * @param timedOut true when the deadline passed before the server closed the connection
     * @param millis   time from sending to the end of the read
     */
    record Response(int status, Map<String, String> headers, String body, boolean timedOut, long millis) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawExchange() {
    }

    /**
     * @param port       the gateway's port on 127.0.0.1
     * @param request    the whole request, head and body, as sent
     * @param deadlineMs how long to wait for the server to answer and close
     * @return the response as read
     */
    static Response send(int port, byte[] request, long deadlineMs) throws Exception {
        long start = System.nanoTime();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        boolean timedOut = false;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[8192];
            while (true) {
                long left = deadlineMs - (System.nanoTime() - start) / 1_000_000;
                if (left <= 0) {
                    timedOut = true;
                    break;
                }
                socket.setSoTimeout((int) left);
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    timedOut = true;
                    break;
                } catch (java.net.SocketException e) {
                    // reset by the server after it answered (or instead of answering)
                    break;
                }
                if (n < 0) {
                    break;
                }
                raw.write(buf, 0, n);
            }
        }
        return parse(raw.toByteArray(), timedOut, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * @return a request with the given head lines (without the final blank line) and body
     */
    static byte[] request(String head, byte[] body) {
        byte[] h = (head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private static Response parse(byte[] raw, boolean timedOut, long millis) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/") || headEnd < 0) {
            return new Response(-1, Map.of(), text, timedOut, millis);
        }
        String[] lines = text.substring(0, headEnd).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : -1;
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, headEnd + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8), timedOut, millis);
    }

    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < body.length) {
            int lineEnd = indexOfCrlf(body, pos);
            if (lineEnd < 0) {
                break;
            }
            String sizeText = new String(body, pos, lineEnd - pos, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size;
            try {
                size = Integer.parseInt(sizeText, 16);
            } catch (NumberFormatException e) {
                break;
            }
            pos = lineEnd + 2;
            if (size == 0) {
                break;
            }
            int end = Math.min(body.length, pos + size);
            out.write(body, pos, end - pos);
            pos = end + 2;
        }
        return out.toByteArray();
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
