package io.lingma.gateway.lingma.remote;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Lingma's remote HTTP API as a {@link ChatBackend} (lingma-remote.md): signed requests over the
 * {@code lingma-remote-*} camel-http routes, the account's model list cached with a TTL, and the ordered model
 * fallback of §9.2 — before the first token only, on transient and busy failures only, skipping models whose own
 * resilience4j circuit breaker is open. The model that really answered is the turn's {@link UpstreamTurn#model()}.
 */
public class RemoteChatBackend implements ChatBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteChatBackend.class);
    private static final String MODELS_KEY = "models";
    private static final int TURN_QUEUE = 4096;

    private final CamelContext camel;
    private final ProducerTemplate template;
    private final ExecutorService attempts;
    private final RemoteSettings settings;
    private final BaseUrlResolver baseUrls;
    private final RemoteCredentialLoader credentials;
    private final RemoteRequestFactory requests;
    private final RemoteModelListParser modelParser;
    private final CircuitBreakerRegistry breakers;
    private final BiConsumer<String, String> fallbackCounter;
    private final ScheduledExecutorService timer;
    private final java.util.function.Function<ChatTurn, String> toolContract;
    private final Cache<String, List<ModelInfo>> models;
    private final AtomicReference<ResolvedBaseUrl> baseUrl = new AtomicReference<>();
    private volatile String lastError;
    private volatile boolean simulated;
    private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param camel           the Camel context (routes {@code lingma-remote-*})
     * @param attempts        threads that run attempts (each holds one while its stream lasts)
     * @param settings        remote settings
     * @param baseUrls        base-URL resolution (§2)
     * @param credentials     credential loading (§3)
     * @param requests        signed request building (§4–§6)
     * @param modelParser     model-list parsing (§6.1)
     * @param breakers        one circuit breaker per model key
     * @param fallbackCounter told {@code (requested, answered)} for every answered request (equal keys when no
     *                        fallback happened), for the per-model and fallback counters
     * @param timer           scheduler for the per-attempt deadline ({@code gateway.remote.attempt-timeout})
     * @param toolContract    the tool contract of a request, used in {@code gateway.remote.tool-mode=emulate}
     */
    public RemoteChatBackend(CamelContext camel, ExecutorService attempts, RemoteSettings settings,
                             BaseUrlResolver baseUrls, RemoteCredentialLoader credentials,
                             RemoteRequestFactory requests, RemoteModelListParser modelParser,
                             CircuitBreakerRegistry breakers, BiConsumer<String, String> fallbackCounter,
                             ScheduledExecutorService timer,
                             java.util.function.Function<ChatTurn, String> toolContract) {
        this.camel = camel;
        this.template = camel.createProducerTemplate();
        this.attempts = attempts;
        this.settings = settings;
        this.baseUrls = baseUrls;
        this.credentials = credentials;
        this.requests = requests;
        this.modelParser = modelParser;
        this.breakers = breakers;
        this.fallbackCounter = fallbackCounter;
        this.timer = timer;
        this.toolContract = toolContract;
        this.models = Caffeine.newBuilder().expireAfterWrite(settings.modelsTtl()).maximumSize(1).build();
    }

    @Override
    public String name() {
        return "remote";
    }

    @Override
    public boolean nativeTools() {
        return settings.toolMode() == RemoteSettings.ToolMode.NATIVE;
    }

    /** @return the projected messages and tools the remote API would receive (client-api.md §7) */
    @Override
    public String upstreamPromptText(ChatTurn turn) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode body = requests.chatBody(upstreamView(turn), "", "", "");
            // only what the model reads counts: the messages and the tool definitions
            return String.valueOf(body.get("messages")) + (body.has("tools") ? body.get("tools") : "");
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Runs the turn on the requested model, falling back along {@code gateway.remote.fallback.models} while
     * nothing has reached the client.
     *
     * @throws GatewayException the last attempt's failure (auth → 502 {@code upstream_auth_error}, quota → 429,
     *                          busy → 429 with Retry-After, transient → 502/503/504), 503 when the credential is
     *                          missing or every model's breaker is open
     */
    @Override
    public UpstreamTurn open(ChatTurn request, ResolvedModel model) {
        return open(request, model, () -> false);
    }

    /** {@inheritDoc} Checks {@code abandoned} between attempts and while waiting for a first token. */
    @Override
    public UpstreamTurn open(ChatTurn request, ResolvedModel model, java.util.function.BooleanSupplier abandoned) {
        ChatTurn turn = upstreamView(request);
        RemoteCredential credential = credential();
        String base = baseUrl().url();
        List<String> order = attemptOrder(model.key());
        List<String> outcomes = new ArrayList<>();
        RemoteFailure last = null;
        int tried = 0;
        for (String key : order) {
            if (tried >= Math.max(1, settings.fallbackMaxAttempts())) {
                break;
            }
            CircuitBreaker breaker = breakers.circuitBreaker(key);
            if (!breaker.tryAcquirePermission()) {
                outcomes.add(key + ": circuit open");
                continue;
            }
            tried++;
            RemoteFailure failure;
            try {
                Object outcome = attempt(turn, model, key, credential, base, breaker, outcomes, abandoned);
                if (outcome instanceof RemoteTurn answered) {
                    return answered;
                }
                failure = (RemoteFailure) outcome;
            } catch (RuntimeException e) {
                // the attempt neither succeeded nor failed on the model's account: give the permission back
                breaker.releasePermission();
                throw e;
            }
            last = failure;
            if (abandoned.getAsBoolean()) {
                throw new GatewayException(ErrorKind.INTERNAL, "client disconnected");
            }
        }
        if (last == null) {
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE,
                    "every Lingma model is failing (circuit breakers open: " + String.join(", ", order) + ")",
                    null, retryAfterSeconds(), null);
        }
        GatewayException error = last.toGatewayException();
        if (outcomes.size() > 1) {
            error = new GatewayException(error.kind(), "all Lingma models failed: " + String.join("; ", outcomes),
                    error.param(), error.retryAfterSeconds(), last);
        }
        throw error;
    }

    /**
     * In {@code tool-mode=emulate} the tools are described in the system message instead of sent natively
     * (client-api.md §10.1); otherwise the request goes as it is.
     */
    private ChatTurn upstreamView(ChatTurn request) {
        String contract = nativeTools() ? null : toolContract.apply(request);
        if (contract == null) {
            return request;
        }
        String system = request.system().isEmpty() ? contract : request.system() + "\n\n---\n\n" + contract;
        return request.withSystem(system).withConversation(request.messages(), List.of(),
                io.lingma.gateway.chat.ToolChoice.NONE);
    }

    /** The §10.8 retry on the remote backend: same model, trailing user instruction, tool_choice forced. */
    private UpstreamTurn retryAttempt(ChatTurn turn, ResolvedModel model, String instruction) {
        List<io.lingma.gateway.chat.ChatMessage> messages = new ArrayList<>(turn.messages());
        messages.add(io.lingma.gateway.chat.ChatMessage.user(instruction));
        io.lingma.gateway.chat.ToolChoice choice = turn.toolChoice().mode() == io.lingma.gateway.chat.ToolChoice.Mode.TOOL
                || turn.tools().isEmpty() ? turn.toolChoice()
                : new io.lingma.gateway.chat.ToolChoice(io.lingma.gateway.chat.ToolChoice.Mode.ANY, null);
        ChatTurn again = turn.withConversation(messages, turn.tools(), choice);
        return start(again, model, credential(), baseUrl().url(), breakers.circuitBreaker(model.key()));
    }

    /**
     * Runs one model (with its busy retries) and records the outcome on its breaker exactly once.
     *
     * @return the answering turn, or the fallback-eligible failure (recorded as a breaker error)
     * @throws GatewayException a failure that must reach the client at once (permission released)
     */
    private Object attempt(ChatTurn turn, ResolvedModel model, String key, RemoteCredential credential, String base,
                           CircuitBreaker breaker, List<String> outcomes,
                           java.util.function.BooleanSupplier abandoned) {
        for (int busy = 0; ; busy++) {
            long start = System.nanoTime();
            RemoteTurn attempt = start(turn, resolved(model, key), credential, base, breaker);
            ChatEvent first;
            try {
                first = awaitFirst(attempt, abandoned);
            } catch (RuntimeException e) {
                attempt.cancel("abandoned");
                throw e;
            }
            RemoteFailure failure = first == null ? RemoteFailure.timeout("first token", null)
                    : first instanceof ChatEvent.Failure ? attempt.failure() : null;
            long took = System.nanoTime() - start;
            if (failure == null && first != null && !(first instanceof ChatEvent.Failure)) {
                breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                lastError = null;
                ResolvedModel answered = attempt.model();
                attempt.retryWith(instruction -> retryAttempt(turn, answered, instruction));
                try {
                    fallbackCounter.accept(model.key(), key);
                } catch (RuntimeException e) {
                    LOG.debug("counting the answering model failed", e);
                }
                if (!key.equals(model.key())) {
                    LOG.info("request {} answered by fallback model {} ({})", turn.requestId(), key, outcomes);
                }
                return attempt;
            }
            attempt.cancel(first == null ? "no first token in time" : "failed before output");
            if (failure == null) {
                // the gateway itself ended the attempt (client gone, shutdown): nothing to hold against the model
                throw ((ChatEvent.Failure) first).error();
            }
            lastError = failure.getMessage();
            if (failure.kind() == RemoteFailure.Kind.BUSY && busy < settings.busyRetries()) {
                pause(failure.retryAfterSeconds(), settings.busyRetryDelay(), abandoned);
                continue;
            }
            if (failure.fallbackEligible()) {
                breaker.onError(took, TimeUnit.NANOSECONDS, failure);
                outcomes.add(key + ": " + failure.getMessage());
                LOG.warn("request {}: model {} failed before output ({}), trying the next model",
                        turn.requestId(), key, failure.getMessage());
                return failure;
            }
            throw failure.toGatewayException();
        }
    }

    private RemoteTurn start(ChatTurn turn, ResolvedModel model, RemoteCredential credential, String base,
                             CircuitBreaker breaker) {
        RemoteHttpRequest request = requests.chat(turn, model.key(), credential, base);
        RemoteTurn attempt = new RemoteTurn(model, TURN_QUEUE, settings.maxBufferedBytes(),
                failure -> breaker.onError(0, TimeUnit.NANOSECONDS, failure));
        Exchange exchange = exchange(request, settings.idleTimeout());
        exchange.setProperty(RemoteHttpTransport.TURN, attempt);
        java.util.concurrent.ScheduledFuture<?> deadline = settings.attemptTimeout().isZero() ? null
                : timer.schedule(() -> {
                    attempt.fail(RemoteFailure.timeout("attempt", null));
                    attempt.cancel("attempt timeout");
                }, settings.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
        attempts.execute(() -> {
            Exchange done = template.send("direct:lingma-remote-chat-attempt", exchange);
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (done.getException() != null) {
                attempt.fail(classify(done.getException(), base));
            } else {
                // the route always offers a terminal event; this only guards against a route edit that skips it
                attempt.fail(new RemoteFailure(RemoteFailure.Kind.PROTOCOL, "the Lingma stream ended unread"));
            }
        });
        return attempt;
    }

    /** Waits for the first event in short slices, so a client that left is noticed within a fraction of a second. */
    private ChatEvent awaitFirst(RemoteTurn attempt, java.util.function.BooleanSupplier abandoned) {
        long deadline = System.nanoTime() + settings.firstByteTimeout().toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                ChatEvent e = attempt.awaitFirst(Duration.ofNanos(Math.min(left, 200_000_000L)));
                if (e != null) {
                    return e;
                }
                if (abandoned.getAsBoolean()) {
                    throw new GatewayException(ErrorKind.INTERNAL, "client disconnected");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.INTERNAL, "interrupted while waiting for Lingma", e);
        }
    }

    /**
     * Waits out a "busy" answer's Retry-After (1 to 10 s), or {@code gateway.remote.busy-retry-delay} when it names
     * none, giving up when the client left.
     */
    private static void pause(Integer seconds, Duration delay, java.util.function.BooleanSupplier abandoned) {
        long until = System.nanoTime() + (seconds == null ? delay.toNanos()
                : TimeUnit.SECONDS.toNanos(Math.min(10, Math.max(1, seconds))));
        try {
            while (System.nanoTime() < until) {
                if (abandoned.getAsBoolean()) {
                    throw new GatewayException(ErrorKind.INTERNAL, "client disconnected");
                }
                TimeUnit.MILLISECONDS.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.INTERNAL, "interrupted while waiting to retry Lingma", e);
        }
    }

    /**
     * The attempt order of lingma-remote.md §9.1 step 3 / §9.2: the requested model, then the configured list
     * (after the requested model's position when it is in the list) filtered by the cached model list; only the
     * requested model when fallback is off or the list is not cached.
     *
     * @param primary the requested model key
     * @return model keys to try, in order
     */
    public List<String> attemptOrder(String primary) {
        Set<String> order = new LinkedHashSet<>();
        order.add(primary);
        List<ModelInfo> cached = models.getIfPresent(MODELS_KEY);
        if (!settings.fallbackEnabled() || cached == null) {
            if (settings.fallbackEnabled()) {
                refreshModelsInBackground();
            }
            return List.copyOf(order);
        }
        Set<String> available = new LinkedHashSet<>();
        cached.forEach(m -> available.add(m.key()));
        List<String> configured = settings.fallbackModels();
        int from = configured.indexOf(primary) + 1;
        for (int i = from; i < configured.size(); i++) {
            if (available.contains(configured.get(i))) {
                order.add(configured.get(i));
            }
        }
        return List.copyOf(order);
    }

    private void refreshModelsInBackground() {
        // one refresh at a time: while the list cannot be fetched, requests must not pile up GETs
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        attempts.execute(() -> {
            try {
                models();
            } catch (RuntimeException e) {
                LOG.debug("background model-list refresh failed: {}", e.getMessage());
            } finally {
                refreshing.set(false);
            }
        });
    }

    @Override
    public List<ModelInfo> models() {
        List<ModelInfo> cached = models.getIfPresent(MODELS_KEY);
        if (cached != null) {
            return cached;
        }
        RemoteCredential credential = credential();
        String base = baseUrl().url();
        RemoteHttpRequest request = requests.modelList(credential, base);
        Exchange exchange = exchange(request, settings.modelsTimeout());
        Exchange done = template.send("direct:lingma-remote-model-list", exchange);
        if (done.getException() != null) {
            RemoteFailure failure = classify(done.getException(), base);
            lastError = failure.getMessage();
            throw failure.toGatewayException();
        }
        int status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = done.getMessage().getBody(String.class);
        if (status != 200) {
            RemoteFailure failure = RemoteFailure.fromModelListStatus(status,
                    done.getMessage().getHeader(Exchange.CONTENT_TYPE, "", String.class), body);
            lastError = failure.getMessage();
            if (failure.kind() == RemoteFailure.Kind.WRONG_HOST) {
                baseUrl.set(null);
            }
            throw failure.toGatewayException();
        }
        RemoteModelListParser.RemoteModelList parsed = modelParser.parseDetailed(body);
        List<ModelInfo> list = parsed.models();
        simulated = parsed.simulator();
        models.put(MODELS_KEY, list);
        lastError = null;
        return list;
    }

    /** @return true when the model list came from the built-in remote simulator (it marks its models) */
    @Override
    public boolean simulated() {
        return simulated;
    }

    @Override
    public boolean ready() {
        try {
            credential();
        } catch (GatewayException e) {
            return false;
        }
        if (models.getIfPresent(MODELS_KEY) != null) {
            return true;
        }
        try {
            models();
            return true;
        } catch (GatewayException e) {
            return false;
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> state = new LinkedHashMap<>();
        try {
            ResolvedBaseUrl url = baseUrl();
            state.put("transport", url.url().startsWith("http:") ? "http" : "https");
            state.put("base_url", url.url());
            state.put("base_url_source", url.source());
        } catch (GatewayException e) {
            state.put("base_url", null);
        }
        try {
            RemoteCredential c = credentials.load();
            state.put("credential_source", c.source());
            state.put("user_id", c.maskedUserId());
            state.put("machine_id", c.maskedMachineId());
            state.put("token_expire_time", c.expireTimeMillis() > 0 ? c.expireTimeMillis() : null);
            state.put("expired", c.expired(java.time.Instant.now(), settings.expiryMargin()));
        } catch (RemoteCredentialException e) {
            state.put("credential_error", e.getMessage());
        }
        List<ModelInfo> cached = models.getIfPresent(MODELS_KEY);
        state.put("models_cached", cached == null ? 0 : cached.size());
        state.put("fallback_models", settings.fallbackEnabled() ? settings.fallbackModels() : List.of());
        Map<String, Object> perModel = new LinkedHashMap<>();
        breakers.getAllCircuitBreakers().forEach(b -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("state", b.getState().name());
            s.put("failure_rate", b.getMetrics().getFailureRate());
            s.put("failed_calls", b.getMetrics().getNumberOfFailedCalls());
            perModel.put(b.getName(), s);
        });
        state.put("model_breakers", perModel);
        state.put("last_error", lastError);
        return state;
    }

    /** Stops the producer template; running attempts end with the HTTP client. */
    @Override
    public void close() {
        try {
            template.stop();
        } catch (RuntimeException e) {
            LOG.debug("stopping the remote producer template failed", e);
        }
    }

    private RemoteCredential credential() {
        try {
            return credentials.load();
        } catch (RemoteCredentialException e) {
            lastError = e.getMessage();
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, e.getMessage(), e);
        }
    }

    private ResolvedBaseUrl baseUrl() {
        ResolvedBaseUrl url = baseUrl.get();
        if (url == null) {
            url = baseUrls.resolve();
            baseUrl.set(url);
            LOG.info("Lingma remote base URL {} (from {})", url.url(), url.source());
        }
        return url;
    }

    private Exchange exchange(RemoteHttpRequest request, Duration readTimeout) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(request.body());
        // the signed headers stay off the message (Camel logs message headers); RemoteHttpTransport sends them
        exchange.setProperty(RemoteHttpTransport.REQUEST, request);
        // the query travels in CamelHttpQuery: a URL with its own query would mangle the camel-http options
        int q = request.url().indexOf('?');
        exchange.setProperty("lingmaRemoteUrl", q < 0 ? request.url() : request.url().substring(0, q));
        if (q >= 0) {
            exchange.getMessage().setHeader(Exchange.HTTP_QUERY, request.url().substring(q + 1));
        }
        exchange.setProperty("lingmaConnectTimeoutMs", settings.connectTimeout().toMillis());
        exchange.setProperty("lingmaIdleTimeoutMs", readTimeout.toMillis());
        exchange.setProperty("lingmaModelsTimeoutMs", settings.modelsTimeout().toMillis());
        return exchange;
    }

    private static RemoteFailure classify(Exception e, String base) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RemoteFailure f) {
                return f;
            }
            if (t instanceof java.net.SocketTimeoutException) {
                return RemoteFailure.timeout("response", t);
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException) {
                return RemoteFailure.unreachable(base, t);
            }
            if (t instanceof java.io.IOException) {
                return RemoteFailure.ioError("calling Lingma", t);
            }
        }
        return RemoteFailure.ioError("calling Lingma", e);
    }

    private Integer retryAfterSeconds() {
        return (int) Math.max(1, breakers.getDefaultConfig().getWaitIntervalFunctionInOpenState().apply(1) / 1000);
    }

    private ResolvedModel resolved(ResolvedModel requested, String key) {
        if (key.equals(requested.key())) {
            return requested;
        }
        String name = key;
        List<ModelInfo> cached = models.getIfPresent(MODELS_KEY);
        if (cached != null) {
            name = cached.stream().filter(m -> m.key().equals(key)).map(ModelInfo::displayName).findFirst()
                    .orElse(key);
        }
        // report the fallback model the same way the requested one is reported (key or display name)
        boolean byName = requested.publicId().equals(requested.displayName())
                && !requested.publicId().equals(requested.key());
        return new ResolvedModel(key, name, byName ? name : key, requested.agentMode());
    }
}
