package io.lingma.gateway.lingma.remote;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The account's model list (lingma-remote.md §6.1) read over {@code direct:lingma-remote-model-list} and cached for
 * {@code gateway.remote.models-ttl}, and the attempt order of the ordered model fallback (§9.2) it decides.
 */
public class RemoteModelCache {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteModelCache.class);
    private static final String MODELS_KEY = "models";

    private final ProducerTemplate template;
    private final RemoteSettings settings;
    private final RemoteAccount account;
    private final RemoteRequestFactory requests;
    private final RemoteModelListParser parser;
    private final RemoteExchanges exchanges;
    private final Executor background;
    private final Cache<String, List<ModelInfo>> models;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile boolean simulated;

    /**
     * @param template   producer template for the model-list route
     * @param settings   remote settings (TTL, timeouts, fallback list)
     * @param account    the account whose list this is
     * @param requests   signed request building
     * @param parser     model-list parsing
     * @param exchanges  exchange building and failure classification
     * @param background runs the background refresh
     */
    public RemoteModelCache(ProducerTemplate template, RemoteSettings settings, RemoteAccount account,
                            RemoteRequestFactory requests, RemoteModelListParser parser, RemoteExchanges exchanges,
                            Executor background) {
        this.template = template;
        this.settings = settings;
        this.account = account;
        this.requests = requests;
        this.parser = parser;
        this.exchanges = exchanges;
        this.background = background;
        this.models = Caffeine.newBuilder().expireAfterWrite(settings.modelsTtl()).maximumSize(1).build();
    }

    /**
     * @return the account's models, from the cache or read now
     * @throws io.lingma.gateway.error.GatewayException the classified failure of the list call
     */
    public List<ModelInfo> models() {
        List<ModelInfo> cached = models.getIfPresent(MODELS_KEY);
        if (cached != null) {
            return cached;
        }
        RemoteCredential credential = account.credential();
        String base = account.baseUrl().url();
        Exchange done = template.send("direct:lingma-remote-model-list",
                exchanges.forRequest(requests.modelList(credential, base), settings.modelsTimeout()));
        if (done.getException() != null) {
            RemoteFailure failure = RemoteExchanges.classify(done.getException(), base);
            account.lastError(failure.getMessage());
            throw failure.toGatewayException();
        }
        int status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = done.getMessage().getBody(String.class);
        if (status != 200) {
            RemoteFailure failure = RemoteFailure.fromModelListStatus(status,
                    done.getMessage().getHeader(Exchange.CONTENT_TYPE, "", String.class), body);
            account.lastError(failure.getMessage());
            if (failure.kind() == RemoteFailure.Kind.WRONG_HOST) {
                account.forgetBaseUrl();
            }
            throw failure.toGatewayException();
        }
        RemoteModelListParser.RemoteModelList parsed = parser.parseDetailed(body);
        simulated = parsed.simulator();
        models.put(MODELS_KEY, parsed.models());
        account.lastError(null);
        return parsed.models();
    }

    /** @return true when a model list is cached */
    public boolean cached() {
        return models.getIfPresent(MODELS_KEY) != null;
    }

    /** @return how many models are cached (0 when none) */
    public int cachedCount() {
        List<ModelInfo> cached = models.getIfPresent(MODELS_KEY);
        return cached == null ? 0 : cached.size();
    }

    /** @return true when the list came from the built-in remote simulator (it marks its models) */
    public boolean simulated() {
        return simulated;
    }

    /**
     * The attempt order of lingma-remote.md §9.1 step 3 / §9.2: the requested model, then the configured list
     * (after the requested model's position when it is in the list) filtered by the cached model list; only the
     * requested model when fallback is off or the list is not cached (a refresh then starts in the background).
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
                refreshInBackground();
            }
            return List.copyOf(order);
        }
        Set<String> available = new LinkedHashSet<>();
        cached.forEach(m -> available.add(m.key()));
        List<String> configured = settings.fallbackModels();
        for (int i = configured.indexOf(primary) + 1; i < configured.size(); i++) {
            if (available.contains(configured.get(i))) {
                order.add(configured.get(i));
            }
        }
        return List.copyOf(order);
    }

    /**
     * @param requested the model the client asked for
     * @param key       the model key an attempt runs on
     * @return {@code requested} itself, or the fallback model reported the way the requested one is (key or name)
     */
    public ResolvedModel resolved(ResolvedModel requested, String key) {
        if (key.equals(requested.key())) {
            return requested;
        }
        String name = key;
        List<ModelInfo> cached = models.getIfPresent(MODELS_KEY);
        if (cached != null) {
            name = cached.stream().filter(m -> m.key().equals(key)).map(ModelInfo::displayName).findFirst()
                    .orElse(key);
        }
        boolean byName = requested.publicId().equals(requested.displayName())
                && !requested.publicId().equals(requested.key());
        return new ResolvedModel(key, name, byName ? name : key, requested.agentMode());
    }

    private void refreshInBackground() {
        // one refresh at a time: while the list cannot be fetched, requests must not pile up GETs
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        background.execute(() -> {
            try {
                models();
            } catch (RuntimeException e) {
                LOG.debug("background model-list refresh failed: {}", e.getMessage());
            } finally {
                refreshing.set(false);
            }
        });
    }
}
