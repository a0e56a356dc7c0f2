package io.lingma.gateway.ledger;

import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.http.GatewayExchange;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.component.seda.SedaEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands finished requests to the ledger route ({@code seda:usage-ledger} → {@code sql:}) without waiting for the
 * database: a full queue or a failing insert drops the row, counts it and logs a warning; it never fails or delays
 * the request (issue 10 §2).
 */
public class UsageRecorder {

    /** The bounded in-memory queue between requests and the database. */
    public static final String QUEUE = "seda:usage-ledger";
    private static final Logger LOG = LoggerFactory.getLogger(UsageRecorder.class);

    private final CamelContext context;
    private final boolean enabled;
    private final String endpoint;
    private final String secret;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong recorded = new AtomicLong();
    private volatile SedaEndpoint queue;

    /**
     * @param context   the Camel context the ledger route runs in
     * @param enabled   {@code gateway.ledger.enabled}: when false, rows are ignored
     * @param queueSize capacity of the queue; rows beyond it are dropped
     * @param secret    the database password, masked in warnings (may be empty)
     */
    public UsageRecorder(CamelContext context, boolean enabled, int queueSize, String secret) {
        this.context = context;
        this.enabled = enabled;
        this.endpoint = QUEUE + "?size=" + queueSize;
        this.secret = secret == null ? "" : secret;
    }

    /** @return true when rows are written */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Queues one row; returns at once.
     *
     * @param row the finished request
     */
    public void record(UsageRow row) {
        if (!enabled || !context.getStatus().isStarted()) {
            return;
        }
        try {
            // straight onto the bounded queue: offer() never waits, and no producer exchange outside a route is made
            SedaEndpoint queue = queue();
            Exchange exchange = queue.createExchange(ExchangePattern.InOnly);
            exchange.getIn().setBody(row.parameters());
            if (!queue.getQueue().offer(exchange)) {
                drop(new IllegalStateException("the ledger queue is full (gateway.ledger.queue-size)"));
            }
        } catch (RuntimeException e) {
            drop(e);
        }
    }

    /**
     * The request completion hook (called from the access-log step of {@code HttpLifecycle}): builds the row from
     * the exchange's properties and queues it. Service and admin paths ({@code /internal/*}, health, version) are
     * not recorded.
     *
     * @param done        the finished REST exchange
     * @param path        the request path
     * @param status      the status the client got
     * @param stats       the request's statistics (start, time to first token), shared with the access line
     */
    public void finished(Exchange done, String path, int status, io.lingma.gateway.observe.RequestStats stats) {
        if (!enabled || !recorded(path)) {
            return;
        }
        long now = System.nanoTime();
        long startNanos = stats.startNanos();
        double ttft = stats.timeToFirstTokenSeconds();
        RequestContext context = done.getProperty(GatewayExchange.REQUEST_CONTEXT, RequestContext.class);
        ApiProtocol protocol = done.getProperty(GatewayExchange.PROTOCOL, ApiProtocol.class);
        ChatTurn turn = done.getProperty(GatewayExchange.TURN, ChatTurn.class);
        ChatResult result = done.getProperty(GatewayExchange.RESULT, ChatResult.class);
        ResolvedModel model = result != null ? result.model()
                : done.getProperty(GatewayExchange.MODEL, ResolvedModel.class);
        Usage usage = result == null ? null : result.usage();
        record(new UsageRow(System.currentTimeMillis(), context == null ? "-" : context.apiKeyScope(),
                protocol == null ? "-" : protocol.name().toLowerCase(Locale.ROOT),
                turn == null || turn.requestedModel().isEmpty() ? null : turn.requestedModel(),
                model == null ? null : model.publicId(), status,
                usage == null ? 0 : usage.promptTokens(), usage == null ? 0 : usage.completionTokens(),
                (now - startNanos) / 1_000_000, ttft < 0 ? null : Math.round(ttft * 1000)));
    }


    private static boolean recorded(String path) {
        return !(path.equals("/internal") || path.startsWith("/internal/") || path.equals("/")
                || path.equals("/health") || path.equals("/healthz") || path.equals("/version"));
    }

    /**
     * Called by the ledger route when an insert failed.
     *
     * @param exchange the failed insert (its caught exception is reported, the password masked)
     */
    public void failed(Exchange exchange) {
        drop(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
    }

    /** Called by the ledger route after each stored row. */
    public void stored() {
        recorded.incrementAndGet();
    }

    /** @return rows dropped so far (queue full or database failing) */
    public long dropped() {
        return dropped.get();
    }

    /** @return rows stored so far by this process */
    public long recorded() {
        return recorded.get();
    }

    private void drop(Throwable cause) {
        long n = dropped.incrementAndGet();
        String why = cause == null ? "unknown" : rootMessage(cause);
        if (!secret.isEmpty()) {
            why = why.replace(secret, "xxxxxx");
        }
        LOG.warn("usage ledger: a row was dropped ({} dropped so far): {}", n, why);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private SedaEndpoint queue() {
        if (queue == null) {
            queue = context.getEndpoint(endpoint, SedaEndpoint.class);
        }
        return queue;
    }
}
