package io.lingma.gateway.sse;

import io.lingma.gateway.api.SseFrame;
import io.lingma.gateway.api.StreamEncoder;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.http.ClientConnection;
import io.lingma.gateway.http.GatewayExchange;
import io.lingma.gateway.http.HttpLifecycle;
import io.lingma.gateway.service.ChatService;
import io.lingma.gateway.service.ClientApis;
import io.lingma.gateway.service.OpenedTurn;
import io.lingma.gateway.service.ResultAggregator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes an opened turn to the client as SSE (client-api.md §2.9, architecture.md §3 "SSE out of
 * camel-platform-http-vertx"): headers at the commit point, one {@code write()} per frame as events arrive (no
 * batching), keep-alives while waiting, a terminal error event for failures after the commit, and the response
 * ended here. Runs on the route's worker thread until the stream ends; respects the response write queue so a
 * slow reader cannot grow memory without bound.
 */
public class SseStreamer {

    private static final Logger LOG = LoggerFactory.getLogger(SseStreamer.class);

    private final ClientApis apis;
    private final ChatService chat;
    private final Duration keepAliveInterval;
    private final Duration writeStallTimeout;

    /**
     * @param apis              client APIs (their stream encoders)
     * @param chat              the chat service (deadlines, breaker recording, estimator)
     * @param keepAliveInterval {@code gateway.stream.keepalive-interval} (default 15 s)
     * @param writeStallTimeout {@code gateway.stream.write-stall-timeout} (default 60 s): a client that reads
     *                          nothing for this long while the write queue is full is dropped
     */
    public SseStreamer(ClientApis apis, ChatService chat, Duration keepAliveInterval, Duration writeStallTimeout) {
        this.apis = apis;
        this.chat = chat;
        this.keepAliveInterval = keepAliveInterval;
        this.writeStallTimeout = writeStallTimeout;
    }

    /**
     * Streams the exchange's {@link OpenedTurn} body to the client and ends the response.
     *
     * @param exchange the chat exchange (body: the opened turn)
     */
    public void stream(Exchange exchange) {
        OpenedTurn turn = exchange.getIn().getBody(OpenedTurn.class);
        HttpServerResponse response = exchange.getProperty(GatewayExchange.HTTP_RESPONSE, HttpServerResponse.class);
        ClientConnection client = HttpLifecycle.connection(exchange);
        ApiProtocol protocol = turn.request().protocol();
        boolean closeDelimited = exchange.getProperty(GatewayExchange.HTTP_VERSION) == HttpVersion.HTTP_1_0;
        StreamEncoder encoder = null;
        try (turn) {
            encoder = apis.get(protocol).streamEncoder(turn.request(), turn.model(), turn::promptTokenEstimate);
            ResultAggregator agg = new ResultAggregator(turn::promptTokenEstimate, chat.estimator());
            ChatService.TurnClock clock = chat.clock();
            commit(response, exchange, protocol, turn, closeDelimited);
            write(response, client, encoder.start());
            while (!client.gone()) {
                ChatEvent e = turn.next(clock.nextWait(ChatService.producing(agg, turn), keepAliveInterval));
                // checked on every event too: a stream that never stops still hits the request deadline
                GatewayException timeout = e != null && e.terminal() ? null
                        : clock.expired(ChatService.producing(agg, turn));
                if (timeout != null) {
                    turn.cancel(timeout.getMessage());
                    end(response, client, encoder.error(chat.recordFault(timeout)));
                    break;
                }
                if (e == null) {
                    write(response, client, List.of(encoder.keepAlive()));
                } else if (e instanceof ChatEvent.Failure f) {
                    if (!client.gone()) {
                        end(response, client, encoder.error(chat.recordFault(f.error())));
                    }
                    break;
                } else if (e instanceof ChatEvent.Finish f) {
                    ChatResult result = agg.result(f.reason(), turn.model());
                    end(response, client, encoder.finish(result));
                    break;
                } else {
                    agg.add(e);
                    write(response, client, encoder.onEvent(e));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            turn.cancel("interrupted");
        } catch (ClientGoneException e) {
            client.disconnected();
        } catch (RuntimeException e) {
            LOG.warn("stream failed after commit", e);
            turn.cancel("stream failure");
            if (encoder != null) {
                safeWrite(response, client,
                        encoder.error(new GatewayException(ErrorKind.INTERNAL, "internal gateway error")));
            }
        } finally {
            if (!response.ended()) {
                try {
                    // ending a closed response is harmless and tells platform-http there is nothing left to write
                    response.end();
                } catch (RuntimeException e) {
                    LOG.debug("could not end the response", e);
                }
            }
            if (closeDelimited && !response.closed()) {
                // the end of a close-delimited body is the end of the connection, even when the client asked
                // for keep-alive
                response.close();
            }
        }
    }

    /**
     * Sends the status and headers. HTTP/1.1 streams are chunked; HTTP/1.0 has no chunked encoding, so its stream
     * is close-delimited (RFC 1945 §7.2.2: no Content-Length, {@code Connection: close}, the body ends with the
     * connection) — which nginx's default {@code proxy_pass} (HTTP/1.0) relays as it arrives.
     */
    private void commit(HttpServerResponse response, Exchange exchange, ApiProtocol protocol, OpenedTurn turn,
                        boolean closeDelimited) {
        response.setStatusCode(200);
        response.putHeader("Content-Type", "text/event-stream; charset=utf-8");
        response.putHeader("Cache-Control", "no-cache, no-transform");
        if (closeDelimited) {
            // runs after Vert.x chose the Connection header, which says keep-alive when an HTTP/1.0 client asked
            response.headersEndHandler(v -> response.headers().set("Connection", "close"));
        } else {
            response.setChunked(true);
            response.putHeader("Connection", "keep-alive");
        }
        response.putHeader("X-Accel-Buffering", "no");
        response.putHeader("X-Lingma-Model", turn.model().key().isEmpty() ? "lingma" : turn.model().key());
        String requestId = exchange.getIn().getHeader("x-request-id", String.class);
        if (requestId != null) {
            response.putHeader("x-request-id", requestId);
            if (protocol.anthropic()) {
                response.putHeader("request-id", requestId);
            }
        }
        if (closeDelimited) {
            // writeHead() insists on a length or chunking; an empty first write sends the head of a
            // close-delimited body
            response.write(Buffer.buffer());
        } else {
            response.writeHead();
        }
    }

    private void write(HttpServerResponse response, ClientConnection client, List<SseFrame> frames)
            throws InterruptedException {
        write(response, client, frames, false);
    }

    /**
     * Writes the terminal frames and ends the response with the last one: a client may hang up as soon as it has
     * the terminal frame, and the response must count as ended by then (else the close reads as a disconnect).
     */
    private void end(HttpServerResponse response, ClientConnection client, List<SseFrame> frames)
            throws InterruptedException {
        write(response, client, frames, true);
    }

    private void write(HttpServerResponse response, ClientConnection client, List<SseFrame> frames, boolean end)
            throws InterruptedException {
        for (int i = 0; i < frames.size(); i++) {
            if (response.closed() || client.gone()) {
                throw new ClientGoneException();
            }
            awaitDrain(response, client);
            if (client.gone()) {
                throw new ClientGoneException();
            }
            if (end && i == frames.size() - 1) {
                response.end(frames.get(i).render());
            } else {
                response.write(frames.get(i).render());
            }
        }
    }

    private void safeWrite(HttpServerResponse response, ClientConnection client, List<SseFrame> frames) {
        try {
            if (response.headWritten() && !response.closed()) {
                write(response, client, frames);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("could not write the terminal error frame", e);
        }
    }

    private void awaitDrain(HttpServerResponse response, ClientConnection client) throws InterruptedException {
        if (!response.writeQueueFull()) {
            return;
        }
        CompletableFuture<Void> drained = new CompletableFuture<>();
        response.drainHandler(v -> drained.complete(null));
        // Vert.x never drains a closed connection: a disconnect must end the wait too
        client.whenGone(() -> drained.complete(null));
        if (!response.writeQueueFull()) {
            drained.complete(null);
        }
        try {
            drained.get(writeStallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            response.reset();
            client.disconnected();
            throw new ClientGoneException();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ClientGoneException();
        }
    }

    /** The client stopped reading or went away; the turn is abandoned. */
    private static final class ClientGoneException extends RuntimeException {
        ClientGoneException() {
            super("client gone", null, false, false);
        }
    }
}
