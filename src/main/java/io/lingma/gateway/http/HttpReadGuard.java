package io.lingma.gateway.http;

import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Read deadlines for every HTTP/1.x connection of the gateway's servers (client-api.md §2.4), enforced by two
 * Netty handlers added to the connection's pipeline (one before the HTTP decoder, which sees that bytes arrive,
 * one after it, which sees decoded requests and the responses written):
 * <ul>
 *   <li>request head: complete within {@code headerRead} of the connection opening or of its first byte → else
 *       408 (or a silent close when not one byte came);</li>
 *   <li>request body: complete within {@code bodyRead} of its head → else 408;</li>
 *   <li>keep-alive: a connection with no request in progress is closed silently after {@code idle}.</li>
 * </ul>
 * Nothing is timed while a request is being answered, so long generations and SSE streams are never cut. It also
 * turns a request line naming an HTTP version other than 1.0 or 1.1 into a decoder failure (answered 400 by
 * {@link EdgeErrors#invalidRequest}) and answers a broken chunked body with 400 instead of a bare reset. A 408 or
 * 400 written here is only sent when no other response is under way on the connection; the connection is closed
 * after it in every case. A zero duration disables that deadline.
 */
public final class HttpReadGuard {

    private static final Logger LOG = LoggerFactory.getLogger(HttpReadGuard.class);

    private final long headerReadMs;
    private final long bodyReadMs;
    private final long idleMs;
    private final EdgeErrors errors;

    /**
     * @param headerRead longest time to receive a request head ({@code gateway.http.header-read-timeout})
     * @param bodyRead   longest time to receive a request body after its head ({@code gateway.http.body-read-timeout})
     * @param idle       longest silence of a connection between requests ({@code gateway.http.idle-timeout})
     * @param errors     renders the 408 and 400 envelopes
     */
    public HttpReadGuard(Duration headerRead, Duration bodyRead, Duration idle, EdgeErrors errors) {
        this.headerReadMs = headerRead.toMillis();
        this.bodyReadMs = bodyRead.toMillis();
        this.idleMs = idle.toMillis();
        this.errors = errors;
    }

    /**
     * Vert.x connection handler: starts watching a new HTTP/1.x connection (others are left alone).
     *
     * @param connection the connection just accepted
     */
    public void watch(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        if (pipeline.get("httpDecoder") == null || pipeline.get("handler") == null) {
            return;
        }
        Watch watch = new Watch();
        pipeline.addBefore("httpDecoder", "gatewayReadBytes", watch.bytes);
        pipeline.addBefore("handler", "gatewayReadGuard", watch);
    }

    /** Where the connection is in reading its current request. */
    private enum Phase { WAITING, HEAD, BODY, READ }

    /** One connection's state; all callbacks run on its event loop. */
    private final class Watch extends ChannelDuplexHandler {

        /** Sees raw bytes arrive, before the decoder: the start of a request head. */
        final ChannelInboundHandlerAdapter bytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (phase == Phase.WAITING && msg instanceof ByteBuf buf && buf.isReadable()) {
                    headStarted(buf);
                }
                ctx.fireChannelRead(msg);
            }
        };

        private ChannelHandlerContext ctx;
        private Phase phase = Phase.WAITING;
        private ScheduledFuture<?> deadline;
        private Phase deadlineFor;
        /** Requests decoded whose response has not ended yet. */
        private int inFlight;
        private boolean responseOpen;
        /** Path of the request being read: its decoded URI, or what the start of its head names. */
        private String path;
        /** Request target read off the start of the current head, before the decoder saw it. */
        private String sniffed;
        private boolean closing;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            arm(Phase.HEAD, headerReadMs);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closing) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest request) {
                requestHead(request);
            }
            if (msg instanceof HttpContent content) {
                // a failed head (which may come as a full request) is Vert.x's to answer; a failed chunk is not
                if (!(msg instanceof HttpRequest) && !content.decoderResult().isSuccess()) {
                    ReferenceCountUtil.release(msg);
                    fail(Phase.BODY, GatewayException.badRequest("malformed chunked request body"));
                    return;
                }
                if (content instanceof LastHttpContent) {
                    bodyEnded();
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (closing) {
                // the guard answered and is closing: nothing else may reach the wire
                ReferenceCountUtil.release(msg);
                if (!promise.isVoid()) {
                    promise.tryFailure(new ClosedChannelException());
                }
                return;
            }
            if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ctx.write(msg, promise);
                return;
            }
            if (msg instanceof HttpResponse) {
                responseOpen = true;
            }
            if (msg instanceof LastHttpContent) {
                responseEnded();
            }
            ctx.write(msg, promise);
        }

        private void headStarted(ByteBuf buf) {
            phase = Phase.HEAD;
            // the request line's start names the API for a 408 before the head is complete
            String start = buf.toString(buf.readerIndex(), Math.min(buf.readableBytes(), 64),
                    StandardCharsets.ISO_8859_1);
            int from = start.indexOf(' ') + 1;
            int to = start.indexOf(' ', from);
            sniffed = from > 0 ? start.substring(from, to > 0 ? to : start.length()) : null;
            path = sniffed;
            if (deadlineFor != Phase.HEAD) {
                arm(Phase.HEAD, headerReadMs);
            }
        }

        private void requestHead(HttpRequest request) {
            inFlight++;
            if (!request.decoderResult().isSuccess() && sniffed != null && sniffed.startsWith("/")
                    && "/bad-request".equals(request.uri())) {
                // the decoder's stand-in for an unreadable head: keep the path the client sent, for its envelope
                request.setUri(sniffed);
            }
            sniffed = null;
            path = request.uri();
            HttpVersion version = request.protocolVersion();
            if (request.decoderResult().isSuccess() && !HttpVersion.HTTP_1_1.equals(version)
                    && !HttpVersion.HTTP_1_0.equals(version)) {
                // Vert.x would answer 501 itself; answered in HTTP/1.1 as the client's mistake instead
                request.setProtocolVersion(HttpVersion.HTTP_1_1);
                request.setDecoderResult(DecoderResult.failure(new EdgeErrors.UnsupportedVersion(version.text())));
            }
            phase = Phase.BODY;
            arm(Phase.BODY, bodyReadMs);
        }

        private void bodyEnded() {
            phase = Phase.READ;
            cancel();
            if (inFlight == 0) {
                // answered before its body was read (e.g. 413): the connection waits for the next request
                waitForNext();
            }
        }

        private void responseEnded() {
            responseOpen = false;
            inFlight = Math.max(0, inFlight - 1);
            if (inFlight == 0 && phase == Phase.READ) {
                waitForNext();
            }
        }

        private void waitForNext() {
            phase = Phase.WAITING;
            path = null;
            arm(Phase.WAITING, idleMs);
        }

        private void arm(Phase what, long ms) {
            cancel();
            if (ms > 0) {
                deadlineFor = what;
                deadline = ctx.executor().schedule(() -> expired(what), ms, TimeUnit.MILLISECONDS);
            }
        }

        private void cancel() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
                deadlineFor = null;
            }
        }

        private void expired(Phase what) {
            deadline = null;
            deadlineFor = null;
            if (closing || !ctx.channel().isActive()) {
                return;
            }
            if (what == Phase.HEAD && phase == Phase.HEAD) {
                fail(Phase.HEAD, new GatewayException(ErrorKind.REQUEST_TIMEOUT,
                        "request headers not received within " + headerReadMs + " ms"));
            } else if (what == Phase.BODY && phase == Phase.BODY) {
                fail(Phase.BODY, new GatewayException(ErrorKind.REQUEST_TIMEOUT,
                        "request body not received within " + bodyReadMs + " ms"));
            } else {
                LOG.debug("closing idle connection from {}", ctx.channel().remoteAddress());
                closing = true;
                ctx.close();
            }
        }

        /** Answers {@code error} when no other response is under way (else just closes), then closes. */
        private void fail(Phase during, GatewayException error) {
            cancel();
            closing = true;
            int before = during == Phase.HEAD ? 0 : 1;
            LOG.info("{} {}: {}", ctx.channel().remoteAddress(), error.status(), error.getMessage());
            if (inFlight == before && !responseOpen) {
                ctx.writeAndFlush(errors.response(path, error)).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        }
    }
}
