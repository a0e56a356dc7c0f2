package io.lingma.gateway.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lingma.gateway.admin.AdminEndpoints;
import io.lingma.gateway.admin.EffectiveConfig;
import io.lingma.gateway.admin.GatewayStats;
import io.lingma.gateway.admin.RequestRecorder;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ErrorEnvelopes;
import io.lingma.gateway.api.anthropic.AnthropicMessagesApi;
import io.lingma.gateway.api.openai.OpenAiChatApi;
import io.lingma.gateway.api.responses.ResponsesApi;
import io.lingma.gateway.auth.AnonymousAccess;
import io.lingma.gateway.auth.ApiKeyAuthenticator;
import io.lingma.gateway.auth.ApiKeyStore;
import io.lingma.gateway.auth.KeyRateLimiter;
import io.lingma.gateway.auth.MetricsGuard;
import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.http.EdgeErrors;
import io.lingma.gateway.http.ErrorResponder;
import io.lingma.gateway.http.GuardedVertx;
import io.lingma.gateway.http.HttpReadGuard;
import io.lingma.gateway.http.HttpLifecycle;
import io.lingma.gateway.http.HttpListeners;
import io.lingma.gateway.http.RequestGuard;
import io.lingma.gateway.http.ShutdownGate;
import io.lingma.gateway.http.VertxRouterSetup;
import io.lingma.gateway.images.ImageLoader;
import io.lingma.gateway.lingma.ipc.IpcChatBackend;
import io.lingma.gateway.lingma.ipc.IpcEndpointDiscovery;
import io.lingma.gateway.lingma.ipc.IpcSettings;
import io.lingma.gateway.lingma.ipc.LingmaIpcClient;
import io.lingma.gateway.lingma.ipc.camel.LingmaIpcComponent;
import io.lingma.gateway.lingma.remote.BaseUrlResolver;
import io.lingma.gateway.lingma.remote.RemoteChatBackend;
import io.lingma.gateway.lingma.remote.RemoteCredentialLoader;
import io.lingma.gateway.lingma.remote.RemoteHttpTransport;
import io.lingma.gateway.lingma.remote.RemoteModelListParser;
import io.lingma.gateway.lingma.remote.RemoteRequestFactory;
import io.lingma.gateway.lingma.remote.RemoteSettings;
import io.lingma.gateway.lingma.remote.RemoteSseParser;
import io.lingma.gateway.service.ChatService;
import io.lingma.gateway.service.ClientApis;
import io.lingma.gateway.service.ConcurrencyLimiter;
import io.lingma.gateway.service.Drain;
import io.lingma.gateway.service.HealthService;
import io.lingma.gateway.service.ModelCatalog;
import io.lingma.gateway.service.UpstreamHealthCheck;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.SimulatorOptions;
import io.lingma.gateway.simulator.remote.RemoteSimulator;
import io.lingma.gateway.simulator.remote.RemoteSimulatorOptions;
import io.lingma.gateway.sse.SseStreamer;
import io.lingma.gateway.tools.ToolEmulation;
import io.micrometer.core.instrument.MeterRegistry;
import io.lingma.gateway.observe.GatewayMetrics;
import io.lingma.gateway.observe.LogSettings;
import io.lingma.gateway.observe.MdcExecutorService;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.VertxInternal;
import io.lingma.gateway.ledger.LedgerDatabase;
import io.lingma.gateway.ledger.UsageQuery;
import io.lingma.gateway.ledger.UsageRecorder;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.ExchangeFormatter;
import org.apache.camel.spi.MaskingFormatter;
import org.apache.camel.spi.ShutdownStrategy;
import org.apache.camel.spi.Tracer;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.processor.DefaultMaskingFormatter;

import javax.sql.DataSource;
import java.time.Duration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/**
 * All of the gateway's beans, bound to the Camel registry by name for the routes (style.md #2). Each bound method
 * delegates to a memoised factory so beans can depend on each other regardless of binding order. Settings come
 * from {@link GatewayProperties} (application.properties → environment → command line).
 */
public class GatewayConfiguration implements CamelConfiguration {

    /** The gateway version reported by {@code /version} and {@code /health}. */
    public static final String VERSION = "0.1.0";

    private CamelContext context;
    private GatewayProperties props;
    private Vertx vertx;
    private Vertx guardedVertx;
    private EdgeErrors edgeErrors;
    private ObjectMapper mapper;
    private LingmaSimulator simulator;
    private RemoteSimulator remoteSimulator;
    private Path remoteSimulatorDir;
    private RemoteHttpTransport remoteTransport;
    private ToolEmulation toolEmulation;
    private TokenEstimator estimator;
    private ChatBackend backend;
    private IpcChatBackend ipcBackend;
    private ConcurrencyLimiter limiter;
    private CircuitBreaker breaker;
    private ChatService chatService;
    private ClientApis clientApis;
    private ModelCatalog catalog;
    private ApiSettings apiSettings;
    private OpenAiChatApi openAi;
    private AnthropicMessagesApi anthropic;
    private ResponsesApi responsesApi;
    private ApiKeyAuthenticator authenticator;
    private GatewayStats stats;
    private RequestRecorder recorder;
    private GatewayMetrics metrics;
    private CircuitBreakerRegistry remoteBreakers;
    private CircuitBreakerRegistry upstreamBreakers;
    private boolean shutDown;
    private UsageRecorder usageRecorder;
    private LedgerDatabase ledgerDatabase;
    private final Drain drain = new Drain();

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        init(camelContext);
        // the tracer prints message headers, the client's API key among them, and ignores the log mask
        Tracer tracer = camelContext.getTracer();
        ExchangeFormatter traced = tracer.getExchangeFormatter();
        MaskingFormatter mask = logMask();
        tracer.setExchangeFormatter(exchange -> mask.format(traced.format(exchange)));
        int port = props.integer("gateway.http.port", 0, 65535);
        // before anything listens: a gateway that would serve the network without keys does not start
        String anonymous = AnonymousAccess.check(authenticator().keysConfigured(), props.string("gateway.http.host"),
                port, props.bool("gateway.auth.allow-anonymous"));
        if (anonymous != null) {
            org.slf4j.LoggerFactory.getLogger(ApiKeyAuthenticator.class).warn(anonymous);
        }
        camelContext.addStartupListener(new HttpListeners(port));
        camelContext.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext stopping) {
                drain.begin(drainGrace(stopping.getShutdownStrategy()));
            }
        });
        camelContext.addStartupListener(new VertxRouterSetup(clientApis(), edgeErrors(), port));
        camelContext.addStartupListener(edgeErrors());
        if (props.bool("camel.management.enabled")) {
            camelContext.addStartupListener(new MetricsGuard(authenticator(), clientApis(),
                    props.integer("camel.management.port", 0, 65535), props.string("camel.metrics.path")));
        }
        if (recorder().enabled()) {
            camelContext.getManagementStrategy().addEventNotifier(recorder().upstreamTimer());
        }
        // Camel's meter registry exists once the context started (none when metrics are off)
        camelContext.addStartupListener((ctx, alreadyStarted) -> {
            GatewayMetrics m = metrics();
            m.bind(ctx.getRegistry().findSingleByType(MeterRegistry.class));
            if (remoteBreakers != null) {
                m.bindBreakers(remoteBreakers);
            }
            if (ipcBackend != null) {
                m.bindSessionCache(ipcBackend::sessionCacheStats);
            }
        });
        HealthCheckRegistry health = HealthCheckRegistry.get(camelContext);
        if (health != null) {
            health.register(new UpstreamHealthCheck(backend()));
        }
    }

    /**
     * The one Vert.x instance of the process (platform-http and the Lingma IPC client share it), with a worker
     * pool sized for the configured concurrency: each request holds a worker thread for its whole life. The bound
     * view adds the edge handling to the HTTP servers platform-http creates on it ({@link GuardedVertx}).
     *
     * @param ctx the Camel context
     * @return the Vert.x instance
     */
    @BindToRegistry("vertx")
    public Vertx vertx(CamelContext ctx) {
        init(ctx);
        return guardedVertx();
    }

    /**
     * @param ctx the Camel context
     * @return the gateway's settings, which record every key read ({@link GatewayProperties#keysRead()})
     */
    @BindToRegistry("gatewayProperties")
    public GatewayProperties gatewayProperties(CamelContext ctx) {
        init(ctx);
        return props;
    }

    /** @return the shared Jackson mapper */
    @BindToRegistry("gatewayObjectMapper")
    public ObjectMapper objectMapper() {
        return mapper();
    }

    /** @return the running built-in Lingma simulator when {@code gateway.backend=simulator}, else null (not bound) */
    @BindToRegistry("lingmaSimulator")
    public LingmaSimulator lingmaSimulator(CamelContext ctx) {
        init(ctx);
        return simulator();
    }

    /** @return the built-in remote-API simulator when {@code gateway.remote.simulator=true}, else null */
    @BindToRegistry("remoteSimulator")
    public RemoteSimulator remoteSimulatorBean(CamelContext ctx) {
        init(ctx);
        return remoteSimulator();
    }

    /** @return the camel-http glue of the remote backend (used by routes/lingma-remote.camel.yaml), or null */
    @BindToRegistry("remoteHttpTransport")
    public RemoteHttpTransport remoteHttpTransport(CamelContext ctx) {
        init(ctx);
        backend();
        return remoteTransport;
    }

    /**
     * The formatter of Camel's log mask ({@code camel.main.log-mask}: the log EIP; the tracer uses it always):
     * Camel's sensitive keys plus the client's API key headers, which the exchange carries until HttpLifecycle
     * drops them.
     *
     * @return the masking formatter
     */
    @BindToRegistry(MaskingFormatter.CUSTOM_LOG_MASK_REF)
    public MaskingFormatter logMask() {
        DefaultMaskingFormatter mask = new DefaultMaskingFormatter();
        List.of("authorization", "x-api-key", "api-key", "cookie").forEach(mask::addKeyword);
        return mask;
    }

    /** @return the upstream backend selected by {@code gateway.backend} */
    @BindToRegistry("chatBackend")
    public ChatBackend chatBackend(CamelContext ctx) {
        init(ctx);
        return backend();
    }

    /**
     * The one destroy hook for the backend, the simulators and Vert.x. The registry destroys beans in binding
     * order, which follows reflection and is not fixed, so separate destroy methods could stop the simulator or
     * Vert.x before the backend had deleted its Lingma sessions; this closes them in dependency order instead.
     *
     * @param ctx the Camel context
     * @return the shutdown sequence (run by the registry after the routes and the HTTP server stopped)
     */
    @BindToRegistry(value = "gatewayShutdown", destroyMethod = "close")
    public Shutdown gatewayShutdown(CamelContext ctx) {
        init(ctx);
        return new Shutdown();
    }

    /** Closes the backend (which deletes its sessions over the still-open connection), the simulators, Vert.x. */
    public final class Shutdown implements AutoCloseable {

        private Shutdown() {
        }

        /** Runs the sequence once; later calls do nothing. */
        @Override
        public void close() {
            ChatBackend b;
            LingmaSimulator sim;
            RemoteSimulator remoteSim;
            Vertx v;
            synchronized (GatewayConfiguration.this) {
                if (shutDown) {
                    return;
                }
                shutDown = true;
                b = backend;
                sim = simulator;
                remoteSim = remoteSimulator;
                v = vertx;
            }
            closeQuietly("backend", b instanceof AutoCloseable c ? c : null);
            closeQuietly("Lingma simulator", sim);
            closeQuietly("remote simulator", remoteSim);
            if (v != null) {
                v.close();
            }
        }

        private void closeQuietly(String what, AutoCloseable closeable) {
            if (closeable == null) {
                return;
            }
            try {
                closeable.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(GatewayConfiguration.class).warn("closing the {} failed", what, e);
            }
        }
    }

    /**
     * The {@code lingma-ipc} Camel component over the IPC backend (bound by its scheme, so routes can say
     * {@code to: lingma-ipc:chat}); without an IPC backend ({@code gateway.backend=remote}) its endpoints fail to
     * start.
     *
     * @param ctx the Camel context
     * @return the component
     */
    @BindToRegistry("lingma-ipc")
    public LingmaIpcComponent lingmaIpcComponent(CamelContext ctx) {
        init(ctx);
        backend();
        return new LingmaIpcComponent(ipcBackend);
    }

    /**
     * @param ctx the Camel context
     * @return the breaker used by the {@code lingma-ipc-breaker} and {@code lingma-remote-breaker} EIPs
     */
    @BindToRegistry("lingmaCircuitBreaker")
    public CircuitBreaker lingmaCircuitBreaker(CamelContext ctx) {
        init(ctx);
        return breaker();
    }

    /** @return the generation concurrency limiter */
    @BindToRegistry("concurrencyLimiter")
    public ConcurrencyLimiter concurrencyLimiter(CamelContext ctx) {
        init(ctx);
        return limiter();
    }

    /** @return the model catalogue */
    @BindToRegistry("modelCatalog")
    public ModelCatalog modelCatalog(CamelContext ctx) {
        init(ctx);
        return catalog();
    }

    /** @return the chat service (open, collect) */
    @BindToRegistry("chatService")
    public ChatService chatService(CamelContext ctx) {
        init(ctx);
        return chatService();
    }

    /** @return the OpenAI Chat Completions API */
    @BindToRegistry("openAiChatApi")
    public OpenAiChatApi openAiChatApi(CamelContext ctx) {
        init(ctx);
        return openAi();
    }

    /** @return the Anthropic Messages API */
    @BindToRegistry("anthropicMessagesApi")
    public AnthropicMessagesApi anthropicMessagesApi(CamelContext ctx) {
        init(ctx);
        return anthropic();
    }

    /** @return the OpenAI Responses API */
    @BindToRegistry("responsesApi")
    public ResponsesApi responsesApi(CamelContext ctx) {
        init(ctx);
        return responses();
    }

    /** @return all client APIs by protocol */
    @BindToRegistry("clientApis")
    public ClientApis clientApisBean(CamelContext ctx) {
        init(ctx);
        return clientApis();
    }

    /** @return the image loader that fetches and normalises images before a turn runs (client-api.md §9.6) */
    @BindToRegistry(value = "imageLoader", destroyMethod = "close")
    public ImageLoader imageLoader(CamelContext ctx) {
        init(ctx);
        return new ImageLoader(ImageSettingsFactory.from(props));
    }

    /** @return the HTTP request life-cycle glue */
    @BindToRegistry("httpLifecycle")
    public HttpLifecycle httpLifecycle(CamelContext ctx) {
        init(ctx);
        return new HttpLifecycle(limiter(), apiSettings(), metrics(), usageRecorder(ctx));
    }

    /** @return the usage ledger's queue side: finished requests → {@code seda:usage-ledger} (issue 10 §2) */
    @BindToRegistry("usageRecorder")
    public synchronized UsageRecorder usageRecorder(CamelContext ctx) {
        init(ctx);
        if (usageRecorder == null) {
            usageRecorder = new UsageRecorder(ctx, ledgerEnabled(), props.integer("gateway.ledger.queue-size", 1),
                    props.string("gateway.ledger.password"));
        }
        return usageRecorder;
    }

    /**
     * @return the ledger database (H2 file under {@code gateway.data-dir}, or {@code gateway.ledger.jdbc-url}),
     *         migrated by Flyway when the ledger is on
     */
    @BindToRegistry(value = "ledgerDatabase", destroyMethod = "close")
    public synchronized LedgerDatabase ledgerDatabase(CamelContext ctx) {
        init(ctx);
        if (ledgerDatabase == null) {
            String dir = props.string("gateway.data-dir");
            ledgerDatabase = new LedgerDatabase(props.string("gateway.ledger.jdbc-url"),
                    props.string("gateway.ledger.user"), props.string("gateway.ledger.password"),
                    dir.isEmpty() ? Path.of(System.getProperty("user.home"), ".lingma-gateway") : Path.of(dir));
            if (ledgerEnabled()) {
                ledgerDatabase.migrate();
            }
        }
        return ledgerDatabase;
    }

    /** @return the ledger's connection pool, for the routes' {@code sql:} endpoints */
    @BindToRegistry("ledgerDataSource")
    public DataSource ledgerDataSource(CamelContext ctx) {
        return ledgerDatabase(ctx).dataSource();
    }

    /** @return {@code GET /internal/usage} and the retention cut-off */
    @BindToRegistry("usageQuery")
    public UsageQuery usageQuery(CamelContext ctx) {
        init(ctx);
        return new UsageQuery(ledgerEnabled(), props.duration("gateway.ledger.retention"));
    }

    private boolean ledgerEnabled() {
        return props.bool("gateway.ledger.enabled");
    }

    /** @return the API-key, admin and metrics tiers and the per-key model and rate checks (issue 9 §1) */
    @BindToRegistry("apiKeyAuthenticator")
    public ApiKeyAuthenticator apiKeyAuthenticator(CamelContext ctx) {
        init(ctx);
        return authenticator();
    }

    /** @return the Host / Origin / Content-Type guard of the client port (client-api.md §2.3, §2.4) */
    @BindToRegistry("requestGuard")
    public RequestGuard requestGuard(CamelContext ctx) {
        init(ctx);
        return new RequestGuard(clientApis(), RequestGuard.Settings.parse(
                props.string("gateway.http.host"), props.string("gateway.cors.allowed-origins"),
                props.string("gateway.http.allowed-hosts")));
    }

    /** @return what the client port answers while the gateway shuts down */
    @BindToRegistry("shutdownGate")
    public ShutdownGate shutdownGate(CamelContext ctx) {
        init(ctx);
        return new ShutdownGate(drain, healthService(ctx), clientApis(), mapper());
    }

    /** @return the error-envelope responder */
    @BindToRegistry("errorResponder")
    public ErrorResponder errorResponder(CamelContext ctx) {
        init(ctx);
        return new ErrorResponder(clientApis(), breaker());
    }

    /** @return the SSE writer */
    @BindToRegistry("sseStreamer")
    public SseStreamer sseStreamer(CamelContext ctx) {
        init(ctx);
        return new SseStreamer(clientApis(), chatService(),
                props.positiveDuration("gateway.stream.keepalive-interval"),
                props.positiveDuration("gateway.stream.write-stall-timeout"));
    }

    /** @return the health documents */
    @BindToRegistry("healthService")
    public HealthService healthService(CamelContext ctx) {
        init(ctx);
        return new HealthService(backend(), breaker(), limiter(), VERSION, drain);
    }

    /**
     * @param shutdown Camel's shutdown strategy ({@code camel.main.shutdown-timeout})
     * @return how long running responses may go on: a second short of the timeout (half of a timeout under 2 s),
     * so that they end with their terminal error before Camel forces the routes down
     */
    private static Duration drainGrace(ShutdownStrategy shutdown) {
        Duration timeout = Duration.ofMillis(shutdown.getTimeUnit().toMillis(shutdown.getTimeout()));
        Duration margin = timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout.dividedBy(2) : Duration.ofSeconds(1);
        return timeout.minus(margin);
    }

    /** @return the request statistics and debug ring (issue 9 §3, {@code gateway.debug.requests.size}) */
    @BindToRegistry("requestRecorder")
    public RequestRecorder requestRecorder(CamelContext ctx) {
        init(ctx);
        return recorder();
    }

    /** @return the capability document, statistics and default-model switch (client-api.md §8.1, §8.5) */
    @BindToRegistry("adminEndpoints")
    public AdminEndpoints adminEndpoints(CamelContext ctx) {
        init(ctx);
        boolean ipc = !"remote".equals(backendName());
        return new AdminEndpoints(backend(), catalog(), limiter(), breaker(), stats(), mapper(),
                new AdminEndpoints.Features(props.bool("gateway.images.allow-local-files"),
                        ipc ? props.string("gateway.ipc.session-mode") : null, recorder().enabled()),
                VERSION);
    }

    /** @return every setting with its value and source, secrets masked ({@code /internal/effective-config}) */
    @BindToRegistry("effectiveConfig")
    public EffectiveConfig effectiveConfig(CamelContext ctx) {
        init(ctx);
        return new EffectiveConfig(ctx, catalog());
    }

    private synchronized GatewayStats stats() {
        if (stats == null) {
            stats = new GatewayStats();
        }
        return stats;
    }

    private synchronized RequestRecorder recorder() {
        if (recorder == null) {
            int size = props.integer("gateway.debug.requests.size", 0);
            recorder = new RequestRecorder(stats(), size, size <= 0 ? Runnable::run
                    : context.getExecutorServiceManager().newSingleThreadExecutor(this, "debug-requests"));
        }
        return recorder;
    }

    /** @return the gateway's meters (issue 9 §4), fed by the access-log hook */
    @BindToRegistry("gatewayMetrics")
    public GatewayMetrics gatewayMetrics(CamelContext ctx) {
        init(ctx);
        return metrics();
    }

    private synchronized GatewayMetrics metrics() {
        if (metrics == null) {
            breaker();
            metrics = new GatewayMetrics(limiter(), upstreamBreakers);
        }
        return metrics;
    }

    private synchronized void init(CamelContext ctx) {
        if (context == null) {
            props = new GatewayProperties(ctx);
            // before the wire-logging pins: a JSON layout reloads the log4j2 configuration
            LogSettings.apply(props.string("gateway.log.format"), props.string("gateway.log.level"),
                    props.bool("gateway.log.access"));
            SecretLogging.apply(props.bool(SecretLogging.UNSAFE_SETTING));
            validate();
            context = ctx;
        }
    }

    /**
     * Parses the settings groups and the upstream's before anything starts (the simulator, Vert.x, a connection), so
     * a wrong value stops start-up with one line naming its key; the rest are parsed as their beans are bound.
     */
    private void validate() {
        backendName();
        props.integer("gateway.management.port", 0, 65535);
        // Camel reads it through {{gateway.http.max-body-bytes}} as a plain number of bytes
        props.parsed("gateway.http.max-body-bytes", GatewayConfiguration::positiveLong, "a number of bytes >= 1");
        apiSettings();
        ToolSettingsFactory.from(props);
        ImageSettingsFactory.from(props);
        IpcSettingsFactory.from(props, null);
        RemoteSettingsFactory.from(props, null, null, null);
        breakerConfig("gateway.remote.breaker.");
        breaker();
        limiter();
    }

    private static long positiveLong(String value) {
        long n = Long.parseLong(value);
        if (n < 1) {
            throw new IllegalArgumentException("not positive");
        }
        return n;
    }

    /**
     * @param prefix {@code gateway.breaker.} or {@code gateway.remote.breaker.}
     * @return a breaker configuration with the group's thresholds, moving from open to half-open by itself
     */
    private CircuitBreakerConfig.Builder breakerConfig(String prefix) {
        return CircuitBreakerConfig.custom()
                .failureRateThreshold(props.integer(prefix + "failure-rate-threshold", 1, 100))
                .slidingWindowSize(props.integer(prefix + "sliding-window-size", 1))
                .minimumNumberOfCalls(props.integer(prefix + "minimum-number-of-calls", 1))
                .waitDurationInOpenState(props.positiveDuration(prefix + "wait-duration-in-open-state"))
                .automaticTransitionFromOpenToHalfOpenEnabled(true);
    }

    private synchronized Vertx vertx() {
        if (vertx == null) {
            int inFlight = props.integer("gateway.concurrency.max-in-flight", 0);
            int queued = props.integer("gateway.concurrency.max-queued", 0);
            int workers = (inFlight <= 0 ? 64 : inFlight) + Math.max(0, queued) + 16;
            vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(workers));
        }
        return vertx;
    }

    private synchronized Vertx guardedVertx() {
        if (guardedVertx == null) {
            HttpReadGuard guard = new HttpReadGuard(
                    props.duration("gateway.http.header-read-timeout"), props.duration("gateway.http.body-read-timeout"),
                    props.duration("gateway.http.idle-timeout"), edgeErrors());
            guardedVertx = new GuardedVertx((VertxInternal) vertx(), edgeErrors(), guard);
        }
        return guardedVertx;
    }

    private synchronized EdgeErrors edgeErrors() {
        if (edgeErrors == null) {
            edgeErrors = new EdgeErrors(clientApis(), props.integer("gateway.http.port", 0, 65535));
        }
        return edgeErrors;
    }

    private synchronized ObjectMapper mapper() {
        if (mapper == null) {
            mapper = new ObjectMapper();
        }
        return mapper;
    }

    private String backendName() {
        return props.oneOf("gateway.backend", "ipc", "simulator", "remote");
    }

    private synchronized LingmaSimulator simulator() {
        if (simulator == null && "simulator".equals(backendName())) {
            SimulatorOptions options = SimulatorOptions.defaults()
                    .withPort(props.integer("gateway.simulator.port", 0, 65535))
                    .withScenarioFiles(paths(props.string("gateway.simulator.scenarios")));
            simulator = new LingmaSimulator(vertx(), options);
            simulator.start();
        }
        return simulator;
    }

    private static List<java.nio.file.Path> paths(String csv) {
        return java.util.Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(java.nio.file.Path::of).toList();
    }

    private synchronized ChatBackend backend() {
        if (backend == null) {
            switch (backendName()) {
                case "ipc" -> backend = ipcBackend(IpcSettingsFactory.from(props, null), false);
                case "simulator" -> backend = ipcBackend(IpcSettingsFactory.from(props, simulator().discoveryFile()),
                        true);
                case "remote" -> backend = remoteBackend();
                default -> throw new IllegalStateException("unreachable: " + backendName());
            }
        }
        return backend;
    }

    private ChatBackend ipcBackend(IpcSettings settings, boolean onSimulator) {
        LingmaIpcClient client = new LingmaIpcClient(vertx(), mapper(), settings,
                IpcEndpointDiscovery.forSystem(settings, mapper()));
        IpcChatBackend ipc = new IpcChatBackend(client, settings, estimator(), onSimulator,
                toolEmulation()::contractFor);
        // one lost connection is one breaker failure, however many turns it ended (their failures are not counted)
        CircuitBreaker upstream = breaker();
        // taken here: the listener runs on the event loop, which must never wait for this configuration's lock
        GatewayMetrics meters = metrics();
        client.onConnectionLost(cause -> {
            // each loss starts a reconnect (gateway.upstream.reconnects)
            meters.reconnected("ipc");
            ChatService.recordSharedFault(upstream, new GatewayException(
                    ErrorKind.UPSTREAM_INCOMPLETE, "Lingma IPC connection lost: " + cause.getMessage(), cause));
        });
        ipcBackend = ipc;
        ipc.start();
        return new ClosingBackend(ipc, () -> {
            ipc.close();
            client.close();
        });
    }

    private ChatBackend remoteBackend() {
        String baseUrl = null;
        Path cacheDir = null;
        Path stateFile = null;
        RemoteSimulator sim = remoteSimulator();
        if (sim != null) {
            baseUrl = sim.baseUrl();
            cacheDir = sim.writePluginCache(remoteSimulatorDir.resolve("plugin-cache"), sim.defaultAccount());
            stateFile = remoteSimulatorDir.resolve("remote-base-url.json");
        }
        RemoteSettings settings = RemoteSettingsFactory.from(props, baseUrl, cacheDir, stateFile);
        // attempts run on their own threads: they log under the request's id (MDC) all the same
        ExecutorService attempts = new MdcExecutorService(
                context.getExecutorServiceManager().newCachedThreadPool(this, "lingma-remote"));
        ScheduledExecutorService timer = context.getExecutorServiceManager()
                .newSingleThreadScheduledExecutor(this, "lingma-remote-timer");
        remoteTransport = new RemoteHttpTransport(
                () -> new RemoteSseParser(settings.maxSseLine(), () -> Ids.base62("call_", 24)), timer,
                settings.doneGrace(), settings.maxSseLine());
        CircuitBreakerConfig perModel = breakerConfig("gateway.remote.breaker.")
                .permittedNumberOfCallsInHalfOpenState(1).build();
        return new RemoteChatBackend(context, attempts, settings, new BaseUrlResolver(settings),
                new RemoteCredentialLoader(settings), new RemoteRequestFactory(settings),
                new RemoteModelListParser(settings.showDisabledModels()), remoteBreakers = CircuitBreakerRegistry.of(perModel),
                this::countAnswer, timer, toolEmulation()::contractFor);
    }

    private void countAnswer(String requested, String answered) {
        MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (meters != null) {
            meters.counter("gateway_upstream_model_answers_total", "model", answered).increment();
            if (!requested.equals(answered)) {
                meters.counter("gateway_upstream_fallback_total", "from", requested, "to", answered).increment();
            }
        }
    }

    private synchronized RemoteSimulator remoteSimulator() {
        if (remoteSimulator == null && "remote".equals(backendName())
                && props.bool("gateway.remote.simulator")) {
            try {
                remoteSimulatorDir = Files.createTempDirectory("lingma-remote-simulator-");
            } catch (IOException e) {
                throw new IllegalStateException("cannot create the remote simulator's directory", e);
            }
            remoteSimulator = new RemoteSimulator(vertx(),
                    RemoteSimulatorOptions.defaults().withPort(props.integer("gateway.simulator.remote-port", 0, 65535)));
            remoteSimulator.start();
        }
        return remoteSimulator;
    }

    /** @return the one token estimator, bounded by {@code gateway.tokens.exact-count-chars} */
    private synchronized TokenEstimator estimator() {
        if (estimator == null) {
            estimator = new TokenEstimator(props.integer("gateway.tokens.exact-count-chars", 4096));
            estimator.preload();
        }
        return estimator;
    }

    private synchronized ToolEmulation toolEmulation() {
        if (toolEmulation == null) {
            toolEmulation = new ToolEmulation(ToolSettingsFactory.from(props), estimator());
        }
        return toolEmulation;
    }

    private synchronized CircuitBreaker breaker() {
        if (breaker == null) {
            CircuitBreakerConfig config = breakerConfig("gateway.breaker.")
                    .permittedNumberOfCallsInHalfOpenState(
                            props.integer("gateway.breaker.permitted-calls-in-half-open-state", 1))
                    // only upstream faults count, a shared one (lost connection) once at its source; a 4xx is the
                    // client's problem, not Lingma's
                    .recordException(ChatService::countsAsFailure)
                    .build();
            upstreamBreakers = CircuitBreakerRegistry.of(config);
            breaker = upstreamBreakers.circuitBreaker("lingma-upstream");
        }
        return breaker;
    }

    private synchronized ConcurrencyLimiter limiter() {
        if (limiter == null) {
            limiter = new ConcurrencyLimiter(props.integer("gateway.concurrency.max-in-flight", 0),
                    props.integer("gateway.concurrency.max-queued", 0),
                    props.duration("gateway.concurrency.queue-timeout"),
                    props.integer("gateway.concurrency.retry-after", 0));
        }
        return limiter;
    }

    private synchronized ModelCatalog catalog() {
        if (catalog == null) {
            catalog = new ModelCatalog(backend(), props.string("gateway.default-model"),
                    props.enumValue("gateway.models.unknown-policy", ModelCatalog.UnknownPolicy.class),
                    "key".equals(props.oneOf("gateway.models.public-id", "key", "display-name")),
                    props.parsed("gateway.models.aliases", ModelCatalog::parseAliases,
                            "comma-separated pattern=target pairs such as claude-*=kmodel"));
        }
        return catalog;
    }

    private synchronized ChatService chatService() {
        if (chatService == null) {
            chatService = new ChatService(backend(), estimator(), breaker(),
                    props.duration("gateway.stream.commit-timeout"), props.duration("gateway.first-output-timeout"),
                    props.duration("gateway.request-timeout"), toolEmulation(), apiSettings().toolIdGenerator(),
                    props.bool("gateway.remote.tool-text-fallback"),
                    props.bytes("gateway.http.max-response-bytes", 1, Long.MAX_VALUE), drain);
        }
        return chatService;
    }

    private synchronized ApiSettings apiSettings() {
        if (apiSettings == null) {
            apiSettings = ApiSettingsFactory.from(props);
        }
        return apiSettings;
    }

    private synchronized OpenAiChatApi openAi() {
        if (openAi == null) {
            openAi = new OpenAiChatApi(mapper(), apiSettings());
        }
        return openAi;
    }

    private synchronized AnthropicMessagesApi anthropic() {
        if (anthropic == null) {
            anthropic = new AnthropicMessagesApi(mapper(), apiSettings());
        }
        return anthropic;
    }

    private synchronized ResponsesApi responses() {
        if (responsesApi == null) {
            responsesApi = new ResponsesApi(mapper(), apiSettings());
        }
        return responsesApi;
    }

    private synchronized ApiKeyAuthenticator authenticator() {
        if (authenticator == null) {
            String file = props.string("gateway.auth.keys-file");
            ApiKeyStore keys = new ApiKeyStore(props.string("gateway.auth.api-keys"),
                    file.isEmpty() ? null : Path.of(file), props.integer("gateway.auth.requests-per-minute", 0));
            // read even without a file, so a wrong value stops start-up whether or not a file is set yet
            java.time.Duration checkInterval = props.positiveDuration("gateway.auth.keys-file-check-interval");
            if (!file.isEmpty()) {
                keys.watch(context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "api-keys-file"),
                        checkInterval);
            }
            authenticator = new ApiKeyAuthenticator(keys, new KeyRateLimiter(),
                    props.string("gateway.auth.admin-token"), props.string("gateway.auth.metrics-token"));
        }
        return authenticator;
    }

    private synchronized ClientApis clientApis() {
        if (clientApis == null) {
            clientApis = new ClientApis(List.of(openAi(), anthropic(), responses()), new ErrorEnvelopes(mapper()));
        }
        return clientApis;
    }
}
