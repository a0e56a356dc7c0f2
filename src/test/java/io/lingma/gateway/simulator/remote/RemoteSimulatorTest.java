package io.lingma.gateway.simulator.remote;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.lingma.remote.CosySigner;
import io.lingma.gateway.lingma.remote.RemoteCredential;
import io.lingma.gateway.lingma.remote.RemoteCredentialLoader;
import io.lingma.gateway.lingma.remote.RemoteFailure;
import io.lingma.gateway.lingma.remote.RemoteHttpRequest;
import io.lingma.gateway.lingma.remote.RemoteModelListParser;
import io.lingma.gateway.lingma.remote.RemoteRequestFactory;
import io.lingma.gateway.lingma.remote.RemoteSettings;
import io.lingma.gateway.lingma.remote.RemoteSseParser;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The remote simulator (lingma-remote.md §11) driven by the real request factory, signer and SSE parser. */
class RemoteSimulatorTest {

    private Vertx vertx;
    private RemoteSimulator simulator;
    private HttpClient http;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        simulator = new RemoteSimulator(vertx, RemoteSimulatorOptions.defaults());
        simulator.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        simulator.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static RemoteCredential credential(RemoteSimulatorAccount a) {
        return new RemoteCredential(a.cosyKey(), a.encryptUserInfo(), a.uid(), a.machineId(), 0, null, false, "t");
    }

    private RemoteRequestFactory factory(RemoteSettings settings) {
        return new RemoteRequestFactory(settings);
    }

    private static ChatTurn turn(String text) {
        return new ChatTurn("req_1", ApiProtocol.OPENAI_CHAT, "kmodel", "", List.of(ChatMessage.user(text)),
                List.of(), ToolChoice.AUTO, true, null, true, false, null, null, List.of(), null, null);
    }

    private RemoteHttpRequest chat(String text, String model) {
        return factory(TestSettings.remote()).chat(turn(text), model, credential(simulator.defaultAccount()),
                simulator.baseUrl());
    }

    private HttpResponse<InputStream> send(RemoteHttpRequest request, byte[] bodyOverride, Duration timeout)
            throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(request.url())).timeout(timeout);
        request.headers().forEach((k, v) -> {
            if (!v.isEmpty()) {
                builder.header(k, v);
            }
        });
        byte[] body = bodyOverride != null ? bodyOverride : request.body();
        builder.method(request.method(), request.method().equals("GET") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private HttpResponse<InputStream> send(RemoteHttpRequest request) throws Exception {
        return send(request, null, Duration.ofSeconds(10));
    }

    private static String bodyText(HttpResponse<InputStream> response) throws IOException {
        try (InputStream in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Reads the whole SSE body through the parser; the parser's failure (or an I/O error) propagates. */
    private static List<ChatEvent> parse(HttpResponse<InputStream> response, RemoteSseParser parser)
            throws IOException {
        List<ChatEvent> events = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String line;
            while (!parser.complete() && (line = reader.readLine()) != null) {
                events.addAll(parser.onLine(line));
            }
        }
        events.addAll(parser.onEof());
        return events;
    }

    private static String text(List<ChatEvent> events) {
        StringBuilder sb = new StringBuilder();
        events.stream().filter(e -> e instanceof ChatEvent.TextDelta)
                .forEach(e -> sb.append(((ChatEvent.TextDelta) e).text()));
        return sb.toString();
    }

    @Test
    void signedModelListPerAccountWithSimulatorMarkers() throws Exception {
        HttpResponse<InputStream> response = send(factory(TestSettings.remote())
                .modelList(credential(simulator.defaultAccount()), simulator.baseUrl()));
        assertThat(response.statusCode()).isEqualTo(200);
        RemoteModelListParser.RemoteModelList list = new RemoteModelListParser(false).parseDetailed(bodyText(response));
        assertThat(list.simulator()).isTrue();
        assertThat(list.keys()).startsWith("kmodel", "mmodel").contains("org_auto").hasSize(7);

        RemoteSimulatorAccount other = new RemoteSimulatorAccount("20002", "OTHER_KEY", "OTHER_INFO",
                "other-machine-id-0123456789", "{\"statusCodeValue\":200,\"body\":\"{\\\"chat\\\":[{\\\"key\\\":"
                + "\\\"only\\\",\\\"display_name\\\":\\\"Only\\\",\\\"simulator\\\":true}]}\"}", false);
        simulator.registerAccount(other);
        List<ModelInfo> models = new RemoteModelListParser(false).parse(bodyText(send(factory(TestSettings.remote())
                .modelList(credential(other), simulator.baseUrl()))));
        assertThat(models).extracting(ModelInfo::key).containsExactly("only");
        assertThat(simulator.requests()).allSatisfy(r -> assertThat(r.verdict())
                .isEqualTo(RecordedRemoteRequest.AuthVerdict.OK));
    }

    @Test
    void tamperedBodyWrongKeyExpiredAccountAndSkewAreRejected() throws Exception {
        RemoteHttpRequest request = chat("hi", "kmodel");
        HttpResponse<InputStream> tampered = send(request, "{\"stream\":false}".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(10));
        assertThat(tampered.statusCode()).isEqualTo(403);
        RemoteFailure failure = RemoteFailure.fromHttpStatus(403, "application/json", bodyText(tampered));
        assertThat(failure.kind()).isEqualTo(RemoteFailure.Kind.AUTH);
        assertThat(failure.upstreamCode()).isEqualTo("101");

        RemoteSimulatorAccount demo = simulator.defaultAccount();
        RemoteCredential wrongKey = new RemoteCredential("WRONG", demo.encryptUserInfo(), demo.uid(),
                demo.machineId(), 0, null, false, "t");
        assertThat(send(factory(TestSettings.remote()).modelList(wrongKey, simulator.baseUrl())).statusCode())
                .isEqualTo(403);

        simulator.registerAccount(demo.withExpired(true));
        HttpResponse<InputStream> expired = send(chat("hi", "kmodel"));
        assertThat(bodyText(expired)).contains("\"105\"", "Login expired");
        simulator.registerAccount(demo);

        Clock skewed = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        RemoteRequestFactory skewedFactory = new RemoteRequestFactory(TestSettings.remote(),
                new CosySigner("2.11.2", skewed, () -> java.util.UUID.randomUUID().toString()), skewed,
                () -> "0123456789abcdef0123456789abcdef", () -> java.util.UUID.randomUUID().toString());
        assertThat(send(skewedFactory.modelList(credential(demo), simulator.baseUrl())).statusCode()).isEqualTo(403);

        assertThat(simulator.requests()).extracting(RecordedRemoteRequest::verdict).containsExactly(
                RecordedRemoteRequest.AuthVerdict.SIGNATURE_INVALID, RecordedRemoteRequest.AuthVerdict.HEADER_MISMATCH,
                RecordedRemoteRequest.AuthVerdict.LOGIN_EXPIRED, RecordedRemoteRequest.AuthVerdict.CLOCK_SKEW);
        assertThat(simulator.stats().authRejections()).isEqualTo(4);
    }

    @Test
    void defaultChatStreamParsesWithTheRemoteSseParser() throws Exception {
        HttpResponse<InputStream> response = send(chat("ping", "kmodel"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("text/event-stream");
        RemoteSseParser parser = new RemoteSseParser();
        List<ChatEvent> events = parse(response, parser);
        assertThat(text(events)).isEqualTo("Hello from the Lingma remote simulator (kmodel). You said: ping");
        assertThat(events.get(events.size() - 1)).isEqualTo(new ChatEvent.Finish(FinishReason.STOP));
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(ChatEvent.UsageReport.class));
        assertThat(parser.metrics()).containsKey("firstTokenDuration");
        RecordedRemoteRequest rec = simulator.requests().get(0);
        assertThat(rec.verdict()).isEqualTo(RecordedRemoteRequest.AuthVerdict.OK);
        assertThat(rec.modelKey()).isEqualTo("kmodel");
        assertThat(rec.lastUserText()).isEqualTo("ping");
        assertThat(rec.query()).isEqualTo("FetchKeys=llm_model_result&AgentId=agent_common");
        assertThat(rec.decodedBody().path("stream").asBoolean()).isTrue();
        assertThat(rec.abortedByClient()).isFalse();
    }

    @Test
    void encode1BodiesAreDecodedAndMisEncodedOnesAnswer500() throws Exception {
        RemoteHttpRequest encoded = factory(TestSettings.remote().toBuilder().encodeBody(true).build())
                .chat(turn("encoded hello"), "mmodel", credential(simulator.defaultAccount()), simulator.baseUrl());
        List<ChatEvent> events = parse(send(encoded), new RemoteSseParser());
        assertThat(text(events)).endsWith("You said: encoded hello");
        assertThat(simulator.requests().get(0).rawBodyText()).doesNotStartWith("{");

        RemoteSettings noCheck = TestSettings.remote();
        simulator.close();
        simulator = new RemoteSimulator(vertx, RemoteSimulatorOptions.defaults().withCheckSignature(false));
        simulator.start();
        RemoteHttpRequest bad = factory(noCheck.toBuilder().encodeBody(true).build())
                .chat(turn("x"), "kmodel", credential(simulator.defaultAccount()), simulator.baseUrl());
        assertThat(send(bad, "q$ruHPHF".getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(10)).statusCode())
                .isEqualTo(500);
    }

    @Test
    void scriptsByRegexWithReasoningToolCallsAndBareDone() throws Exception {
        simulator.addScript(RemoteScript.reply("Let me ", "read it")
                .whenUserMatches("read .*file")
                .withReasoning("thinking…")
                .withToolFragments(new RemoteScript.ToolFragment(0, "call_abc", "read_file", "{\"path\":"),
                        new RemoteScript.ToolFragment(0, null, null, "\"a.txt\"}"))
                .withUsage(new int[]{5, 6}, null)
                .withEndStyle('B')
                .withFraming(true, true, true));
        List<ChatEvent> events = parse(send(chat("please read the file", "kmodel")), new RemoteSseParser());
        assertThat(events).containsSubsequence(new ChatEvent.ThinkingDelta("thinking…"),
                new ChatEvent.TextDelta("Let me "), new ChatEvent.TextDelta("read it"),
                new ChatEvent.ToolCallDelta(new ToolCall("call_abc", "read_file", "{\"path\":\"a.txt\"}")),
                new ChatEvent.Finish(FinishReason.TOOL_CALLS));
        // other messages still get the default reply
        assertThat(text(parse(send(chat("hello", "kmodel")), new RemoteSseParser()))).startsWith("Hello from");
    }

    @Test
    void httpFaultsBeforeTheStreamClassifyAsTheSpecSays() throws Exception {
        simulator.setFault("kmodel", RemoteFault.http429());
        simulator.setFault("mmodel", RemoteFault.quota403());
        simulator.setFault("dashscope_qmodel", RemoteFault.httpStatus(503, "unavailable"));
        simulator.setFault("dashscope_qwen3_coder", RemoteFault.httpStatus(500, ""));
        Map<String, RemoteFailure.Kind> expected = Map.of("kmodel", RemoteFailure.Kind.TRANSIENT,
                "mmodel", RemoteFailure.Kind.QUOTA, "dashscope_qmodel", RemoteFailure.Kind.TRANSIENT,
                "dashscope_qwen3_coder", RemoteFailure.Kind.TRANSIENT);
        for (Map.Entry<String, RemoteFailure.Kind> entry : expected.entrySet()) {
            HttpResponse<InputStream> response = send(chat("hi", entry.getKey()));
            RemoteFailure failure = RemoteFailure.fromHttpStatus(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(null), bodyText(response));
            assertThat(failure.kind()).as(entry.getKey()).isEqualTo(entry.getValue());
        }
        simulator.clearFaults();
        assertThat(send(chat("hi", "kmodel")).statusCode()).isEqualTo(200);
        assertThat(simulator.stats().faultsInjected()).isEqualTo(4);
    }

    @Test
    void inStreamFaultsFailTheParser() throws Exception {
        simulator.setFault("kmodel", RemoteFault.eventErrorAfter(1));
        RemoteSseParser afterText = new RemoteSseParser();
        assertThatThrownBy(() -> parse(send(chat("hi", "kmodel")), afterText))
                .isInstanceOfSatisfying(RemoteFailure.class, f -> assertThat(f.kind())
                        .isEqualTo(RemoteFailure.Kind.TRANSIENT));
        assertThat(afterText.emitted()).isTrue();

        simulator.setFault("kmodel", RemoteFault.envelopeErrorFirst(429, "{\"code\":\"provider_error\","
                + "\"message\":\"All backends failed\"}"));
        RemoteSseParser first = new RemoteSseParser();
        assertThatThrownBy(() -> parse(send(chat("hi", "kmodel")), first))
                .isInstanceOfSatisfying(RemoteFailure.class, f -> {
                    assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.BUSY);
                    assertThat(f.fallbackEligible()).isTrue();
                });
        assertThat(first.emitted()).isFalse();

        simulator.setFault("kmodel", RemoteFault.missingEndMarker());
        simulator.addScript(RemoteScript.reply("partial").withFinishReason(null).forModel("kmodel"));
        assertThatThrownBy(() -> parse(send(chat("hi", "kmodel")), new RemoteSseParser()))
                .isInstanceOfSatisfying(RemoteFailure.class, f -> assertThat(f.detail())
                        .isEqualTo(RemoteFailure.Detail.INCOMPLETE));
    }

    @Test
    void resetsBeforeAndAfterFramesSurfaceAsErrors() throws Exception {
        simulator.setFault("kmodel", RemoteFault.resetBeforeFirstFrame());
        assertThatThrownBy(() -> send(chat("hi", "kmodel"))).isInstanceOf(IOException.class);

        simulator.setFault("kmodel", RemoteFault.resetAfter(1));
        RemoteSseParser parser = new RemoteSseParser();
        assertThatThrownBy(() -> parse(send(chat("hi", "kmodel")), parser))
                .isInstanceOfAny(IOException.class, RemoteFailure.class);
        // a TCP reset may discard the frame written just before it, so only "never complete" is certain
        assertThat(parser.complete()).isFalse();
    }

    @Test
    void hangBeforeFirstByteTimesOutAndTheAbortIsRecorded() {
        simulator.setFault("kmodel", RemoteFault.hangBeforeFirstByte());
        assertThatThrownBy(() -> send(chat("hi", "kmodel"), null, Duration.ofMillis(300)))
                .isInstanceOf(HttpTimeoutException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> simulator.requests().size() == 1
                && simulator.requests().get(0).abortedByClient());
        assertThat(simulator.stats().clientAborts()).isEqualTo(1);
    }

    @Test
    void clientAbortMidStreamIsNoticedAndRecorded() throws Exception {
        simulator.addScript(RemoteScript.reply("a", "b", "c", "d", "e", "f", "g", "h").withFrameDelay(200));
        HttpResponse<InputStream> response = send(chat("slow", "kmodel"));
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).startsWith("data:");
        reader.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> simulator.requests().get(0).abortedByClient());
        assertThat(simulator.stats().clientAborts()).isEqualTo(1);
    }

    @Test
    void pluginCacheWrittenByTheSimulatorIsFoundByTheCredentialLoader(@TempDir Path home) throws Exception {
        Path dir = home.resolve(".qodercn");
        simulator.writePluginCache(dir, simulator.defaultAccount());
        RemoteCredential found = new RemoteCredentialLoader(TestSettings.remote(), home, Map.of(),
                Clock.systemUTC()).load();
        assertThat(found.cosyKey()).isEqualTo(simulator.defaultAccount().cosyKey());
        assertThat(found.source()).isEqualTo(dir.toString());
        assertThat(found.expired(Instant.now(), Duration.ZERO)).isFalse();
        List<ChatEvent> events = parse(send(factory(TestSettings.remote()).chat(turn("from cache"), "kmodel",
                found, simulator.baseUrl())), new RemoteSseParser());
        assertThat(text(events)).endsWith("You said: from cache");
    }

    @Test
    void unknownPathsAnswerTheOssNoSuchKeyPage() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl()
                + "/lingma/whatever")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(RemoteFailure.fromModelListStatus(404, "application/xml", response.body()).kind())
                .isEqualTo(RemoteFailure.Kind.WRONG_HOST);
    }
}
