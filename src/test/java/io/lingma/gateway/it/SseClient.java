package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Raw HTTP and SSE access to a running gateway, for tests that check the wire (headers, event order, timing). */
final class SseClient {

    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final String base;

    SseClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** One SSE event with the time it arrived (ms since the request was sent). */
    record Event(String event, String data, String comment, long atMillis) {
        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + data, e);
            }
        }
    }

    /** A whole streamed response. */
    record Stream(int status, HttpResponse<?> response, List<Event> events) {
        List<String> eventNames() {
            return events.stream().filter(e -> e.event() != null).map(Event::event).toList();
        }

        List<Event> dataEvents() {
            return events.stream().filter(e -> e.data() != null).toList();
        }
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return send("POST", path, body, headers);
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, null, headers);
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        b.header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts and reads the SSE stream to its end, stamping each event with its arrival time. */
    Stream stream(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        long start = System.nanoTime();
        HttpResponse<java.io.InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        List<Event> events = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            String event = null;
            String comment = null;
            StringBuilder data = null;
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty()) {
                    if (event != null || data != null || comment != null) {
                        events.add(new Event(event, data == null ? null : data.toString(), comment,
                                (System.nanoTime() - start) / 1_000_000));
                    }
                    event = null;
                    comment = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comment = line.substring(1).trim();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    String d = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
                    data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                }
            }
        }
        return new Stream(resp.statusCode(), resp, events);
    }
}
