package io.lingma.gateway.it;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A hand-driven HTTP/1.1 client, for tests that must drop the connection at a precise point. */
final class RawHttp {

    private RawHttp() {
    }

    /**
     * Posts {@code body}, reads the status line and then nothing more: a client that stopped reading.
     *
     * @return the open socket (the caller closes it)
     */
    static Socket postAndStopReading(int port, String path, String body) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setReceiveBufferSize(4096);
        post(socket, port, path, body);
        if (socket.getInputStream().read() < 0) {
            throw new IllegalStateException("connection closed before the response");
        }
        return socket;
    }

    /**
     * Posts {@code body} and closes the socket as soon as the first SSE {@code data:} line arrives.
     *
     * @return the first data line
     */
    static String postAndDisconnectAfterFirstData(int port, String path, String body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            post(socket, port, path, body);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data:")) {
                    return line;
                }
            }
            throw new IllegalStateException("stream ended before any data line");
        }
    }

    /**
     * Posts {@code body} with {@code x-request-id: requestId} and closes the socket as soon as a line equal to
     * {@code lastLine} arrives: an SSE client that hangs up on the terminal frame without waiting for the
     * response's final chunk.
     */
    static void postAndCloseAfterLine(int port, String path, String body, String requestId, String lastLine)
            throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nx-request-id: " + requestId
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals(lastLine)) {
                    return;
                }
            }
            throw new IllegalStateException("stream ended before " + lastLine);
        }
    }

    /** A whole response read off the wire: status, headers (lower-case names) and the de-chunked body. */
    record Response(int status, Map<String, String> headers, String body) {

        /** @return the body parsed as JSON (an assertion error when it is not JSON) */
        com.fasterxml.jackson.databind.JsonNode json() {
            try {
                return SseClient.JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    /**
     * Sends {@code head} (request line and headers, without the blank line) and {@code body} exactly as given, then
     * reads the response to the end of the connection; a request without {@code Connection: close} gets it added.
     *
     * @param body raw body bytes, or null for none
     * @return the response
     */
    static Response exchange(int port, String head, byte[] body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            String h = head.toLowerCase(Locale.ROOT).contains("\r\nconnection:") ? head
                    : head + "\r\nConnection: close";
            OutputStream out = socket.getOutputStream();
            out.write((h + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** As {@link #exchange(int, String, byte[])} for a POST with a JSON content type and a Content-Length. */
    static Response postBytes(int port, String path, byte[] body) throws Exception {
        return exchange(port, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length, body);
    }

    /**
     * Reads one response framed by its Content-Length off {@code in}, leaving the connection open (keep-alive).
     *
     * @return the response
     */
    static Response readFramed(InputStream in) throws Exception {
        String text = readHead(in);
        Map<String, String> headers = headers(text.substring(0, text.length() - 4));
        byte[] body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        return new Response(status(text), headers, new String(body, StandardCharsets.UTF_8));
    }

    /** @return the status line and headers up to the blank line, read byte by byte (nothing of the body) */
    static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IllegalStateException("connection closed inside the head: " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads one response off a kept-alive connection: head, then a body framed by {@code Content-Length} or chunked
     * (no body when it has neither).
     *
     * @return the response, or null when the connection closed before its first byte
     */
    static Response readResponse(InputStream in) throws Exception {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        String text = (char) first + readHead(in);
        Map<String, String> headers = headers(text.substring(0, text.length() - 4));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                body.write(in.readNBytes(size));
                in.readNBytes(2);
            }
            in.readNBytes(2);
        } else if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        }
        return new Response(status(text), headers, body.toString(StandardCharsets.UTF_8));
    }

    private static int chunkSize(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return Integer.parseInt(line.toString().split(";")[0].trim(), 16);
    }

    private static Response read(InputStream in) throws Exception {
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            throw new IllegalStateException("incomplete response: " + text);
        }
        Map<String, String> headers = headers(text.substring(0, split));
        byte[] rest = java.util.Arrays.copyOfRange(all, split + 4, all.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            rest = dechunk(rest);
        }
        return new Response(status(text), headers, new String(rest, StandardCharsets.UTF_8));
    }

    private static int status(String head) {
        return Integer.parseInt(head.substring(0, head.indexOf("\r\n")).split(" ")[1]);
    }

    /** @return the header fields of a response head (status line first), names in lower case */
    private static Map<String, String> headers(String head) {
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        return headers;
    }

    /** @return the payload of a chunked body (up to its last chunk) */
    static byte[] dechunk(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < raw.length) {
            int eol = pos;
            while (eol + 1 < raw.length && !(raw[eol] == '\r' && raw[eol + 1] == '\n')) {
                eol++;
            }
            String size = new String(raw, pos, eol - pos, StandardCharsets.US_ASCII).split(";")[0].trim();
            int n = Integer.parseInt(size, 16);
            if (n == 0) {
                break;
            }
            out.write(raw, eol + 2, n);
            pos = eol + 2 + n + 2;
        }
        return out.toByteArray();
    }

    private static void post(Socket socket, int port, String path, String body) throws Exception {
        socket.setSoTimeout(20_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }
}
