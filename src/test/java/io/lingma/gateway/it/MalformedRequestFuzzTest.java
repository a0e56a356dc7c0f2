package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.lingma.gateway.it.RawExchange.bytes;
import static io.lingma.gateway.it.RawExchange.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deterministic fuzzing of the whole client-facing HTTP surface (client-api.md §2): well over 1,000 malformed
 * requests, generated from a fixed seed, go over raw sockets ({@link RawExchange}) to every endpoint and alias —
 * POST {@code /v1/chat/completions}, {@code /api/v1/chat/completions}, {@code /v1/responses}, {@code /responses},
 * {@code /api/v1/responses}, {@code /v1/messages}, {@code /v1/messages/count_tokens}; GET and HEAD
 * {@code /v1/models}, {@code /v1/models/{id}}, {@code /}, {@code /health}, {@code /healthz}, {@code /version}.
 * <p>
 * Case groups:
 * <ul>
 *   <li>{@code json}: truncated bodies, trailing garbage, NaN/Infinity, nesting 2,000 deep, huge numbers, invalid
 *       and overlong UTF-8, BOMs, duplicate keys, control characters, bad escapes, non-object top levels;</li>
 *   <li>{@code wrong-type}: every field the gateway reads (model, messages, stream, max_tokens, temperature, tools,
 *       tool_choice, stop, system, input, … and nested message/tool fields) set to each JSON type it is not, plus
 *       null; {@code semantic}: values of the right type the spec still rejects (empty messages, n=2, forced tool
 *       not declared) and odd ones it may accept;</li>
 *   <li>{@code image}: bad data URLs (bad base64, empty, no comma), private-host, file and ftp URLs, wrong types in
 *       OpenAI, Responses and Anthropic image parts;</li>
 *   <li>{@code mutant}: valid bodies with 1–3 random byte-level mutations (truncate, insert a JSON-significant
 *       token, delete, replace with a random byte, duplicate, swap);</li>
 *   <li>{@code http}: bad/duplicate Content-Length, Content-Length with chunked, bad chunk sizes, unknown
 *       Transfer-Encoding, bogus Content-Encoding, a 10 KB header, 300 headers, a 20 KB URI and path, a body over
 *       the limit, missing and doubled Host, HTTP/9.9, lower-case version, HTTP/0.9, {@code %zz} in the query,
 *       broken header syntax (no colon, space before colon, obs-fold, NUL, bare LF), Expect, text/plain and
 *       form-urlencoded bodies (415);</li>
 *   <li>{@code host-origin}: {@code Host: evil.example} (DNS rebinding; {@code /health} and {@code /healthz} are
 *       exempt) and a foreign or {@code null} Origin on the POST endpoints must be 4xx; a foreign Origin on GET gets
 *       no {@code Access-Control-Allow-Origin};</li>
 *   <li>{@code method}: the wrong method (405 with {@code Allow}), PUT/DELETE/PATCH/TRACE, unknown and lower-case
 *       methods, HEAD on POST routes, OPTIONS (204);</li>
 *   <li>{@code path}: {@code %2e%2e} and {@code ..} segments, double slashes, bad escapes and odd ids, GET and
 *       HEAD;</li>
 *   <li>{@code close}: requests cut off mid-body, mid-chunk and mid-header with a half-close (a clean close or a
 *       4xx is fine), and streams the client drops right after the status line;</li>
 *   <li>{@code valid}: mixed-in requests that must stay 200 — minimal and full bodies streamed and not, a data-URL
 *       image, {@code Host: localhost}, HTTP/1.0 (streams included), no Content-Type, a chunked body,
 *       {@code Expect: 100-continue}, HEAD, pipelined requests.</li>
 * </ul>
 * Every case must be answered completely within 5 s (Content-Length, chunked or close-delimited), never with a 5xx;
 * a 4xx (except to HEAD) carries a JSON body in the client API's envelope (Anthropic on {@code /v1/messages*},
 * OpenAI elsewhere; either where a dot segment or an unparseable request line leaves the API unknown), and no
 * non-2xx response names a Java class, package or Jackson internal. Afterwards a normal chat completion (plain and
 * streamed) succeeds and no concurrency slot is left taken. All failures are collected and reported grouped by
 * cause in one assertion message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18280", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.concurrency.max-in-flight=16",
                "gateway.http.max-body-bytes=262144",
                "gateway.simulator.scenarios=src/test/resources/scenarios/fuzz.yaml"})
class MalformedRequestFuzzTest {

    private static final int PORT = 18280;
    private static final String HOST = "127.0.0.1:" + PORT;
    private static final long SEED = 0x5EED_F022L;
    private static final long TIMEOUT_MS = 5_000;
    private static final int CONNECTIONS = 8;
    private static final int MUTANTS_PER_PATH = 20;
    /** Share of the body-level cases an alias path gets (the canonical path gets all): aliases share the routes. */
    private static final int ALIAS_SAMPLE_ONE_IN = 3;
    /** Java class, package or Jackson feature names a client must never see. */
    private static final Pattern JAVA_NAME = RequestEdgeTest.JAVA_NAME;

    private enum Api { CHAT, RESPONSES, MESSAGES, COUNT }

    private record Endpoint(String path, Api api) {
    }

    private static final List<Endpoint> POSTS = List.of(new Endpoint("/v1/chat/completions", Api.CHAT),
            new Endpoint("/api/v1/chat/completions", Api.CHAT), new Endpoint("/v1/responses", Api.RESPONSES),
            new Endpoint("/responses", Api.RESPONSES), new Endpoint("/api/v1/responses", Api.RESPONSES),
            new Endpoint("/v1/messages", Api.MESSAGES), new Endpoint("/v1/messages/count_tokens", Api.COUNT));
    private static final List<String> GETS = List.of("/v1/models", "/v1/models/kmodel", "/", "/health", "/healthz",
            "/version");

    /** What a case must get. */
    private enum Want {
        /** 200 and a body that passes the case's check */
        OK,
        /** a 4xx */
        CLIENT_ERROR,
        /** anything below 500 */
        ANY,
        /** a 4xx or a clean close without a response (the request never completed) */
        CLOSE_OR_CLIENT_ERROR
    }

    /** How the client ends its side. */
    private enum Ending { READ, HALF_CLOSE, CLOSE_AFTER_STATUS_LINE, CLOSE_WITHOUT_READING }

    /**
     * One generated request.
     *
     * @param group     case family (see the class Javadoc)
     * @param label     what is malformed
     * @param method    request method (HEAD responses have no body)
     * @param target    request target, used for the envelope choice and the report
     * @param wire      the exact bytes sent
     * @param want      the expected outcome
     * @param anyApi    true when either envelope is right (the API cannot be known from the request)
     * @param ending    how the client ends the exchange
     * @param pipelined true when a {@code GET /version} follows on the same connection and must be answered too
     * @param check     extra check on each response: null when fine, else the cause of the failure
     * @param malformed false for the mixed-in valid requests
     */
    private record Case(String group, String label, String method, String target, byte[] wire, Want want,
                        boolean anyApi, Ending ending, boolean pipelined, Function<RawExchange.Response, String> check,
                        boolean malformed) {

        Case expect(Want w) {
            return new Case(group, label, method, target, wire, w, anyApi, ending, pipelined, check, malformed);
        }

        Case eitherEnvelope() {
            return new Case(group, label, method, target, wire, want, true, ending, pipelined, check, malformed);
        }

        Case endWith(Ending e) {
            return new Case(group, label, method, target, wire, want, anyApi, e, pipelined, check, malformed);
        }

        /** Keeps the connection open after this request and sends {@code GET /version} right behind it. */
        Case thenVersion() {
            byte[] next = Wire.of("GET", "/version", null).bytes();
            String request = new String(wire, StandardCharsets.ISO_8859_1).replaceFirst("(?i)\r\nConnection: close", "");
            return new Case(group, label + ", then GET /version", method, target,
                    concat(request.getBytes(StandardCharsets.ISO_8859_1), next), want, anyApi, ending, true, check,
                    malformed);
        }

        Case checking(Function<RawExchange.Response, String> c) {
            return new Case(group, label, method, target, wire, want, anyApi, ending, pipelined, c, malformed);
        }

        Case valid() {
            return new Case(group, label, method, target, wire, Want.OK, anyApi, ending, pipelined, check, false);
        }

        String describe() {
            return method + " " + abbreviate(target, 60) + " — " + label;
        }
    }

    /** One failed expectation: {@code cause} groups the report. */
    private record Failure(String cause, String group, String what, String actual) {
    }

    /** The request bytes of one case: request line, headers and body, editable before they are rendered. */
    private static final class Wire {
        /** Numbers requests so a timeout in the report can be found in the gateway's access log. */
        private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger();
        private String requestLine;
        private final List<String> headers = new ArrayList<>();
        private byte[] body;
        private byte[] rawBody;
        private String eol = "\r\n";

        static Wire of(String method, String target, byte[] body) {
            Wire w = new Wire();
            w.requestLine = method + " " + target + " HTTP/1.1";
            w.headers.add("Host: " + HOST);
            if (body != null) {
                w.headers.add("Content-Type: application/json");
            }
            w.headers.add("Connection: close");
            w.headers.add("x-request-id: fuzz-" + IDS.incrementAndGet());
            w.body = body;
            return w;
        }

        Wire line(String requestLine) {
            this.requestLine = requestLine;
            return this;
        }

        Wire add(String header) {
            headers.add(header);
            return this;
        }

        Wire drop(String name) {
            headers.removeIf(h -> h.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":"));
            return this;
        }

        Wire set(String name, String value) {
            return drop(name).add(name + ": " + value);
        }

        /** Sends {@code bytes} after the header block without adding a Content-Length. */
        Wire raw(byte[] bytes) {
            this.rawBody = bytes;
            this.body = null;
            return this;
        }

        Wire bareLf() {
            this.eol = "\n";
            return this;
        }

        byte[] bytes() {
            StringBuilder head = new StringBuilder(requestLine).append(eol);
            headers.forEach(h -> head.append(h).append(eol));
            boolean framed = headers.stream().map(h -> h.toLowerCase(Locale.ROOT))
                    .anyMatch(h -> h.startsWith("content-length:") || h.startsWith("transfer-encoding:"));
            if (body != null && !framed) {
                head.append("Content-Length: ").append(body.length).append(eol);
            }
            head.append(eol);
            return concat(head.toString().getBytes(StandardCharsets.ISO_8859_1),
                    rawBody != null ? rawBody : body != null ? body : new byte[0]);
        }
    }

    private final Random random = new Random(SEED);
    private final String png = onePixelPng();

    @Test
    void malformedRequestsAreAnsweredPromptlyInTheApisEnvelopeAndTheGatewayKeepsServing() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (Endpoint e : POSTS) {
            cases.addAll(sample(e, jsonCases(e)));
            cases.addAll(sample(e, wrongTypeCases(e)));
            cases.addAll(sample(e, semanticCases(e)));
            cases.addAll(sample(e, imageCases(e)));
            cases.addAll(sample(e, mutantCases(e)));
            cases.addAll(postHttpCases(e));
            cases.addAll(validPostCases(e));
        }
        for (String path : GETS) {
            cases.addAll(getHttpCases(path));
            cases.addAll(validGetCases(path));
        }
        for (String path : allPaths()) {
            cases.addAll(commonHttpCases(path));
            cases.addAll(methodCases(path));
        }
        cases.addAll(pathCases());
        cases.addAll(closeCases());
        Collections.shuffle(cases, random);
        warmUp();
        long malformed = cases.stream().filter(Case::malformed).count();
        assertThat(malformed).as("malformed cases generated").isGreaterThanOrEqualTo(1000);

        long start = System.nanoTime();
        List<Failure> failures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            List<Callable<List<Failure>>> tasks = cases.stream().<Callable<List<Failure>>>map(c -> () -> run(c))
                    .toList();
            for (Future<List<Failure>> f : pool.invokeAll(tasks)) {
                failures.addAll(f.get());
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        failures.addAll(stillServes());

        System.out.printf("fuzz: %d cases (%d malformed) in %d ms, %d failures; cases by group: %s%n", cases.size(),
                malformed, elapsedMs, failures.size(),
                new TreeMap<>(cases.stream().collect(Collectors.groupingBy(Case::group, Collectors.counting()))));
        if (!failures.isEmpty()) {
            throw new AssertionError(report(failures, cases.size()));
        }
    }

    // ---------------------------------------------------------------------------------------------------- cases

    /** All body-level cases for the canonical path of an API, a seeded third of them for its aliases. */
    private List<Case> sample(Endpoint e, List<Case> all) {
        boolean canonical = POSTS.stream().filter(p -> p.api() == e.api()).findFirst().orElseThrow().equals(e);
        return canonical ? all : all.stream().filter(c -> random.nextInt(ALIAS_SAMPLE_ONE_IN) == 0).toList();
    }

    private List<Case> jsonCases(Endpoint e) {
        String valid = compact(minimal(e.api(), false));
        String inner = valid.substring(1);
        List<Case> out = new ArrayList<>();
        Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
        Map<String, byte[]> odd = new java.util.LinkedHashMap<>();
        bad.put("truncated to one byte", bytes("{"));
        bad.put("truncated in half", bytes(valid.substring(0, valid.length() / 2)));
        bad.put("last byte missing", bytes(valid.substring(0, valid.length() - 1)));
        bad.put("trailing garbage", bytes(valid + "xyz"));
        bad.put("trailing object", bytes(valid + "{}"));
        bad.put("trailing comma after the object", bytes(valid + ","));
        bad.put("NUL after the object", bytes(valid + "\u0000"));
        bad.put("NaN", bytes("{\"temperature\":NaN," + inner));
        bad.put("Infinity", bytes("{\"temperature\":Infinity," + inner));
        bad.put("-Infinity", bytes("{\"max_tokens\":-Infinity," + inner));
        bad.put("array nesting 2000", bytes("{\"metadata\":" + "[".repeat(2000) + "]".repeat(2000) + "," + inner));
        bad.put("object nesting 2000", bytes("{\"metadata\":" + "{\"a\":".repeat(2000) + "1" + "}".repeat(2000)
                + "," + inner));
        bad.put("top-level nesting 2000", bytes("[".repeat(2000) + "]".repeat(2000)));
        bad.put("unclosed nesting 2000", bytes("{\"metadata\":" + "[".repeat(2000)));
        bad.put("integer of 2000 digits", bytes("{\"max_tokens\":1" + "0".repeat(2000) + "," + inner));
        bad.put("fraction of 2000 digits", bytes("{\"temperature\":0." + "1".repeat(2000) + "," + inner));
        bad.put("exponent 1e999999999999", bytes("{\"temperature\":1e999999999999," + inner));
        bad.put("invalid UTF-8 0xff in a string", concat(bytes("{\"user\":\"a"), new byte[]{(byte) 0xff},
                bytes("\"," + inner)));
        bad.put("truncated UTF-8 0xc3", concat(bytes("{\"user\":\"a"), new byte[]{(byte) 0xc3},
                bytes("\"," + inner)));
        bad.put("invalid UTF-8 0xf8", concat(bytes("{\"user\":\""), new byte[]{(byte) 0xf8, (byte) 0x88},
                bytes("\"," + inner)));
        bad.put("0xff between tokens", concat(bytes("{"), new byte[]{(byte) 0xff}, bytes(inner)));
        bad.put("BOM then garbage", concat(bom(), bytes("{x}")));
        bad.put("UTF-16 BOM before UTF-8", concat(new byte[]{(byte) 0xfe, (byte) 0xff}, bytes(valid)));
        bad.put("raw control character in a string", bytes("{\"user\":\"a\u0001b\"," + inner));
        bad.put("raw newline in a string", bytes("{\"user\":\"a\nb\"," + inner));
        bad.put("bad escape \\x", bytes("{\"user\":\"\\x41\"," + inner));
        bad.put("bad unicode escape", bytes("{\"user\":\"\\u00zz\"," + inner));
        bad.put("single quotes", bytes(valid.replace('"', '\'')));
        bad.put("unquoted keys", bytes(valid.replace("\"model\"", "model")));
        bad.put("comment", bytes("{/* c */" + inner));
        bad.put("trailing comma in the object", bytes(valid.substring(0, valid.length() - 1) + ",}"));
        bad.put("leading zero", bytes("{\"max_tokens\":01," + inner));
        bad.put("plus sign", bytes("{\"max_tokens\":+1," + inner));
        bad.put("hex number", bytes("{\"max_tokens\":0x10," + inner));
        bad.put("wrong closing bracket", bytes(valid.substring(0, valid.length() - 1) + "]"));
        bad.put("numeric key", bytes("{1:2," + inner));
        bad.put("missing colon", bytes("{\"model\" \"kmodel\"}"));
        bad.put("empty object", bytes("{}"));
        bad.put("whitespace only", bytes(" \r\n\t "));
        bad.put("null", bytes("null"));
        bad.put("number", bytes("42"));
        bad.put("string", bytes("\"hello\""));
        bad.put("array", bytes("[" + valid + "]"));
        bad.put("bare word", bytes("hello"));
        odd.put("BOM then a valid body", concat(bom(), bytes(valid)));
        odd.put("two BOMs", concat(bom(), bom(), bytes(valid)));
        odd.put("overlong UTF-8 0xc0 0xaf", concat(bytes("{\"user\":\""), new byte[]{(byte) 0xc0, (byte) 0xaf},
                bytes("\"," + inner)));
        odd.put("UTF-8-encoded surrogate", concat(bytes("{\"user\":\""),
                new byte[]{(byte) 0xed, (byte) 0xa0, (byte) 0x80}, bytes("\"," + inner)));
        odd.put("lone surrogate escape", bytes("{\"user\":\"\\ud800\"," + inner));
        odd.put("duplicate key model", bytes("{\"model\":\"kmodel\"," + inner));
        odd.put("duplicate key stream", bytes("{\"stream\":true,\"stream\":false," + inner));
        odd.put("empty key", bytes("{\"\":1," + inner));
        odd.put("exponent 1e400", bytes("{\"max_tokens\":1e400," + inner));
        odd.put("integer 2^64", bytes("{\"max_tokens\":18446744073709551616," + inner));
        odd.put("negative zero", bytes("{\"temperature\":-0," + inner));
        odd.put("UTF-16LE body", valid.getBytes(StandardCharsets.UTF_16LE));
        bad.forEach((label, body) -> out.add(post("json", label, e.path(), body)));
        odd.forEach((label, body) -> out.add(post("json", label, e.path(), body).expect(Want.ANY)));
        return out;
    }

    private List<Case> wrongTypeCases(Endpoint e) {
        ObjectNode base = full(e.api(), false);
        List<Case> out = new ArrayList<>();
        fields(e.api()).forEach((pointer, type) -> {
            for (String literal : wrongValues(type)) {
                out.add(post("wrong-type", pointer + " = " + literal, e.path(),
                        bytes(compact(with(base, pointer, value(literal))))));
            }
            out.add(post("wrong-type", pointer + " = null", e.path(), bytes(compact(with(base, pointer,
                    value("null"))))).expect(Want.ANY));
        });
        return out;
    }

    private List<Case> semanticCases(Endpoint e) {
        ObjectNode base = full(e.api(), false);
        Map<String, String> odd = new java.util.LinkedHashMap<>();
        switch (e.api()) {
            case CHAT -> {
                odd.put("/messages/1/role", "\"bogus\"");
                odd.put("/messages/1/content", "[{\"type\":\"bogus\"}]");
                odd.put("/stop", "[42]");
            }
            case RESPONSES -> {
                odd.put("/input/0/role", "\"bogus\"");
                odd.put("/input/0/content", "[{\"type\":\"bogus\"}]");
                odd.put("/previous_response_id", "\"resp_does_not_exist\"");
            }
            case MESSAGES -> {
                odd.put("/messages/0/role", "\"bogus\"");
                odd.put("/messages/0/content", "[{\"type\":\"bogus\"}]");
                odd.put("/stop_sequences", "[42]");
            }
            case COUNT -> odd.put("/messages/0/content", "[{\"type\":\"bogus\"}]");
        }
        for (String numeric : List.of("/max_tokens", "/temperature")) {
            for (String v : List.of("0", "-1", "1e308", "99999999999999999999", "1.5")) {
                odd.merge(numeric, v, (a, b) -> a + "|" + b);
            }
        }
        odd.put("/model", "\"\"|\"" + "m".repeat(5000) + "\"|\"no-such-model\"|\"kmodel\\u0000\"");
        odd.put("/tools", "[]");
        odd.put("/user", "\"\\u0000\"");
        List<Case> out = new ArrayList<>();
        semanticRejections(e.api()).forEach(pv -> out.add(post("semantic", pv[0] + " = " + abbreviate(pv[1], 40),
                e.path(), bytes(compact(with(base, pv[0], value(pv[1])))))));
        odd.forEach((pointer, values) -> {
            for (String v : values.split("\\|")) {
                out.add(post("semantic", pointer + " = " + abbreviate(v, 40), e.path(),
                        bytes(compact(with(base, pointer, value(v)))))
                        .expect(Want.ANY));
            }
        });
        return out;
    }

    private static List<String[]> semanticRejections(Api api) {
        return switch (api) {
            case CHAT -> List.of(new String[]{"/messages", "[]"},
                    new String[]{"/messages", "[{\"role\":\"system\",\"content\":\"only system\"}]"},
                    new String[]{"/n", "2"},
                    new String[]{"/tool_choice", "{\"type\":\"function\",\"function\":{\"name\":\"undeclared\"}}"});
            case RESPONSES -> List.of(new String[]{"/input", "[]"},
                    new String[]{"/tool_choice", "{\"type\":\"function\",\"name\":\"undeclared\"}"});
            case MESSAGES -> List.of(new String[]{"/messages", "[]"},
                    new String[]{"/messages", "[{\"role\":\"assistant\",\"content\":\"no user turn\"}]"},
                    new String[]{"/tool_choice", "{\"type\":\"tool\",\"name\":\"undeclared\"}"});
            case COUNT -> List.<String[]>of(new String[]{"/messages", "[]"});
        };
    }

    private List<Case> imageCases(Endpoint e) {
        List<String> badUrls = List.of("data:image/png;base64,!!!not-base64!!!", "data:image/png;base64,",
                "data:image/png;base64", "data:", "data:image/png;base64,%%%", "http://127.0.0.1:1/x.png",
                "http://[::1]:1/x.png", "file:///etc/passwd", "/etc/passwd", "ftp://127.0.0.1/x.png");
        List<String> oddUrls = List.of("data:image/png;base64,iVBORw0KGgo=", "data:;base64,QUJD",
                "data:text/plain;base64,QUJD", "data:image/png,rawdata", "");
        List<Case> out = new ArrayList<>();
        for (String url : badUrls) {
            // count_tokens counts an image part without loading it
            out.add(post("image", "image " + url, e.path(), bytes(compact(withImage(e.api(), url))))
                    .expect(e.api() == Api.COUNT ? Want.ANY : Want.CLIENT_ERROR));
        }
        for (String url : oddUrls) {
            out.add(post("image", "image " + (url.isEmpty() ? "(empty URL)" : url), e.path(),
                    bytes(compact(withImage(e.api(), url)))).expect(Want.ANY));
        }
        String pointer = switch (e.api()) {
            case CHAT -> "/messages/0/content/1/image_url/url";
            case RESPONSES -> "/input/0/content/1/image_url";
            case MESSAGES, COUNT -> "/messages/0/content/1/source/data";
        };
        for (String literal : List.of("42", "true", "{}", "[]")) {
            out.add(post("image", "image " + pointer + " = " + literal, e.path(),
                    bytes(compact(with(withImage(e.api(), "data:image/png;base64," + png), pointer,
                            value(literal))))));
        }
        if (e.api() == Api.MESSAGES || e.api() == Api.COUNT) {
            ObjectNode image = withImage(e.api(), "data:image/png;base64," + png);
            out.add(post("image", "image media_type = 42", e.path(),
                    bytes(compact(with(image, "/messages/0/content/1/source/media_type", value("42"))))));
            out.add(post("image", "image source type bogus", e.path(),
                    bytes(compact(with(image, "/messages/0/content/1/source/type", value("\"bogus\""))))));
            out.add(post("image", "image url source to a private host", e.path(),
                    bytes(compact(with(image, "/messages/0/content/1/source",
                            value("{\"type\":\"url\",\"url\":\"http://127.0.0.1:1/x.png\"}"))))));
        }
        return out;
    }

    private List<Case> mutantCases(Endpoint e) {
        byte[] valid = bytes(compact(full(e.api(), false)));
        List<String> tokens = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\u0000", "NaN", "1e999", "null",
                "true", "-", "\\ud800", "\\u", "/*", "\u00ff");
        List<Case> out = new ArrayList<>();
        for (int n = 0; n < MUTANTS_PER_PATH; n++) {
            byte[] body = valid;
            List<String> ops = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            for (int k = 0; k < count && body.length > 1; k++) {
                int at = random.nextInt(body.length);
                switch (random.nextInt(6)) {
                    case 0 -> {
                        body = java.util.Arrays.copyOf(body, at);
                        ops.add("truncate@" + at);
                    }
                    case 1 -> {
                        String t = tokens.get(random.nextInt(tokens.size()));
                        body = concat(java.util.Arrays.copyOf(body, at), bytes(t),
                                java.util.Arrays.copyOfRange(body, at, body.length));
                        ops.add("insert " + printable(t) + "@" + at);
                    }
                    case 2 -> {
                        int to = Math.min(body.length, at + 1 + random.nextInt(8));
                        body = concat(java.util.Arrays.copyOf(body, at),
                                java.util.Arrays.copyOfRange(body, to, body.length));
                        ops.add("delete " + at + ".." + to);
                    }
                    case 3 -> {
                        byte b = (byte) random.nextInt(256);
                        body = body.clone();
                        body[at] = b;
                        ops.add(String.format("byte 0x%02x@%d", b & 0xff, at));
                    }
                    case 4 -> {
                        int to = Math.min(body.length, at + 1 + random.nextInt(16));
                        body = concat(java.util.Arrays.copyOf(body, to),
                                java.util.Arrays.copyOfRange(body, at, body.length));
                        ops.add("duplicate " + at + ".." + to);
                    }
                    default -> {
                        int other = random.nextInt(body.length);
                        body = body.clone();
                        byte t = body[at];
                        body[at] = body[other];
                        body[other] = t;
                        ops.add("swap " + at + "," + other);
                    }
                }
            }
            out.add(post("mutant", "mutant #" + n + " " + String.join(", ", ops), e.path(), body).expect(Want.ANY));
        }
        return out;
    }

    /** HTTP-layer cases only a POST route has: framing of a body, content types, Expect. */
    private List<Case> postHttpCases(Endpoint e) {
        String path = e.path();
        byte[] body = bytes(compact(refused(e.api())));
        int n = body.length;
        List<Case> out = new ArrayList<>();
        out.add(wire("http", "duplicate Content-Length " + n + "/" + (n - 1), "POST", path,
                Wire.of("POST", path, null).add("Content-Length: " + n).add("Content-Length: " + (n - 1))
                        .raw(body)));
        out.add(wire("http", "duplicate Content-Length, same value", "POST", path,
                Wire.of("POST", path, null).add("Content-Length: " + n).add("Content-Length: " + n).raw(body))
                .expect(Want.ANY));
        out.add(wire("http", "Content-Length list " + n + ", " + n, "POST", path,
                Wire.of("POST", path, null).add("Content-Length: " + n + ", " + n).raw(body)).expect(Want.ANY));
        out.add(wire("http", "Content-Length " + (n / 2) + " shorter than the body", "POST", path,
                Wire.of("POST", path, null).add("Content-Length: " + (n / 2)).raw(body)).expect(Want.ANY));
        out.add(wire("http", "Content-Length and chunked", "POST", path,
                Wire.of("POST", path, null).add("Content-Length: 5").add("Transfer-Encoding: chunked")
                        .raw(chunked(body))).expect(Want.ANY));
        for (String size : List.of("zz", "-1", "fffffffffffffffffffff", "0x10")) {
            out.add(wire("http", "chunk size " + size, "POST", path,
                    Wire.of("POST", path, null).add("Transfer-Encoding: chunked")
                            .raw(bytes(size + "\r\n" + new String(body, StandardCharsets.UTF_8) + "\r\n0\r\n\r\n"))));
        }
        out.add(wire("http", "chunk size with a control character", "POST", path,
                Wire.of("POST", path, null).add("Transfer-Encoding: chunked")
                        .raw(bytes(Integer.toHexString(n) + "\u0001\r\n" + new String(body, StandardCharsets.UTF_8)
                                + "\r\n0\r\n\r\n"))).expect(Want.ANY));
        out.add(wire("http", "chunk data without CRLF", "POST", path,
                Wire.of("POST", path, null).add("Transfer-Encoding: chunked")
                        .raw(bytes(Integer.toHexString(n) + "\r\n" + new String(body, StandardCharsets.UTF_8)
                                + "XX0\r\n\r\n"))).expect(Want.ANY));
        out.add(wire("http", "chunked header, unchunked body", "POST", path,
                Wire.of("POST", path, null).add("Transfer-Encoding: chunked").raw(concat(body, bytes("\r\n\r\n")))));
        out.add(wire("http", "Transfer-Encoding gzip", "POST", path,
                Wire.of("POST", path, null).add("Transfer-Encoding: gzip").raw(body)));
        out.add(wire("http", "Transfer-Encoding xchunked", "POST", path,
                Wire.of("POST", path, null).add("Transfer-Encoding: xchunked").raw(body)).expect(Want.ANY));
        out.add(wire("http", "Content-Encoding gzip on a plain body", "POST", path,
                Wire.of("POST", path, body).add("Content-Encoding: gzip")).expect(Want.ANY));
        out.add(wire("http", "Content-Type application/json; charset=utf-16", "POST", path,
                Wire.of("POST", path, body).set("Content-Type", "application/json; charset=utf-16")).expect(Want.ANY));
        out.add(wire("http", "Content-Type form-urlencoded", "POST", path,
                Wire.of("POST", path, body).set("Content-Type", "application/x-www-form-urlencoded")));
        out.add(wire("http", "Content-Type text/plain", "POST", path,
                Wire.of("POST", path, body).set("Content-Type", "text/plain")));
        out.add(wire("http", "Expect: bogus", "POST", path, Wire.of("POST", path, body).add("Expect: bogus"))
                .expect(Want.ANY));
        ObjectNode big = minimal(e.api(), false);
        big.put("user", "x".repeat(300_000));
        out.add(post("http", "body over the 256 KB limit", path, bytes(compact(big))));
        out.add(wire("host-origin", "Origin https://evil.example", "POST", path,
                Wire.of("POST", path, body).add("Origin: https://evil.example")));
        out.add(wire("host-origin", "Origin null", "POST", path, Wire.of("POST", path, body).add("Origin: null")));
        out.add(wire("host-origin", "Origin https://evil.example with text/plain", "POST", path,
                Wire.of("POST", path, body).add("Origin: https://evil.example").set("Content-Type", "text/plain")));
        return out;
    }

    private List<Case> validPostCases(Endpoint e) {
        String path = e.path();
        List<Case> out = new ArrayList<>();
        List<Boolean> streams = e.api() == Api.COUNT ? List.of(false) : List.of(false, true);
        for (boolean stream : streams) {
            byte[] minimal = bytes(compact(minimal(e.api(), stream)));
            String s = stream ? "stream" : "plain";
            out.add(post("valid", "minimal " + s, path, minimal).valid().checking(validBody(e.api(), stream)));
            out.add(post("valid", "full " + s, path, bytes(compact(full(e.api(), stream)))).valid()
                    .checking(validBody(e.api(), stream)));
            out.add(wire("valid", "HTTP/1.0 " + s, "POST", path,
                    Wire.of("POST", path, minimal).line("POST " + path + " HTTP/1.0").drop("Host").drop("Connection"))
                    .valid().checking(validBody(e.api(), stream)));
            out.add(wire("valid", "Host: localhost " + s, "POST", path,
                    Wire.of("POST", path, minimal).set("Host", "localhost:" + PORT)).valid()
                    .checking(validBody(e.api(), stream)));
        }
        byte[] minimal = bytes(compact(minimal(e.api(), false)));
        out.add(wire("valid", "no Content-Type", "POST", path, Wire.of("POST", path, minimal).drop("Content-Type"))
                .valid().checking(validBody(e.api(), false)));
        out.add(wire("valid", "Expect: 100-continue", "POST", path,
                Wire.of("POST", path, minimal).add("Expect: 100-continue")).valid().checking(validBody(e.api(), false)));
        out.add(wire("valid", "chunked body", "POST", path,
                Wire.of("POST", path, null).set("Content-Type", "application/json").add("Transfer-Encoding: chunked")
                        .raw(chunked(minimal))).valid().checking(validBody(e.api(), false)));
        out.add(post("valid", "data-URL image", path,
                bytes(compact(withImage(e.api(), "data:image/png;base64," + png)))).valid()
                .checking(validBody(e.api(), false)));
        return out;
    }

    private List<Case> getHttpCases(String path) {
        List<Case> out = new ArrayList<>();
        out.add(wire("host-origin", "Origin https://evil.example", "GET", path,
                Wire.of("GET", path, null).add("Origin: https://evil.example")).expect(Want.ANY)
                .checking(r -> r.header("access-control-allow-origin") == null ? null
                        : "Access-Control-Allow-Origin sent to a foreign origin"));
        out.add(wire("http", "HTTP/0.9 request line", "GET", path, Wire.of("GET", path, null).line("GET " + path))
                .expect(Want.CLOSE_OR_CLIENT_ERROR).eitherEnvelope());
        return out;
    }

    private List<Case> validGetCases(String path) {
        Function<RawExchange.Response, String> check = validGet(path);
        List<Case> out = new ArrayList<>();
        out.add(wire("valid", "GET", "GET", path, Wire.of("GET", path, null)).valid().checking(check));
        out.add(wire("valid", "HEAD", "HEAD", path, Wire.of("HEAD", path, null)).valid());
        out.add(wire("valid", "HTTP/1.0", "GET", path,
                Wire.of("GET", path, null).line("GET " + path + " HTTP/1.0").drop("Host").drop("Connection"))
                .valid().checking(check));
        out.add(wire("valid", "Host: localhost", "GET", path,
                Wire.of("GET", path, null).set("Host", "localhost:" + PORT)).valid().checking(check));
        out.add(wire("valid", "pipelined", "GET", path, Wire.of("GET", path, null)).valid().checking(check)
                .thenVersion());
        out.add(wire("valid", "HEAD pipelined", "HEAD", path, Wire.of("HEAD", path, null)).valid().thenVersion());
        return out;
    }

    /** HTTP-layer cases every route gets (POST routes with a valid body, GET routes without). */
    private List<Case> commonHttpCases(String path) {
        Endpoint post = POSTS.stream().filter(e -> e.path().equals(path)).findFirst().orElse(null);
        String method = post != null ? "POST" : "GET";
        byte[] body = post != null ? bytes(compact(refused(post.api()))) : null;
        List<Case> out = new ArrayList<>();
        for (String cl : List.of("abc", "-1", "1.5", "99999999999999999999", "", "0x10", "1 2")) {
            Wire w = Wire.of(method, path, null).add("Content-Length: " + cl);
            if (body != null) {
                w.set("Content-Type", "application/json").raw(body);
            }
            out.add(wire("http", "Content-Length '" + cl + "'", method, path, w));
        }
        out.add(wire("http", "10 KB header", method, path,
                Wire.of(method, path, body).add("X-Fuzz: " + "a".repeat(10 * 1024))));
        Wire many = Wire.of(method, path, body);
        for (int i = 0; i < 300; i++) {
            many.add(String.format("X-Fuzz-%03d: %s", i, "v".repeat(24)));
        }
        out.add(wire("http", "300 headers", method, path, many));
        String longQuery = path + "?pad=" + "a".repeat(20 * 1024);
        out.add(wire("http", "20 KB URI", method, longQuery, Wire.of(method, longQuery, body)).eitherEnvelope());
        String longPath = (path.endsWith("/") ? path : path + "/") + "a".repeat(20 * 1024);
        out.add(wire("http", "20 KB path", method, longPath, Wire.of(method, longPath, body)).eitherEnvelope());
        out.add(wire("http", "no Host", method, path, Wire.of(method, path, body).drop("Host")).expect(Want.ANY));
        out.add(wire("http", "two Host headers", method, path,
                Wire.of(method, path, body).add("Host: 127.0.0.2:" + PORT)).expect(Want.ANY));
        out.add(wire("http", "empty Host", method, path, Wire.of(method, path, body).set("Host", ""))
                .expect(Want.ANY));
        // liveness and readiness answer any Host (probes use the pod or container address)
        Want foreignHost = path.equals("/health") || path.equals("/healthz") ? Want.ANY : Want.CLIENT_ERROR;
        out.add(wire("host-origin", "Host: evil.example", method, path,
                Wire.of(method, path, body).set("Host", "evil.example")).expect(foreignHost));
        out.add(wire("host-origin", "Host: evil.example:" + PORT, method, path,
                Wire.of(method, path, body).set("Host", "evil.example:" + PORT)).expect(foreignHost));
        out.add(wire("http", "HTTP/9.9", method, path,
                Wire.of(method, path, body).line(method + " " + path + " HTTP/9.9")).eitherEnvelope());
        out.add(wire("http", "HTTP/1.2", method, path,
                Wire.of(method, path, body).line(method + " " + path + " HTTP/1.2")).expect(Want.ANY).eitherEnvelope());
        out.add(wire("http", "lower-case http/1.1", method, path,
                Wire.of(method, path, body).line(method + " " + path + " http/1.1")).expect(Want.ANY).eitherEnvelope());
        out.add(wire("http", "absolute-form target", method, path,
                Wire.of(method, "http://" + HOST + path, body)).expect(Want.ANY));
        String zz = path + "?x=%zz";
        out.add(wire("http", "%zz in the query", method, zz, Wire.of(method, zz, body)).expect(Want.ANY));
        String pct = path + "?x=%";
        out.add(wire("http", "lone % in the query", method, pct, Wire.of(method, pct, body)).expect(Want.ANY));
        out.add(wire("http", "header without a colon", method, path,
                Wire.of(method, path, body).add("X-Fuzz no colon")).expect(Want.ANY));
        out.add(wire("http", "space before the colon", method, path,
                Wire.of(method, path, body).add("X-Fuzz : v")).expect(Want.ANY));
        out.add(wire("http", "obs-fold continuation line", method, path,
                Wire.of(method, path, body).add("X-Fuzz: a").add("  folded")).expect(Want.ANY));
        out.add(wire("http", "NUL in a header value", method, path,
                Wire.of(method, path, body).add("X-Fuzz: a\u0000b")).expect(Want.ANY));
        out.add(wire("http", "invalid header name", method, path,
                Wire.of(method, path, body).add("X(Fuzz): v")).expect(Want.ANY));
        out.add(wire("http", "bare LF line endings", method, path, Wire.of(method, path, body).bareLf())
                .expect(Want.ANY));
        out.add(wire("http", "x-request-id of 300 characters", method, path,
                Wire.of(method, path, body).add("x-request-id: " + "r".repeat(300))).expect(Want.ANY));
        out.add(wire("http", "x-request-id with CR in a quoted value", method, path,
                Wire.of(method, path, body).add("x-request-id: \"a\rb\"")).expect(Want.ANY));
        return out;
    }

    private List<Case> methodCases(String path) {
        boolean isPost = POSTS.stream().anyMatch(e -> e.path().equals(path));
        byte[] body = bytes("{\"model\":\"kmodel\"}");
        List<Case> out = new ArrayList<>();
        Function<RawExchange.Response, String> allow = r -> r.status() != 405 ? "wrong method not 405"
                : r.header("allow") == null ? "405 without Allow" : null;
        String wrong = isPost ? "GET" : "POST";
        out.add(wire("method", "wrong method " + wrong, wrong, path,
                Wire.of(wrong, path, isPost ? null : body)).checking(allow));
        for (String m : List.of("PUT", "DELETE", "PATCH")) {
            out.add(wire("method", m, m, path, Wire.of(m, path, body)));
        }
        out.add(wire("method", "TRACE", "TRACE", path, Wire.of("TRACE", path, null)));
        out.add(wire("method", "unknown method FOO", "FOO", path, Wire.of("FOO", path, body)));
        String lower = isPost ? "post" : "get";
        out.add(wire("method", "lower-case " + lower, lower, path, Wire.of(lower, path, isPost ? body : null)));
        out.add(wire("method", "OPTIONS", "OPTIONS", path, Wire.of("OPTIONS", path, null)).expect(Want.ANY)
                .checking(r -> r.status() == 204 ? null : "OPTIONS not 204"));
        if (isPost) {
            out.add(wire("method", "HEAD on a POST route", "HEAD", path, Wire.of("HEAD", path, null)));
        }
        return out;
    }

    private List<Case> pathCases() {
        List<String> targets = List.of("/v1/%2e%2e/health", "/%2e%2e/%2e%2e/etc/passwd", "/v1/models/%2e%2e",
                "/v1/models/%2e%2e%2f%2e%2e%2fhealth", "/v1/messages/%2e%2e/count_tokens", "/v1/chat/completions/..",
                "/v1/./models", "/%2E%2E/health", "//v1/models", "/v1/models/%00", "/v1/models/%zz",
                "/v1/models/" + "m".repeat(3000), "/v1/models/kmodel%20", "/v1/models/%E2%82%AC", "/v1/models/%C0%AF",
                "/V1/MODELS", "/v1/models/", "/health/", "/nope", "/v1/completions", "/v1/embeddings",
                "/v1/responses/resp_123", "/v1/messages/batches", "/v1/models?x=%zz", "/health?%", "/\\..\\health",
                "/v1/models;jsessionid=1", "*", "/v1/models/%2e%2e?x=%zz");
        List<Case> out = new ArrayList<>();
        for (String t : targets) {
            out.add(pathCase("GET", t, null));
            out.add(pathCase("HEAD", t, null));
            if (t.toLowerCase(Locale.ROOT).contains("%2e")) {
                out.add(pathCase("HEAD", t, null).thenVersion());
                out.add(wire("path", "odd path, HTTP/1.0", "HEAD", t,
                        Wire.of("HEAD", t, null).line("HEAD " + t + " HTTP/1.0").drop("Host").drop("Connection"))
                        .expect(Want.ANY).eitherEnvelope());
            }
        }
        byte[] chat = bytes(compact(minimal(Api.CHAT, false)));
        byte[] messages = bytes(compact(minimal(Api.MESSAGES, false)));
        out.add(pathCase("POST", "/v1/%2e%2e/v1/chat/completions", chat));
        out.add(pathCase("POST", "/v1/chat/completions/", chat));
        out.add(pathCase("POST", "/v1/messages/%2e%2e/messages", messages));
        out.add(pathCase("POST", "/v1/messages/..%2fcount_tokens", messages));
        out.add(pathCase("POST", "/v1/responses/resp_123", bytes(compact(minimal(Api.RESPONSES, false)))));
        out.add(pathCase("POST", "/v1/chat/completions?x=%zz", chat));
        return out;
    }

    private Case pathCase(String method, String target, byte[] body) {
        Case c = wire("path", "odd path", method, target, Wire.of(method, target, body)).expect(Want.ANY);
        return anthropic(target) == null ? c.eitherEnvelope() : c;
    }

    /** The few cases where a clean close is a right answer: the request never completed. */
    private List<Case> closeCases() {
        byte[] chat = bytes(compact(minimal(Api.CHAT, false)));
        byte[] messages = bytes(compact(minimal(Api.MESSAGES, false)));
        byte[] half = java.util.Arrays.copyOf(chat, chat.length / 2);
        List<Case> out = new ArrayList<>();
        out.add(wire("close", "half the body, then half-close", "POST", "/v1/chat/completions",
                Wire.of("POST", "/v1/chat/completions", null).add("Content-Length: " + chat.length).raw(half))
                .expect(Want.CLOSE_OR_CLIENT_ERROR).endWith(Ending.HALF_CLOSE));
        out.add(wire("close", "one chunk, then half-close", "POST", "/v1/messages",
                Wire.of("POST", "/v1/messages", null).add("Transfer-Encoding: chunked")
                        .raw(bytes(Integer.toHexString(messages.length) + "\r\n"
                                + new String(messages, StandardCharsets.UTF_8) + "\r\n")))
                .expect(Want.CLOSE_OR_CLIENT_ERROR).endWith(Ending.HALF_CLOSE));
        out.add(new Case("close", "headers cut off, then half-close", "POST", "/v1/responses",
                bytes("POST /v1/responses HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Le"), Want.CLOSE_OR_CLIENT_ERROR,
                false, Ending.HALF_CLOSE, false, null, true));
        out.add(new Case("close", "request line cut off, then half-close", "GET", "/v1/models",
                bytes("GET /v1/mo"), Want.CLOSE_OR_CLIENT_ERROR, true, Ending.HALF_CLOSE, false, null, true));
        out.add(wire("close", "half the body, then close", "POST", "/v1/chat/completions",
                Wire.of("POST", "/v1/chat/completions", null).add("Content-Length: " + chat.length).raw(half))
                .endWith(Ending.CLOSE_WITHOUT_READING));
        out.add(post("close", "close before the answer", "/v1/responses",
                bytes(compact(minimal(Api.RESPONSES, false)))).endWith(Ending.CLOSE_WITHOUT_READING));
        out.add(post("close", "stream dropped after the status line", "/v1/chat/completions",
                bytes(compact(minimal(Api.CHAT, true)))).expect(Want.OK).endWith(Ending.CLOSE_AFTER_STATUS_LINE));
        out.add(post("close", "stream dropped after the status line", "/v1/messages",
                bytes(compact(minimal(Api.MESSAGES, true)))).expect(Want.OK).endWith(Ending.CLOSE_AFTER_STATUS_LINE));
        out.add(post("close", "stream dropped after the status line", "/v1/responses",
                bytes(compact(minimal(Api.RESPONSES, true)))).expect(Want.OK).endWith(Ending.CLOSE_AFTER_STATUS_LINE));
        return out;
    }

    // ------------------------------------------------------------------------------------------------- bodies

    private static ObjectNode minimal(Api api, boolean stream) {
        ObjectNode body = switch (api) {
            case CHAT, COUNT -> json("{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"fuzz\"}]}");
            case RESPONSES -> json("{\"model\":\"kmodel\",\"input\":\"fuzz\"}");
            case MESSAGES -> json(
                    "{\"model\":\"kmodel\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"fuzz\"}]}");
        };
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    /**
     * A well-formed body the API refuses (400: nothing to answer), for the HTTP-layer cases: a request that gets
     * through the framing costs no generation, and the 400 still shows the route's envelope.
     */
    private static ObjectNode refused(Api api) {
        return api == Api.RESPONSES ? json("{\"model\":\"kmodel\",\"input\":[]}")
                : json("{\"model\":\"kmodel\",\"max_tokens\":64,\"messages\":[]}");
    }

    /** A valid body using every field {@link #fields} names, so each can be broken in place. */
    private static ObjectNode full(Api api, boolean stream) {
        ObjectNode body = switch (api) {
            case CHAT -> json("""
                    {"model":"kmodel","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"fuzz"}],
                     "max_tokens":64,"temperature":0.5,"stop":["\\n\\n\\n"],
                     "tools":[{"type":"function","function":{"name":"get_time","description":"tells the time",
                       "parameters":{"type":"object","properties":{}}}}],"tool_choice":"auto"}""");
            case RESPONSES -> json("""
                    {"model":"kmodel","instructions":"be brief","input":[{"role":"user","content":"fuzz"}],
                     "max_output_tokens":64,"temperature":0.5,
                     "tools":[{"type":"function","name":"get_time","description":"tells the time",
                       "parameters":{"type":"object","properties":{}}}],"tool_choice":"auto"}""");
            case MESSAGES -> json("""
                    {"model":"kmodel","max_tokens":64,"system":"be brief","messages":[{"role":"user","content":"fuzz"}],
                     "temperature":0.5,"stop_sequences":["\\n\\n\\n"],"metadata":{"user_id":"u1"},
                     "tools":[{"name":"get_time","description":"tells the time",
                       "input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"auto"}}""");
            case COUNT -> json("""
                    {"model":"kmodel","system":"be brief","messages":[{"role":"user","content":"fuzz"}],
                     "tools":[{"name":"get_time","description":"tells the time",
                       "input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"auto"}}""");
        };
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    /**
     * The fields the gateway reads, by JSON pointer, with their JSON types: s string, a array, b boolean, i integer,
     * n number, o object, sa string or array, so string or object.
     */
    private static Map<String, String> fields(Api api) {
        String table = switch (api) {
            case CHAT -> """
                    /model s, /messages a, /stream b, /max_tokens i, /max_completion_tokens i,
                    /temperature n, /n i, /stop sa, /tools a, /tool_choice so, /parallel_tool_calls b,
                    /stream_options o, /reasoning_effort s, /user s, /response_format o, /messages/1 o,
                    /messages/1/role s, /messages/1/content sa, /tools/0 o, /tools/0/function o,
                    /tools/0/function/name s, /tools/0/function/parameters o
                    """;
            case RESPONSES -> """
                    /model s, /input sa, /instructions s, /stream b, /max_output_tokens i, /temperature n,
                    /tools a, /tool_choice so, /parallel_tool_calls b, /reasoning o, /reasoning/effort s,
                    /text o, /text/format o, /user s, /previous_response_id s, /input/0 o, /input/0/role s,
                    /input/0/content sa, /tools/0 o, /tools/0/name s, /tools/0/parameters o
                    """;
            case MESSAGES -> """
                    /model s, /messages a, /max_tokens i, /stream b, /system sa, /temperature n, /tools a,
                    /tool_choice o, /tool_choice/type s, /stop_sequences a, /thinking o, /metadata o,
                    /metadata/user_id s, /messages/0 o, /messages/0/role s, /messages/0/content sa,
                    /tools/0 o, /tools/0/name s, /tools/0/input_schema o
                    """;
            case COUNT -> """
                    /model s, /messages a, /system sa, /tools a, /tool_choice o, /messages/0 o,
                    /messages/0/role s, /messages/0/content sa, /tools/0/name s
                    """;
        };
        Map<String, String> f = new java.util.LinkedHashMap<>();
        for (String field : table.split(",")) {
            String[] pointerAndType = field.trim().split("\\s+");
            f.put(pointerAndType[0], pointerAndType[1]);
        }
        return f;
    }

    /** JSON values of every type but {@code type} (see {@link #fields}); null is tested separately. */
    private static List<String> wrongValues(String type) {
        return switch (type) {
            case "s" -> List.of("42", "true", "{}", "[\"x\"]");
            case "a" -> List.of("\"x\"", "42", "{}", "true");
            case "b" -> List.of("\"true\"", "1", "{}", "[]");
            case "i" -> List.of("\"64\"", "true", "{}", "[64]");
            case "n" -> List.of("\"0.5\"", "true", "{}", "[0.5]");
            case "o" -> List.of("\"x\"", "42", "[]", "true");
            case "sa" -> List.of("42", "true", "{}");
            case "so" -> List.of("42", "true", "[]");
            default -> throw new IllegalArgumentException(type);
        };
    }

    /** The minimal body with a second content part holding an image at {@code url} in the API's own shape. */
    private static ObjectNode withImage(Api api, String url) {
        ObjectNode body = minimal(api, false);
        if (api == Api.RESPONSES) {
            ObjectNode item = body.putArray("input").addObject().put("role", "user");
            ArrayNode content = item.putArray("content");
            content.addObject().put("type", "input_text").put("text", "what is this?");
            content.addObject().put("type", "input_image").put("image_url", url);
            return body;
        }
        ArrayNode parts = ((ObjectNode) body.get("messages").get(0)).putArray("content");
        parts.addObject().put("type", "text").put("text", "what is this?");
        if (api == Api.CHAT) {
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
            return body;
        }
        ObjectNode source = parts.addObject().put("type", "image").putObject("source");
        if (url.startsWith("data:") && url.contains(";base64,")) {
            source.put("type", "base64").put("media_type", url.substring(5, url.indexOf(';')))
                    .put("data", url.substring(url.indexOf(',') + 1));
        } else if (url.startsWith("data:")) {
            source.put("type", "base64").put("media_type", "image/png").put("data", url.substring(5));
        } else {
            source.put("type", "url").put("url", url);
        }
        return body;
    }

    private static ObjectNode with(ObjectNode base, String pointer, JsonNode value) {
        ObjectNode copy = base.deepCopy();
        String[] parts = pointer.substring(1).split("/");
        JsonNode parent = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = parent.isArray() ? parent.get(Integer.parseInt(parts[i])) : parent.get(parts[i]);
            if (next == null || !next.isContainerNode()) {
                next = ((ObjectNode) parent).putObject(parts[i]);
            }
            parent = next;
        }
        String last = parts[parts.length - 1];
        if (parent.isArray()) {
            ((ArrayNode) parent).set(Integer.parseInt(last), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
        return copy;
    }

    // --------------------------------------------------------------------------------------------------- checks

    private static Function<RawExchange.Response, String> validBody(Api api, boolean stream) {
        if (stream) {
            String terminal = switch (api) {
                case CHAT -> "data: [DONE]";
                case RESPONSES -> "event: response.completed";
                case MESSAGES -> "event: message_stop";
                case COUNT -> throw new IllegalArgumentException("count_tokens does not stream");
            };
            return r -> {
                String ct = r.header("content-type");
                if (ct == null || !ct.startsWith("text/event-stream")) {
                    return "200 stream without text/event-stream";
                }
                return r.text().contains(terminal) ? null : "200 stream without its terminal frame";
            };
        }
        return switch (api) {
            case CHAT -> jsonField("/object", "chat.completion");
            case RESPONSES -> jsonField("/object", "response");
            case MESSAGES -> jsonField("/type", "message");
            case COUNT -> r -> parse(r) != null && parse(r).path("input_tokens").isNumber() ? null
                    : "200 without input_tokens";
        };
    }

    private static Function<RawExchange.Response, String> validGet(String path) {
        return switch (path) {
            case "/v1/models" -> jsonField("/object", "list");
            case "/v1/models/kmodel" -> jsonField("/id", "kmodel");
            case "/version" -> jsonField("/service", "lingma-gateway");
            case "/healthz" -> r -> parse(r) != null && parse(r).path("ready").asBoolean() ? null : "200 not ready";
            default -> jsonField("/backend", "simulator");
        };
    }

    private static Function<RawExchange.Response, String> jsonField(String pointer, String expected) {
        return r -> {
            JsonNode body = parse(r);
            return body != null && expected.equals(body.at(pointer).asText()) ? null
                    : "200 without " + pointer + " = " + expected;
        };
    }

    private List<Failure> run(Case c) {
        List<Failure> out = new ArrayList<>();
        boolean head = "HEAD".equals(c.method());
        try (RawExchange x = RawExchange.open(PORT, TIMEOUT_MS)) {
            x.write(c.wire());
            switch (c.ending()) {
                case CLOSE_WITHOUT_READING -> {
                    return out;
                }
                case HALF_CLOSE -> x.shutdownOutput();
                case CLOSE_AFTER_STATUS_LINE -> {
                    String line = x.statusLine();
                    if (!line.startsWith("HTTP/1.1 200")) {
                        out.add(failure(c, "expected 200, got " + abbreviate(line, 40), line));
                    }
                    return out;
                }
                default -> {
                }
            }
            check(c, x.read(head), out);
            if (c.pipelined()) {
                RawExchange.Response next = x.read(false);
                String problem = next.status() != 200 ? "status " + next.status() : validGet("/version").apply(next);
                if (problem != null) {
                    out.add(failure(c, "pipelined GET /version not served", problem));
                }
            }
        } catch (RawExchange.ClosedException e) {
            if (c.want() != Want.CLOSE_OR_CLIENT_ERROR) {
                out.add(failure(c, "connection closed without a response", requestId(c) + " " + e.getMessage()));
            }
        } catch (SocketTimeoutException e) {
            out.add(failure(c, "no complete answer within 5 s", requestId(c) + " received: "
                    + abbreviate(printable(String.valueOf(e.getMessage())), 200)));
        } catch (IOException e) {
            out.add(failure(c, "broken response", abbreviate(String.valueOf(e.getMessage()), 200)));
        }
        return out;
    }

    private void check(Case c, RawExchange.Response r, List<Failure> out) {
        int status = r.status();
        String actual = status + " " + abbreviate(printable(r.text()), 110);
        if (status >= 500) {
            out.add(failure(c, "5xx: " + status, actual));
            if (JAVA_NAME.matcher(r.head() + "\n" + r.text()).find()) {
                out.add(failure(c, "Java name in the response", actual));
            }
            return;
        }
        switch (c.want()) {
            case OK -> {
                if (status != 200) {
                    out.add(failure(c, "expected 200, got " + status, actual));
                } else if (c.check() != null && c.check().apply(r) != null) {
                    out.add(failure(c, c.check().apply(r), actual));
                }
            }
            case CLIENT_ERROR, CLOSE_OR_CLIENT_ERROR -> {
                if (status < 400 || status >= 500) {
                    out.add(failure(c, "expected 4xx, got " + status, actual));
                }
            }
            case ANY -> {
            }
        }
        if (c.want() != Want.OK && c.check() != null && c.check().apply(r) != null) {
            out.add(failure(c, c.check().apply(r) + " (got " + status + ")", actual));
        }
        if (status >= 400 && status < 500 && !"HEAD".equals(c.method())) {
            String problem = envelopeProblem(r, c.anyApi() ? null : anthropic(c.target()));
            if (problem != null) {
                out.add(failure(c, problem + " (" + status + ")", actual));
            }
        }
        if (status >= 300 && JAVA_NAME.matcher(r.head() + "\n" + r.text()).find()) {
            out.add(failure(c, "Java name in the response", actual));
        }
    }

    private static String envelopeProblem(RawExchange.Response r, Boolean anthropic) {
        String ct = r.header("content-type");
        JsonNode body = ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/json") ? parse(r) : null;
        if (body == null || !body.isObject()) {
            return "4xx without a JSON body";
        }
        JsonNode error = body.path("error");
        boolean openAi = !body.has("type") && error.isObject() && nonBlank(error.get("message"))
                && nonBlank(error.get("type")) && error.has("code") && error.has("param");
        boolean anthropicShape = "error".equals(body.path("type").asText()) && error.isObject()
                && nonBlank(error.get("type")) && nonBlank(error.get("message"));
        if (anthropic == null) {
            return openAi || anthropicShape ? null : "4xx without an error envelope";
        }
        if (anthropic) {
            return anthropicShape ? null : openAi ? "OpenAI envelope on an Anthropic route"
                    : "4xx without an error envelope";
        }
        return openAi ? null : anthropicShape ? "Anthropic envelope on an OpenAI route" : "4xx without an error envelope";
    }

    /**
     * @return true for {@code /v1/messages*}, false for other routes, null when a dot segment or odd form leaves the
     *     API open
     */
    private static Boolean anthropic(String target) {
        String path = target.startsWith("http://") ? target.substring(target.indexOf('/', 7)) : target;
        path = path.split("[?;]", 2)[0];
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("..") || lower.contains("/./")
                || lower.startsWith("//") || lower.contains("\\") || !lower.startsWith("/")) {
            return null;
        }
        return path.startsWith("/v1/messages");
    }

    /** One of each valid request first, so JIT and first-use costs do not count against the 5 s budget. */
    private void warmUp() throws Exception {
        SseClient client = new SseClient(PORT);
        for (Endpoint e : POSTS) {
            client.post(e.path(), compact(minimal(e.api(), false)));
            if (e.api() != Api.COUNT) {
                client.stream(e.path(), compact(minimal(e.api(), true)));
            }
        }
        for (String path : GETS) {
            client.get(path);
        }
    }

    private List<Failure> stillServes() {
        List<Failure> out = new ArrayList<>();
        SseClient client = new SseClient(PORT);
        try {
            HttpResponse<String> r = client.post("/v1/chat/completions", compact(minimal(Api.CHAT, false)));
            if (r.statusCode() != 200 || !"chat.completion".equals(SseClient.JSON.readTree(r.body())
                    .path("object").asText())) {
                out.add(new Failure("normal chat completion failed afterwards", "after", "POST /v1/chat/completions",
                        r.statusCode() + " " + abbreviate(r.body(), 110)));
            }
            SseClient.Stream s = client.stream("/v1/chat/completions", compact(minimal(Api.CHAT, true)));
            List<SseClient.Event> data = s.dataEvents();
            if (s.status() != 200 || data.isEmpty() || !"[DONE]".equals(data.get(data.size() - 1).data())) {
                out.add(new Failure("normal streamed chat completion failed afterwards", "after",
                        "POST /v1/chat/completions stream", s.status() + " " + data.size() + " data events"));
            }
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> SseClient.JSON
                    .readTree(client.get("/health").body()).at("/concurrency/in_flight").asInt(-1) == 0);
        } catch (ConditionTimeoutException e) {
            out.add(new Failure("concurrency slots still taken 5 s after the fuzz run", "after", "GET /health",
                    "in_flight never returned to 0"));
        } catch (Exception e) {
            out.add(new Failure("normal request failed afterwards", "after", "POST /v1/chat/completions",
                    e.toString()));
        }
        return out;
    }

    private static String report(List<Failure> failures, int total) {
        Map<String, List<Failure>> byCause = new TreeMap<>(failures.stream()
                .collect(Collectors.groupingBy(f -> f.cause() + " [" + f.group() + "]")));
        StringBuilder sb = new StringBuilder().append(failures.size()).append(" failures in ").append(total)
                .append(" fuzz cases, by cause:\n");
        byCause.forEach((cause, list) -> {
            sb.append("\n== ").append(cause).append(" — ").append(list.size()).append(" case(s)\n");
            list.stream().sorted(java.util.Comparator.comparing(Failure::what))
                    .forEach(f -> sb.append("  ").append(f.what()).append(" → ").append(f.actual()).append('\n'));
        });
        return sb.toString();
    }

    // -------------------------------------------------------------------------------------------------- helpers

    private static Case post(String group, String label, String path, byte[] body) {
        return wire(group, label, "POST", path, Wire.of("POST", path, body));
    }

    private static Case wire(String group, String label, String method, String target, Wire wire) {
        return new Case(group, label, method, target, wire.bytes(), Want.CLIENT_ERROR, false, Ending.READ, false,
                null, true);
    }

    private static String requestId(Case c) {
        java.util.regex.Matcher m = Pattern.compile("x-request-id: (fuzz-\\d+)")
                .matcher(new String(c.wire(), StandardCharsets.ISO_8859_1));
        return m.find() ? m.group(1) : "";
    }

    private static Failure failure(Case c, String cause, String actual) {
        return new Failure(cause, c.group(), c.describe(), actual);
    }

    private static JsonNode parse(RawExchange.Response r) {
        try {
            return SseClient.JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        }
    }

    private static ObjectNode json(String text) {
        return (ObjectNode) value(text);
    }

    private static JsonNode value(String text) {
        try {
            return SseClient.JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String compact(JsonNode node) {
        try {
            return SseClient.JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean nonBlank(JsonNode node) {
        return node != null && node.isTextual() && !node.textValue().isBlank();
    }

    private static byte[] chunked(byte[] body) {
        int mid = body.length / 2;
        return concat(bytes(Integer.toHexString(mid) + "\r\n"), java.util.Arrays.copyOf(body, mid),
                bytes("\r\n" + Integer.toHexString(body.length - mid) + "\r\n"),
                java.util.Arrays.copyOfRange(body, mid, body.length), bytes("\r\n0\r\n\r\n"));
    }

    private static List<String> allPaths() {
        List<String> all = new ArrayList<>(POSTS.stream().map(Endpoint::path).toList());
        all.addAll(GETS);
        return all;
    }

    private static String onePixelPng() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bom() {
        return new byte[]{(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || cp == 0xfffd) {
                sb.append(String.format("\\x%02x", cp & 0xff));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
