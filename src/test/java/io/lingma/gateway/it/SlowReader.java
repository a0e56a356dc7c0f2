package io.lingma.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client that reads only when told to: a raw socket with a small receive buffer, so what it does not read stays
 * on the gateway's side. The request asks for {@code Connection: close}, so the end of the answer is the end of the
 * connection.
 */
final class SlowReader implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private boolean chunked;

    private SlowReader(Socket socket) throws Exception {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Connects with an 8 KB receive buffer and POSTs {@code body} as JSON; reads nothing yet. */
    static SlowReader post(int port, String path, String body) throws Exception {
        Socket socket = new Socket();
        // before connecting, so the TCP window is negotiated small
        socket.setReceiveBufferSize(8192);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(20_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close"
                + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return new SlowReader(socket);
    }

    /** @return the status line and headers, read byte by byte (nothing of the body) */
    String readHead() throws Exception {
        String text = RawHttp.readHead(in);
        chunked = text.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked");
        return text;
    }

    /**
     * Reads the rest of the body to the end of the connection, in 64 KB steps.
     *
     * @param limit most bytes to accept before failing (the answer must have been cut short)
     * @return the body, de-chunked
     */
    String readToEnd(int limit) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] step = new byte[64 * 1024];
        int n;
        while ((n = in.read(step)) > 0) {
            body.write(step, 0, n);
            if (body.size() > limit) {
                throw new IllegalStateException("more than " + limit + " bytes");
            }
        }
        byte[] raw = body.toByteArray();
        return new String(chunked ? RawHttp.dechunk(raw) : raw, StandardCharsets.UTF_8);
    }

    /** @return heap bytes in use after a full collection (what is retained, not garbage) */
    static long retainedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Override
    public void close() throws Exception {
        socket.close();
    }
}
