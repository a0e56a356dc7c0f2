package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The built-in simulator of Lingma's remote HTTP API (lingma-remote.md §11): a Vert.x HTTP server on loopback that
 * serves {@code GET /algo/api/v2/model/list} and {@code POST /algo/api/v2/service/pro/sse/agent_chat_generation},
 * verifies COSY signatures and headers against registered {@link RemoteSimulatorAccount}s (§11.2), streams SSE
 * frames in the documented envelope, one write per frame (§7, §11.4), and injects {@link RemoteFault}s per model
 * key (§11.5). Frame delays use Vert.x timers; the event loop never blocks.
 *
 * <p>It never passes for the real service: every catalogue model carries {@code "simulator":true} and the default
 * reply starts with "Hello from the Lingma remote simulator".
 *
 * <p>Thread-safety: all methods may be called from any thread; {@link #start()} and {@link #stop()} block up to
 * 10 s and must not run on an event loop. The {@link Vertx} instance belongs to the caller.
 */
public final class RemoteSimulator implements AutoCloseable {

    /** The §11.3 default catalogue, marked as simulator models. */
    public static final String DEFAULT_MODEL_LIST = "{\"chat\":["
            + "{\"key\":\"kmodel\",\"display_name\":\"Kimi-K2.6\",\"model\":\"kmodel\",\"enable\":true,\"format\":"
            + "\"openai\",\"source\":\"system\",\"is_vl\":true,\"is_reasoning\":false,\"max_input_tokens\":262144,"
            + "\"simulator\":true},"
            + "{\"key\":\"mmodel\",\"display_name\":\"MiniMax-M2.7\",\"model\":\"mmodel\",\"enable\":true,"
            + "\"simulator\":true},"
            + "{\"key\":\"dashscope_qwen3_coder\",\"display_name\":\"Qwen3-Coder\",\"enable\":true,\"simulator\":true},"
            + "{\"key\":\"dashscope_qmodel\",\"display_name\":\"Qwen3.6-Plus\",\"enable\":true,\"simulator\":true},"
            + "{\"key\":\"dashscope_qwen_max_latest\",\"display_name\":\"Qwen3-Max\",\"enable\":true,"
            + "\"simulator\":true},"
            + "{\"key\":\"dashscope_qwen_plus_20250428_thinking\",\"display_name\":\"Qwen3-Thinking\",\"enable\":true,"
            + "\"is_reasoning\":true,\"simulator\":true},"
            + "{\"key\":\"org_auto\",\"display_name\":\"Auto\",\"enable\":true,\"simulator\":true}],"
            + "\"inline\":[],\"developer\":[],\"assistant\":[]}";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteSimulator.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long BLOCKING_TIMEOUT_SECONDS = 10;
    /** §6.1. */
    static final String MODEL_LIST_PATH = "/algo/api/v2/model/list";
    /** §6.2, query excluded. */
    static final String CHAT_PATH = "/algo/api/v2/service/pro/sse/agent_chat_generation";
    private static final String OSS_404 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>NoSuchKey</Code>"
            + "\n  <Message>The specified key does not exist.</Message>\n  <HostId>lingma-remote-simulator</HostId>\n"
            + "</Error>\n";

    private final Vertx vertx;
    private final RemoteSimulatorOptions options;
    private final Map<String, RemoteSimulatorAccount> accountsByInfo = new ConcurrentHashMap<>();
    private final Map<String, RemoteFault> faults = new ConcurrentHashMap<>();
    private final List<RemoteScript> scripts = new CopyOnWriteArrayList<>();
    private final List<RecordedRemoteRequest> recorded = new CopyOnWriteArrayList<>();
    private final CosyVerifier verifier;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong modelListRequests = new AtomicLong();
    private final AtomicLong chatRequests = new AtomicLong();
    private final AtomicLong authRejections = new AtomicLong();
    private final AtomicLong faultsInjected = new AtomicLong();
    private final AtomicLong framesWritten = new AtomicLong();
    private final AtomicLong clientAborts = new AtomicLong();
    private volatile RemoteFault modelListFault;
    private volatile HttpServer server;
    private volatile int port = -1;

    /**
     * Creates a stopped simulator with the {@link RemoteSimulatorAccount#demo()} account registered.
     *
     * @param vertx   the Vert.x instance to run on (not closed here)
     * @param options configuration ({@link RemoteSimulatorOptions#defaults()})
     */
    public RemoteSimulator(Vertx vertx, RemoteSimulatorOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.verifier = new CosyVerifier(options, accountsByInfo::get);
        registerAccount(RemoteSimulatorAccount.demo());
    }

    /**
     * Starts listening. Does nothing if running.
     *
     * @throws IllegalStateException on an event loop, or when the server does not listen within 10 s
     */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("RemoteSimulator.start() blocks and must not run on a Vert.x event loop");
        }
        HttpServer created = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()))
                .requestHandler(this::onRequest);
        port = await(created.listen(options.port(), options.host()), "listen").actualPort();
        server = created;
        LOG.info("Lingma remote API SIMULATOR (not the real Lingma service) listening on {}", baseUrl());
    }

    /** @return the listening port, -1 when stopped */
    public int port() {
        return port;
    }

    /** @return {@code http://127.0.0.1:<port>} (the value for {@code gateway.remote.base-url}) */
    public String baseUrl() {
        return "http://" + options.host() + ":" + port;
    }

    /** Closes the listener and its connections. Idempotent; does not wait on an event loop. */
    public synchronized void stop() {
        HttpServer running = server;
        server = null;
        port = -1;
        if (running != null) {
            if (Context.isOnEventLoopThread()) {
                running.close();
            } else {
                await(running.close(), "close");
            }
            LOG.info("Lingma remote API SIMULATOR stopped");
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** @return every request received, oldest first (snapshot) */
    public List<RecordedRemoteRequest> requests() {
        return List.copyOf(recorded);
    }

    /** @return the counters */
    public RemoteSimulatorStats stats() {
        return new RemoteSimulatorStats(requests.get(), modelListRequests.get(), chatRequests.get(),
                authRejections.get(), faultsInjected.get(), framesWritten.get(), clientAborts.get());
    }

    /**
     * Registers (or replaces, by {@code encrypt_user_info}) an account; e.g. {@code withExpired(true)} marks it
     * expired at run time.
     *
     * @param account the account
     */
    public void registerAccount(RemoteSimulatorAccount account) {
        accountsByInfo.values().removeIf(a -> a.uid().equals(account.uid()));
        accountsByInfo.put(account.encryptUserInfo(), account);
    }

    /** @return the current version of the built-in demo account */
    public RemoteSimulatorAccount defaultAccount() {
        RemoteSimulatorAccount demo = RemoteSimulatorAccount.demo();
        return accountsByInfo.getOrDefault(demo.encryptUserInfo(), demo);
    }

    /**
     * @param modelKey the model key ({@code model_config.key}) the fault applies to
     * @param fault    the fault
     */
    public void setFault(String modelKey, RemoteFault fault) {
        faults.put(modelKey, fault);
    }

    /** @param fault {@link RemoteFault.Type#HTTP_STATUS} or {@code HANG_BEFORE_FIRST_BYTE} for the model list; null clears */
    public void setModelListFault(RemoteFault fault) {
        modelListFault = fault;
    }

    /** Removes all chat and model-list faults. */
    public void clearFaults() {
        faults.clear();
        modelListFault = null;
    }

    /** @param script a script; the newest matching script wins */
    public void addScript(RemoteScript script) {
        scripts.add(0, script);
    }

    /** Removes all scripts (back to the default reply). */
    public void clearScripts() {
        scripts.clear();
    }

    /**
     * Writes a plugin cache exactly as the Lingma/QoderCN plugin does (lingma-remote.md §3.2–§3.4):
     * {@code dir/cache/id} = machine id, {@code dir/cache/user} = Base64(AES-128-CBC(key = IV = first 16 chars of the
     * machine id, PKCS#7, JSON {@code uid, name, key, encrypt_user_info, expire_time, …})).
     *
     * @param dir     the cache directory {@code D} (created when missing)
     * @param account the account (its {@code expired} flag sets {@code expire_time} in the past)
     * @return {@code dir}
     * @throws UncheckedIOException when the files cannot be written
     */
    public Path writePluginCache(Path dir, RemoteSimulatorAccount account) {
        return PluginCache.write(dir, account, options.clock());
    }

    private void onRequest(HttpServerRequest request) {
        requests.incrementAndGet();
        request.body().onSuccess(body -> {
            try {
                dispatch(request, body.getBytes());
            } catch (RuntimeException e) {
                LOG.warn("remote simulator failed on {} {}: {}", request.method(), request.path(), e.toString());
                if (!request.response().ended() && !request.response().headWritten()) {
                    request.response().setStatusCode(500).end();
                }
            }
        });
    }

    private void dispatch(HttpServerRequest request, byte[] raw) {
        String path = request.path();
        String query = request.query() == null ? "" : request.query();
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().forEach(e -> headers.putIfAbsent(e.getKey(), e.getValue()));
        boolean modelList = request.method().name().equals("GET") && path.equals(MODEL_LIST_PATH);
        boolean chat = request.method().name().equals("POST") && path.equals(CHAT_PATH);
        if (!modelList && !chat) {
            record(request, path, query, headers, raw, null, RecordedRemoteRequest.AuthVerdict.OK, null, null);
            if (options.ossCatchAll()) {
                request.response().setStatusCode(404).putHeader("Content-Type", "application/xml").end(OSS_404);
            } else {
                request.response().setStatusCode(404).end();
            }
            return;
        }
        CosyVerifier.Result auth = verifier.verify(request.headers(), path, raw);
        if (modelList) {
            modelListRequests.incrementAndGet();
            record(request, path, query, headers, raw, null, auth.verdict(), null, null);
            if (rejectAuth(request, auth)) {
                return;
            }
            serveModelList(request, auth.account());
            return;
        }
        chatRequests.incrementAndGet();
        JsonNode body;
        boolean encoded = query.contains("Encode=1");
        try {
            byte[] json = encoded ? Encode1Body.decode(new String(raw, StandardCharsets.US_ASCII)) : raw;
            body = MAPPER.readTree(json);
        } catch (IOException | RuntimeException e) {
            body = null;
        }
        String modelKey = body == null ? null : body.path("model_config").path("key").isTextual()
                ? body.path("model_config").path("key").asText() : null;
        RecordedRemoteRequest rec = record(request, path, query, headers, raw, body, auth.verdict(), modelKey,
                body == null ? null : lastUserText(body));
        if (rejectAuth(request, auth)) {
            return;
        }
        if (body == null || !body.isObject()) {
            // a mis-encoded Encode=1 body answers 500 like the real server (§5, §11.1)
            request.response().setStatusCode(encoded ? 500 : 400).putHeader("Content-Type", "application/json")
                    .end("{\"code\":\"" + (encoded ? 500 : 400) + "\",\"message\":\"body is not JSON\"}");
            return;
        }
        if (!body.path("messages").isArray() || body.path("messages").isEmpty() || modelKey == null) {
            request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                    .end("{\"code\":\"400\",\"message\":\"messages and model_config.key are required\"}");
            return;
        }
        RemoteFault fault = faults.get(modelKey);
        if (fault != null) {
            faultsInjected.incrementAndGet();
            if (applyPreStreamFault(request, fault, rec)) {
                return;
            }
        }
        if (!knownModel(auth.account(), modelKey)) {
            switch (options.unknownModel()) {
                case "http400" -> {
                    request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                            .end("{\"code\":\"400\",\"message\":\"unknown model key " + jsonSafe(modelKey) + "\"}");
                    return;
                }
                case "auto" -> modelKey = "org_auto";
                default -> {
                    fault = RemoteFault.envelopeErrorFirst(400, "{\"code\":\"model_not_found\",\"message\":"
                            + "\"unknown model key " + jsonSafe(modelKey) + "\"}");
                }
            }
        }
        RemoteScript script = chooseScript(modelKey, rec.lastUserText());
        stream(request, rec, script, modelKey, fault);
    }

    private boolean applyPreStreamFault(HttpServerRequest request, RemoteFault fault, RecordedRemoteRequest rec) {
        switch (fault.type()) {
            case HTTP_STATUS -> {
                String body = fault.body();
                request.response().setStatusCode(fault.httpStatus())
                        .putHeader("Content-Type", body.startsWith("{") ? "application/json" : "text/plain")
                        .end(body);
                return true;
            }
            case HANG_BEFORE_FIRST_BYTE -> {
                // the client's first-byte timeout closes the connection: that is the abort to record
                request.response().closeHandler(v -> {
                    if (rec != null) {
                        rec.markAborted();
                    }
                    clientAborts.incrementAndGet();
                });
                return true;
            }
            case RESET_BEFORE_FIRST_FRAME -> {
                request.connection().close();
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void serveModelList(HttpServerRequest request, RemoteSimulatorAccount account) {
        RemoteFault fault = modelListFault;
        if (fault != null) {
            faultsInjected.incrementAndGet();
            if (applyPreStreamFault(request, fault, null)) {
                return;
            }
        }
        String json = account.modelListJson() == null ? DEFAULT_MODEL_LIST : account.modelListJson();
        request.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(json);
    }

    private boolean knownModel(RemoteSimulatorAccount account, String key) {
        if (key.isEmpty() || key.equals("org_auto")) {
            return true;
        }
        String json = account.modelListJson() == null ? DEFAULT_MODEL_LIST : account.modelListJson();
        return CatalogueKeys.of(json).map(keys -> keys.contains(key)).orElse(true);
    }

    private RemoteScript chooseScript(String modelKey, String lastUserText) {
        for (RemoteScript script : scripts) {
            if (script.matches(modelKey, lastUserText)) {
                return script;
            }
        }
        String reply = "Hello from the Lingma remote simulator (" + modelKey + "). You said: "
                + (lastUserText == null ? "" : lastUserText);
        int[] cps = reply.codePoints().toArray();
        int third = Math.max(1, cps.length / 3);
        List<String> parts = new ArrayList<>();
        for (int start = 0; start < cps.length; start += third) {
            int end = start + third >= cps.length - 1 ? cps.length : start + third;
            parts.add(new String(cps, start, end - start));
            if (end == cps.length) {
                break;
            }
        }
        int promptTokens = Math.max(1, (lastUserText == null ? 0 : lastUserText.length()) / 4);
        return RemoteScript.reply(parts.toArray(String[]::new))
                .withUsage(new int[]{promptTokens, Math.max(1, reply.length() / 4)}, null);
    }

    private void stream(HttpServerRequest request, RecordedRemoteRequest rec, RemoteScript script, String modelKey,
                        RemoteFault fault) {
        String nl = script.crlf() ? "\r\n" : "\n";
        String data = script.dataSpace() ? "data: " : "data:";
        List<String> frames = new ArrayList<>();
        Ending ending;
        if (fault != null && fault.type() == RemoteFault.Type.ENVELOPE_ERROR_FIRST) {
            ObjectNode env = envelope(fault.body());
            env.put("statusCodeValue", fault.httpStatus());
            env.put("statusCode", fault.httpStatus() == 429 ? "TOO_MANY_REQUESTS"
                    : fault.httpStatus() >= 500 ? "INTERNAL_SERVER_ERROR" : "FORBIDDEN");
            frames.add(data + env + nl + nl);
            play(request, rec, frames, Ending.CLOSE_CLEANLY, script.frameDelayMs());
            return;
        }
        if (script.keepAlive()) {
            frames.add(": keep-alive" + nl + nl);
            frames.add("event:ping" + nl + data + "{\"type\":\"ping\"}" + nl + nl);
        }
        if (script.metadataFrame()) {
            frames.add(data + envelope(chunk(modelKey).toString()) + nl + nl);
        }
        List<ObjectNode> contentChunks = new ArrayList<>();
        for (String reasoning : script.reasoning()) {
            ObjectNode c = chunk(modelKey);
            delta(c).put("reasoning_content", reasoning);
            contentChunks.add(c);
        }
        int textFrames = 0;
        for (String text : script.text()) {
            if (fault != null && (fault.type() == RemoteFault.Type.EVENT_ERROR_AFTER
                    || fault.type() == RemoteFault.Type.RESET_AFTER) && textFrames == fault.afterFrames()) {
                break;
            }
            ObjectNode c = chunk(modelKey);
            delta(c).put("content", text);
            contentChunks.add(c);
            textFrames++;
        }
        boolean faulted = fault != null && (fault.type() == RemoteFault.Type.EVENT_ERROR_AFTER
                || fault.type() == RemoteFault.Type.RESET_AFTER);
        if (!faulted) {
            for (RemoteScript.ToolFragment fragment : script.toolFragments()) {
                ObjectNode c = chunk(modelKey);
                ObjectNode call = delta(c).putArray("tool_calls").addObject();
                call.put("index", fragment.index());
                if (fragment.id() != null) {
                    call.put("id", fragment.id());
                    call.put("type", "function");
                }
                ObjectNode function = call.putObject("function");
                if (fragment.name() != null) {
                    function.put("name", fragment.name());
                }
                if (fragment.arguments() != null) {
                    function.put("arguments", fragment.arguments());
                }
                contentChunks.add(c);
            }
            if (contentChunks.isEmpty() && (script.finishReason() != null || script.usage() != null)) {
                contentChunks.add(chunk(modelKey));
            }
            if (!contentChunks.isEmpty()) {
                ObjectNode last = contentChunks.get(contentChunks.size() - 1);
                if (script.finishReason() != null) {
                    ((ObjectNode) last.path("choices").get(0)).put("finish_reason", script.finishReason());
                }
                if (script.usage() != null) {
                    last.putObject("usage").put("prompt_tokens", script.usage()[0])
                            .put("completion_tokens", script.usage()[1])
                            .put("total_tokens", script.usage()[0] + script.usage()[1]);
                }
            }
        }
        for (ObjectNode c : contentChunks) {
            frames.add(data + envelope(c.toString()) + nl + nl);
        }
        if (faulted && fault.type() == RemoteFault.Type.EVENT_ERROR_AFTER) {
            frames.add("event:error" + nl + data + "{\"success\":false,\"traceId\":\"sim-trace\",\"msgCode\":500,"
                    + "\"msgInfo\":\"Internal Server Error\",\"message\":\"Internal Server Error (simulator)\"}"
                    + nl + nl);
            ending = Ending.CLOSE_CLEANLY;
        } else if (faulted) {
            ending = Ending.RESET;
        } else if (fault != null && fault.type() == RemoteFault.Type.MISSING_END_MARKER) {
            ending = Ending.CLOSE_CLEANLY;
        } else {
            switch (script.endStyle()) {
                case 'B' -> {
                    frames.add(data + "[DONE]" + nl + nl);
                    ending = Ending.CLOSE_CLEANLY;
                }
                case 'C' -> ending = Ending.CLOSE_CLEANLY;
                default -> {
                    frames.add(data + envelope("[DONE]") + nl + nl);
                    ObjectNode metrics = MAPPER.createObjectNode().put("firstTokenDuration", 12)
                            .put("totalDuration", 34).put("serverDuration", 5);
                    if (script.finishUsage() != null) {
                        metrics.putObject("usage").put("input_tokens", script.finishUsage()[0])
                                .put("output_tokens", script.finishUsage()[1]);
                    }
                    frames.add("event:finish" + nl + data + metrics + nl + nl);
                    ending = script.endStyle() == 'D' ? Ending.KEEP_OPEN : Ending.CLOSE_CLEANLY;
                }
            }
        }
        play(request, rec, frames, ending, script.frameDelayMs());
    }

    private enum Ending { CLOSE_CLEANLY, KEEP_OPEN, RESET }

    private void play(HttpServerRequest request, RecordedRemoteRequest rec, List<String> frames, Ending ending,
                      long delayMs) {
        HttpServerResponse response = request.response();
        AtomicBoolean finished = new AtomicBoolean();
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache").putHeader("X-Lingma-Simulator", "remote");
        response.closeHandler(v -> {
            if (finished.compareAndSet(false, true)) {
                rec.markAborted();
                clientAborts.incrementAndGet();
            }
        });
        response.writeHead();
        writeFrom(request, response, frames, 0, ending, delayMs, finished);
    }

    private void writeFrom(HttpServerRequest request, HttpServerResponse response, List<String> frames, int index,
                           Ending ending, long delayMs, AtomicBoolean finished) {
        if (finished.get()) {
            return;
        }
        if (index < frames.size()) {
            response.write(frames.get(index));
            framesWritten.incrementAndGet();
            if (delayMs > 0) {
                vertx.setTimer(delayMs, id -> writeFrom(request, response, frames, index + 1, ending, delayMs,
                        finished));
            } else {
                vertx.runOnContext(v -> writeFrom(request, response, frames, index + 1, ending, delayMs, finished));
            }
            return;
        }
        switch (ending) {
            case CLOSE_CLEANLY -> {
                finished.set(true);
                response.end();
            }
            case RESET -> {
                finished.set(true);
                request.connection().close();
            }
            case KEEP_OPEN -> {
                // held open until the client gives up (end style D); that close is recorded as a client abort
            }
        }
    }

    private boolean rejectAuth(HttpServerRequest request, CosyVerifier.Result auth) {
        if (auth.verdict() == RecordedRemoteRequest.AuthVerdict.OK) {
            return false;
        }
        authRejections.incrementAndGet();
        String body = auth.verdict() == RecordedRemoteRequest.AuthVerdict.LOGIN_EXPIRED
                ? "{\"code\":\"105\",\"message\":\"Login expired\"}"
                : "{\"code\":\"101\",\"message\":\"Signature invalid\"}";
        request.response().setStatusCode(403).putHeader("Content-Type", "application/json").end(body);
        return true;
    }

    private RecordedRemoteRequest record(HttpServerRequest request, String path, String query,
                                         Map<String, String> headers, byte[] raw, JsonNode body,
                                         RecordedRemoteRequest.AuthVerdict verdict, String modelKey,
                                         String lastUserText) {
        RecordedRemoteRequest rec = new RecordedRemoteRequest(request.method().name(), path, query, headers, raw,
                body, verdict, modelKey, lastUserText);
        recorded.add(rec);
        return rec;
    }

    private static String lastUserText(JsonNode body) {
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode message = messages.get(i);
            if (message.path("role").asText("").equals("user")) {
                JsonNode content = message.path("content");
                if (content.isTextual()) {
                    return content.asText();
                }
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : content) {
                    if (part.path("type").asText("").equals("text")) {
                        sb.append(sb.isEmpty() ? "" : "\n").append(part.path("text").asText(""));
                    }
                }
                return sb.toString();
            }
        }
        return null;
    }

    private static ObjectNode chunk(String modelKey) {
        ObjectNode chunk = MAPPER.createObjectNode();
        chunk.put("id", "chatcmpl-simulator");
        chunk.put("object", "chat.completion.chunk");
        chunk.put("model", modelKey);
        return chunk;
    }

    private static ObjectNode delta(ObjectNode chunk) {
        ArrayNode choices = chunk.has("choices") ? (ArrayNode) chunk.get("choices") : chunk.putArray("choices");
        ObjectNode choice = choices.isEmpty() ? choices.addObject().put("index", 0) : (ObjectNode) choices.get(0);
        return choice.has("delta") ? (ObjectNode) choice.get("delta") : choice.putObject("delta");
    }

    private static ObjectNode envelope(String bodyText) {
        ObjectNode env = MAPPER.createObjectNode();
        env.putObject("headers").putArray("Content-Type").add("application/json");
        env.put("body", bodyText);
        env.put("statusCodeValue", 200);
        env.put("statusCode", "OK");
        return env;
    }

    private static String jsonSafe(String text) {
        String quoted = MAPPER.getNodeFactory().textNode(text).toString();
        return quoted.substring(1, quoted.length() - 1);
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(BLOCKING_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("remote simulator could not " + what + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("remote simulator could not " + what + " within "
                    + BLOCKING_TIMEOUT_SECONDS + " s", e);
        }
    }

}
