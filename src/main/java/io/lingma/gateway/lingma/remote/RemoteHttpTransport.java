package io.lingma.gateway.lingma.remote;

import org.apache.camel.Exchange;
import org.apache.camel.component.http.HttpActivityListener;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The camel-http side of the remote backend, used by the {@code lingma-remote-*} routes: it puts the signed
 * headers of the exchange's {@link RemoteHttpRequest} on the outgoing request (they never become Camel message
 * headers, which Camel's tracer and error logs print; lingma-remote.md §3.1), hands the executing request to its
 * {@link RemoteTurn} (so a client disconnect aborts it — camel-http would otherwise drain the response when the
 * exchange completes, architecture.md §3) and reads the SSE response line by line into the turn as it arrives
 * (lingma-remote.md §7).
 */
public class RemoteHttpTransport implements HttpClientConfigurer, HttpActivityListener {

    /** Exchange property holding the {@link RemoteTurn} of the attempt. */
    public static final String TURN = "lingmaRemoteTurn";
    /** Exchange property holding the signed {@link RemoteHttpRequest} whose headers are sent. */
    public static final String REQUEST = "lingmaRemoteRequest";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteHttpTransport.class);
    private static final String CAMEL_EXCHANGE = "org.apache.camel.Exchange";
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final Supplier<RemoteSseParser> parsers;
    private final ScheduledExecutorService timer;
    private final Duration doneGrace;
    private final int maxLineChars;

    /**
     * @param parsers   a new SSE parser per response
     * @param timer     scheduler for the done-grace abort
     * @param doneGrace how long a stream may stay open after its end marker before it is dropped
     *                  ({@code gateway.remote.done-grace})
     * @param maxLineChars longest SSE line read into memory ({@code gateway.remote.max-sse-line}); longer is a
     *                     protocol failure
     */
    public RemoteHttpTransport(Supplier<RemoteSseParser> parsers, ScheduledExecutorService timer,
                               Duration doneGrace, int maxLineChars) {
        this.parsers = parsers;
        this.timer = timer;
        this.doneGrace = doneGrace;
        this.maxLineChars = maxLineChars;
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        // HttpClient would retry 429/503 by itself (even a POST); retries and fallback are the gateway's decision
        builder.disableAutomaticRetries();
        // the credentials go on the wire here, not through the Camel message
        builder.addRequestInterceptorFirst((request, entity, context) -> {
            RemoteHttpRequest signed = context.getAttribute(CAMEL_EXCHANGE) instanceof Exchange ex
                    ? ex.getProperty(REQUEST, RemoteHttpRequest.class) : null;
            if (signed == null) {
                throw new IOException("a Lingma remote request without its signed headers (the route needs "
                        + "httpActivityListener=#remoteHttpTransport and the lingmaRemoteRequest property)");
            }
            signed.headers().forEach(request::setHeader);
            LOG.debug("Lingma remote {} {} headers (secrets masked) {}", request.getMethod(), request.getPath(),
                    signed.maskedHeaders());
        });
        // the exec chain sees the request object camel-http created; it is the one that can be cancelled
        builder.addExecInterceptorFirst("lingma-remote-cancel", (request, scope, chain) -> {
            Object exchange = scope.clientContext.getAttribute(CAMEL_EXCHANGE);
            if (exchange instanceof Exchange ex && scope.originalRequest instanceof Cancellable cancellable) {
                RemoteTurn turn = ex.getProperty(TURN, RemoteTurn.class);
                if (turn != null) {
                    turn.onRequest(cancellable);
                }
            }
            return chain.proceed(request, scope);
        });
    }

    @Override
    public void onRequestSubmitted(Object source, Exchange exchange, HttpHost host, HttpRequest request,
                                   HttpEntity entity) {
        LOG.debug("Lingma remote {} {}{}", request.getMethod(), host, request.getPath());
    }

    @Override
    public void onResponseReceived(Object source, Exchange exchange, HttpHost host, HttpResponse response,
                                   HttpEntity entity, long elapsed) {
        LOG.debug("Lingma remote answered {} after {} ms", response.getCode(), elapsed);
    }

    /**
     * Route step after the HTTP call: classifies a non-2xx answer, or reads the SSE stream into the turn until
     * it ends, fails, or the turn is cancelled.
     *
     * @param exchange the attempt exchange (body: the response stream)
     */
    public void readStream(Exchange exchange) {
        RemoteTurn turn = exchange.getProperty(TURN, RemoteTurn.class);
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, "", String.class);
        InputStream body = exchange.getMessage().getBody(InputStream.class);
        if (turn.cancelled()) {
            return;
        }
        if (status != 200 || contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/html")) {
            turn.onStream(body);
            turn.fail(RemoteFailure.fromHttpStatus(status, contentType, readBounded(body)));
            // the rest of an error body is not worth reading: drop the connection
            turn.abortStream();
            return;
        }
        if (body == null) {
            turn.fail(RemoteFailure.ioError("the Lingma response had no body", null));
            return;
        }
        turn.onStream(body);
        RemoteSseParser parser = parsers.get();
        java.util.concurrent.atomic.AtomicBoolean graceExpired = new java.util.concurrent.atomic.AtomicBoolean();
        ScheduledFuture<?> graceAbort = null;
        boolean eof = false;
        try {
            BoundedLineReader reader = new BoundedLineReader(new InputStreamReader(body, StandardCharsets.UTF_8),
                    maxLineChars);
            String line;
            while ((line = reader.readLine()) != null) {
                parser.onLine(line).forEach(turn::offer);
                if (turn.cancelled()) {
                    return;
                }
                if ((parser.complete() || parser.awaitingFinishFrame()) && graceAbort == null) {
                    // some servers keep the connection open after the end marker: give them done-grace, then drop
                    graceAbort = timer.schedule(() -> {
                        graceExpired.set(true);
                        turn.abortStream();
                    }, doneGrace.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            eof = true;
            parser.onEof().forEach(turn::offer);
        } catch (RemoteFailure failure) {
            turn.fail(failure);
        } catch (IOException | RuntimeException e) {
            if (graceExpired.get()) {
                finishAfterGrace(parser, turn);
            } else if (!turn.cancelled()) {
                turn.fail(RemoteFailure.ioError("reading the Lingma stream", e));
            }
        } finally {
            if (graceAbort != null) {
                graceAbort.cancel(false);
            }
            if (!eof) {
                // closing an unfinished stream would read it to its end first: drop the connection instead
                turn.abortStream();
            }
            closeQuietly(body);
        }
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException e) {
            LOG.debug("closing the Lingma stream failed", e);
        }
    }

    private static void finishAfterGrace(RemoteSseParser parser, RemoteTurn turn) {
        try {
            parser.onEof().forEach(turn::offer);
        } catch (RemoteFailure failure) {
            turn.fail(failure);
        }
    }

    private static String readBounded(InputStream body) {
        if (body == null) {
            return "";
        }
        try {
            return new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
