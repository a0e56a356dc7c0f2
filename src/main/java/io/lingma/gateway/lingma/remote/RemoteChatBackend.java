package io.lingma.gateway.lingma.remote;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Lingma's remote HTTP API as a {@link ChatBackend} (lingma-remote.md). A turn runs the {@code lingma-remote-fallback}
 * route of routes/lingma-remote.camel.yaml: the ordered model fallback of §9.2, one route per model, each behind its own
 * resilience4j breaker, busy retries by Camel redelivery. The model that really answered is the turn's
 * {@link UpstreamTurn#model()}.
 *
 * <p>Binds the beans those routes call ({@code remoteFallback}, {@code remoteModelAttempt}, {@code remoteBusyDelay}).
 */
public class RemoteChatBackend implements ChatBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteChatBackend.class);

    private final ProducerTemplate template;
    private final RemoteSettings settings;
    private final RemoteRequestFactory requests;
    private final CircuitBreakerRegistry breakers;
    private final Function<ChatTurn, String> toolContract;
    private final RemoteAccount account;
    private final RemoteExchanges exchanges;
    private final RemoteModelCache models;

    /**
     * @param camel        the Camel context (routes {@code lingma-remote-*})
     * @param attempts     threads that run attempts (each holds one while its stream lasts)
     * @param settings     remote settings
     * @param baseUrls     base-URL resolution (§2)
     * @param credentials  credential loading (§3)
     * @param requests     signed request building (§4–§6)
     * @param modelParser  model-list parsing (§6.1)
     * @param breakers     where the per-model routes' breakers live, one per model key
     * @param answers      told {@code (requested, answered)} for every answered request (equal keys when no
     *                     fallback happened), for the per-model and fallback counters
     * @param timer        scheduler for the per-attempt deadline ({@code gateway.remote.attempt-timeout})
     * @param toolContract the tool contract of a request, used in {@code gateway.remote.tool-mode=emulate}
     */
    public RemoteChatBackend(CamelContext camel, ExecutorService attempts, RemoteSettings settings,
                             BaseUrlResolver baseUrls, RemoteCredentialLoader credentials,
                             RemoteRequestFactory requests, RemoteModelListParser modelParser,
                             CircuitBreakerRegistry breakers, BiConsumer<String, String> answers,
                             ScheduledExecutorService timer, Function<ChatTurn, String> toolContract) {
        this.template = camel.createProducerTemplate();
        this.settings = settings;
        this.requests = requests;
        this.breakers = breakers;
        this.toolContract = toolContract;
        this.account = new RemoteAccount(settings, baseUrls, credentials);
        this.exchanges = new RemoteExchanges(camel, settings);
        this.models = new RemoteModelCache(template, settings, account, requests, modelParser, exchanges, attempts);
        RemoteModelRoutes routes = new RemoteModelRoutes(camel);
        camel.getRegistry().bind("remoteFallback", new RemoteFallback(routes, breakers, answers));
        camel.getRegistry().bind("remoteBusyDelay", new RemoteBusyRetry.Delay());
        camel.getRegistry().bind("remoteModelAttempt", new RemoteModelAttempt(template, attempts, timer, settings,
                account, requests, exchanges, models, breakers));
        try {
            camel.addStartupListener(new org.apache.camel.StartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                    // nothing yet: the template instances need a started context
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                    // the configured models' routes exist from the start, so a route listing shows them
                    if (settings.fallbackEnabled()) {
                        settings.fallbackModels().forEach(routes::ensure);
                    }
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the remote model routes", e);
        }
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
    public UpstreamTurn open(ChatTurn request, ResolvedModel model, BooleanSupplier abandoned) {
        ChatTurn turn = upstreamView(request);
        RemoteCredential credential = account.credential();
        String base = account.baseUrl().url();
        RemoteFallbackPlan plan = new RemoteFallbackPlan(turn, model, credential, base,
                models.attemptOrder(model.key()), settings.fallbackMaxAttempts(), abandoned);
        Exchange exchange = exchanges.empty();
        exchange.setProperty(RemoteFallbackPlan.PROPERTY, plan);
        Exchange done = template.send("direct:lingma-remote-fallback", exchange);
        Exception error = done.getException();
        RemoteTurn answer = error == null ? done.getMessage().getBody(RemoteTurn.class) : null;
        if (answer != null) {
            return answer;
        }
        if (error == null) {
            error = new GatewayException(ErrorKind.INTERNAL, "the Lingma fallback route ended without an answer");
        }
        if (plan.answer() != null) {
            // a step after the answer failed (an edited route): the answer must not keep running unread
            plan.answer().cancel("the fallback route failed");
        }
        throw error instanceof RuntimeException r ? r
                : new GatewayException(ErrorKind.INTERNAL, "the Lingma fallback route failed", error);
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
        return request.withSystem(system).withConversation(request.messages(), List.of(), ToolChoice.NONE);
    }

    /**
     * @param primary the requested model key
     * @return model keys to try, in order (see {@link RemoteModelCache#attemptOrder(String)})
     */
    public List<String> attemptOrder(String primary) {
        return models.attemptOrder(primary);
    }

    @Override
    public List<ModelInfo> models() {
        return models.models();
    }

    /** @return true when the model list came from the built-in remote simulator (it marks its models) */
    @Override
    public boolean simulated() {
        return models.simulated();
    }

    @Override
    public boolean ready() {
        try {
            account.credential();
        } catch (GatewayException e) {
            return false;
        }
        if (models.cached()) {
            return true;
        }
        try {
            models.models();
            return true;
        } catch (GatewayException e) {
            return false;
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> state = new LinkedHashMap<>();
        account.describe(state);
        state.put("models_cached", models.cachedCount());
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
        state.put("last_error", account.lastError());
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
}
