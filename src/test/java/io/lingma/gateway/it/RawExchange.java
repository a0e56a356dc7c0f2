package io.lingma.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A raw HTTP/1.1 client for requests no SDK can send: the bytes go on the wire exactly as given, and responses are
 * read by the rules of RFC 9112 §6.3 (no body for HEAD, 1xx, 204 and 304; then chunked, Content-Length or
 * close-delimited). Every read is bounded by one deadline for the whole exchange, and a watchdog closes the socket
 * at that deadline (a write to a server that stopped reading would block forever), so a server that never answers
 * costs at most the timeout.
 */
final class RawExchange implements AutoCloseable {

    /**
     * One response read off the wire.
     *
     * @param statusLine the status line as received, e.g. {@code HTTP/1.1 400 Bad Request}
     * @param status     the status code
     * @param headers    header values by lower-case name, in arrival order
     * @param body       the body (de-chunked), empty for HEAD, 1xx, 204 and 304
     * @param head       the status line and header block as text (ISO-8859-1), for diagnostics
     */
    record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body, String head) {

        /** @return the first value of header {@code name} (any case), or null */
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** @return the body decoded as UTF-8 */
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The server closed the connection before sending any byte of a response. */
    static final class ClosedException extends EOFException {
        ClosedException(String message) {
            super(message);
        }
    }

    /** Closes sockets whose exchange ran out of time; one daemon thread for all exchanges. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "raw-exchange-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Socket socket;
    private final InputStream in;
    private final long deadlineNanos;
    private final ScheduledFuture<?> watchdog;
    private volatile boolean expired;
    private final byte[] buf = new byte[16384];
    private int pos;
    private int lim;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    private RawExchange(Socket socket, long deadlineNanos) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.deadlineNanos = deadlineNanos;
        this.watchdog = WATCHDOG.schedule(this::expire, deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /**
     * Connects to {@code 127.0.0.1:port}; the connection and every later read share one deadline.
     *
     * @param port      the gateway's port
     * @param timeoutMs the whole exchange's budget in milliseconds
     * @return the open exchange (the caller closes it)
     * @throws IOException when the connection cannot be made in time
     */
    static RawExchange open(int port, long timeoutMs) throws IOException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) Math.max(1, timeoutMs));
            return new RawExchange(socket, deadline);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Writes {@code bytes} as they are. A server that already answered and closed may reset the connection; that
     * error is swallowed so the answer it sent can still be read.
     *
     * @return this exchange
     */
    RawExchange write(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // the answer, if any, is already in the receive buffer; reading reports what is missing
        }
        return this;
    }

    /** Half-closes: the server sees the end of the request stream while the response can still be read. */
    RawExchange shutdownOutput() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /**
     * Reads one response (skipping interim 1xx answers other than 101).
     *
     * @param toHead true when the request was HEAD (the response has no body whatever its headers say)
     * @return the response
     * @throws ClosedException        when the connection ends before the first byte of a status line
     * @throws SocketTimeoutException when the deadline passes first (the message says what had arrived)
     * @throws IOException            when the bytes are not an HTTP response or the connection breaks mid-response
     */
    Response read(boolean toHead) throws IOException {
        while (true) {
            String statusLine = line(true);
            if (!statusLine.startsWith("HTTP/") || statusLine.split(" ").length < 2) {
                throw new IOException("not an HTTP status line: " + abbreviate(statusLine));
            }
            int status;
            try {
                status = Integer.parseInt(statusLine.split(" ")[1]);
            } catch (NumberFormatException e) {
                throw new IOException("bad status code: " + abbreviate(statusLine));
            }
            StringBuilder head = new StringBuilder(statusLine).append("\r\n");
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String h = line(false); !h.isEmpty(); h = line(false)) {
                head.append(h).append("\r\n");
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            k -> new ArrayList<>()).add(h.substring(colon + 1).trim());
                }
            }
            if (status >= 100 && status < 200 && status != 101) {
                continue;
            }
            byte[] body;
            List<String> te = headers.get("transfer-encoding");
            List<String> cl = headers.get("content-length");
            if (toHead || status == 204 || status == 304 || (status >= 100 && status < 200)) {
                body = new byte[0];
            } else if (te != null && te.get(te.size() - 1).toLowerCase(Locale.ROOT).endsWith("chunked")) {
                body = chunked();
            } else if (cl != null) {
                long length;
                try {
                    length = Long.parseLong(cl.get(0));
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length in the response: " + cl);
                }
                body = exactly(length);
            } else {
                body = toEnd();
            }
            return new Response(statusLine, status, headers, body, head.toString());
        }
    }

    /**
     * Reads only the status line, for clients that hang up right after it.
     *
     * @return the status line
     * @throws IOException as {@link #read(boolean)}
     */
    String statusLine() throws IOException {
        return line(true);
    }

    /** @return everything received so far, as ISO-8859-1 text (for failure messages) */
    String receivedSoFar() {
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        watchdog.cancel(false);
        socket.close();
    }

    private void expire() {
        expired = true;
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(false);
            String size = sizeLine.split(";", 2)[0].trim();
            long n;
            try {
                n = Long.parseLong(size, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size in the response: " + abbreviate(sizeLine));
            }
            if (n == 0) {
                while (!line(false).isEmpty()) {
                    // trailer fields are not used
                }
                return out.toByteArray();
            }
            out.writeBytes(exactly(n));
            if (!line(false).isEmpty()) {
                throw new IOException("chunk data not followed by CRLF");
            }
        }
    }

    private byte[] exactly(long n) throws IOException {
        if (n < 0 || n > 64L * 1024 * 1024) {
            throw new IOException("response body length out of range: " + n);
        }
        byte[] out = new byte[(int) n];
        for (int i = 0; i < n; i++) {
            int b = next();
            if (b < 0) {
                throw new EOFException("connection closed after " + i + " of " + n + " body bytes");
            }
            out[i] = (byte) b;
        }
        return out;
    }

    private byte[] toEnd() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b = next(); b >= 0; b = next()) {
            out.write(b);
        }
        return out.toByteArray();
    }

    /** A line without its CRLF (a bare LF also ends it); the first line of a response may meet a clean close. */
    private String line(boolean first) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int b = next();
            if (b < 0) {
                if (first && out.size() == 0) {
                    throw new ClosedException("connection closed without a response");
                }
                throw new EOFException("connection closed inside a response line: "
                        + abbreviate(out.toString(StandardCharsets.ISO_8859_1)));
            }
            if (b == '\n') {
                byte[] bytes = out.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            if (out.size() > 65536) {
                throw new IOException("response line longer than 64 KB");
            }
            out.write(b);
        }
    }

    private int next() throws IOException {
        if (pos == lim) {
            long remainingMs = (deadlineNanos - System.nanoTime()) / 1_000_000L;
            if (remainingMs <= 0 || expired) {
                throw new SocketTimeoutException(receivedSoFar());
            }
            int n;
            try {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException(receivedSoFar());
            } catch (SocketException e) {
                if (expired) {
                    throw new SocketTimeoutException(receivedSoFar());
                }
                // a reset after the answer was sent loses nothing already read; report the rest as a close
                if (received.size() == 0) {
                    throw new ClosedException("connection reset without a response (" + e.getMessage() + ")");
                }
                return -1;
            }
            if (n < 0) {
                return -1;
            }
            received.write(buf, 0, n);
            pos = 0;
            lim = n;
        }
        return buf[pos++] & 0xff;
    }

    /** @return {@code s} as UTF-8 bytes */
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return the parts one after the other */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }
}
