package io.lingma.gateway.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

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
